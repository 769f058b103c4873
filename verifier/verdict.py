"""The verdict at a glance: one verification report turned into what a person reads first
(genuine and current, revoked on a date, expired on a date, not genuine), in plain words.

Pure: the ``/verify`` pages and the issuer's public badge page build the same
:class:`Verdict` and render it with ``templates/verify/_verdict.html``. Nothing a failed
credential claims reaches a verdict: the report's summary is empty then (see
``verifier.verification.verify``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Literal

from verifier.report import VerificationReport

VerdictState = Literal[
    "genuine", "revoked", "suspended", "expired", "not-yet-valid", "unconfirmed", "not-genuine"
]

# Why a credential is not genuine, by the first check that failed, for someone who has never
# heard of JSON-LD. The check's own message stays in the technical details.
_NOT_GENUINE_BECAUSE = {
    "format": "This is not a badge file or text we can read.",
    "context": "It is not written in the Open Badges vocabulary.",
    "type": "It is not an Open Badges credential.",
    "schema": "It is not a well-formed Open Badges 3.0 credential.",
    "json-ld": "It contains wording that could be read differently from what was signed.",
    "proof": (
        "Its digital signature does not match: it was changed after it was issued, or it was "
        "not signed by the organisation it names."
    ),
    "issuer": "It was not signed by the organisation it names as its issuer.",
    "validity": "Its dates are not readable.",
}


# Proof failures that say nothing about the credential itself: the key needed the network, or
# the document could not be checked within its bounds (verifier.verification's messages).
_UNCHECKED = ("Could not resolve the signing key offline", " could not be checked: ")


def parse_time(value: str | None) -> datetime | None:
    """An XML Schema dateTime (``2026-11-29T20:55:26Z``) as an aware UTC datetime, else None."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def plain_date(moment: date | datetime) -> str:
    """``29 November 2026``: the day a person reads. A datetime is read in UTC; a date (a
    certification's end, say) is taken as it is. Every page shows dates this way (the
    ``plain_date`` filter and ``templates/_time.html``), never ISO 8601 in prose."""
    if isinstance(moment, datetime):
        moment = moment.astimezone(UTC)
    return f"{moment.day} {moment:%B %Y}"


def utc_iso(moment: date | datetime) -> str:
    """``2026-11-29T20:55:26Z`` (a datetime, in UTC) or ``2026-11-29`` (a date): the machine
    form for ``<time datetime>`` (HTML's valid date and global date-and-time strings)."""
    if isinstance(moment, datetime):
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return moment.isoformat()


def exact_utc(moment: datetime) -> str:
    """``2026-11-29 20:55:26 UTC``: the exact instant, for a ``title`` a person may read."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def issuer_label(issuer_name: str | None, issuer_id: str | None) -> str:
    """The issuer's name for prose; never a raw DID (a did:web's domain at most)."""
    if issuer_name and issuer_name.strip():
        return issuer_name.strip()
    if issuer_id and issuer_id.startswith("did:web:"):
        host = issuer_id.removeprefix("did:web:").split(":")[0].replace("%3A", ":")
        return f"an unnamed issuer at {host}"
    return "an unnamed issuer"


@dataclass(frozen=True)
class Verdict:
    """What the first screen says about one credential.

    ``state`` drives the colour and icon (the words say the same: never colour alone);
    ``when`` is the date that follows ``label`` in the headline (revoked, expired, not yet
    valid), UTC.
    """

    state: VerdictState
    label: str  # "Genuine and current", "Revoked on", "Expired on", "Not genuine", …
    explanation: str  # one sentence in plain words
    when: datetime | None = None
    badge_name: str | None = None
    holder_name: str | None = None  # only when the holder consented to show it
    issuer_name: str | None = None  # for prose: a name, never a DID
    issuer_recognized: bool | None = None  # None: recognition not checked, say nothing
    endorsers: tuple[str, ...] = ()
    issued: datetime | None = None
    valid_until: datetime | None = None
    recipient_matches: bool | None = None  # the email check: None when no email was given

    @property
    def headline(self) -> str:
        """The label with its date in words: "Revoked on 29 November 2026"."""
        return f"{self.label} {plain_date(self.when)}" if self.when else self.label

    @property
    def good(self) -> bool:
        return self.state == "genuine"

    @property
    def shows_content(self) -> bool:
        """False unless the signature verified: nothing an unverified credential claims is
        shown."""
        return self.issuer_name is not None


def verdict_for(
    report: VerificationReport,
    *,
    holder_name: str | None = None,
    revoked_at: datetime | None = None,
    now: datetime | None = None,
) -> Verdict:
    """The verdict of ``report``.

    ``holder_name`` (shown only when the holder consented) and ``revoked_at`` come from the
    issuer's own records when the credential is one of ours; a foreign revoked credential is
    "Revoked" without a date (the Bitstring Status List carries none). ``now`` (UTC, default
    the current time) decides expired and not-yet-valid.
    """
    failed = {check.id for check in report.checks if check.status == "failed"}
    first_failed = next((c for c in report.checks if c.status == "failed"), None)
    summary = report.credential
    recipient = report.check("recipient")
    recipient_matches = (
        None if recipient is None or recipient.status == "skipped" else recipient.status == "passed"
    )
    valid_from, valid_until = parse_time(summary.issued), parse_time(summary.valid_until)
    unreadable_dates = (summary.issued and not valid_from) or (
        summary.valid_until and not valid_until
    )
    shown = summary.issuer_id is not None  # empty when the proof or JSON-LD check failed
    proof = report.check("proof")
    if (
        proof is not None
        and proof.status == "failed"
        and any(phrase in proof.message for phrase in _UNCHECKED)
    ):
        return Verdict(
            "unconfirmed",
            "Could not be checked",
            "We could not check its signature (the issuer's key was out of reach, or the badge "
            "is too complex to check safely), so we cannot say whether it is genuine.",
            recipient_matches=recipient_matches,
        )
    if not shown or failed - {"status", "validity", "recipient"} or unreadable_dates:
        reason = _NOT_GENUINE_BECAUSE.get(
            "validity" if unreadable_dates else first_failed.id if first_failed else "",
            "It could not be verified.",
        )
        return Verdict("not-genuine", "Not genuine", reason, recipient_matches=recipient_matches)

    now = now or datetime.now(UTC)
    common = {
        "badge_name": summary.name or summary.achievement_name,
        "holder_name": holder_name,
        "issuer_name": issuer_label(summary.issuer_name, summary.issuer_id),
        "issuer_recognized": summary.issuer_recognized,
        "endorsers": summary.endorsers,
        "issued": valid_from,
        "valid_until": valid_until,
        "recipient_matches": recipient_matches,
    }
    if summary.status in ("revoked", "suspended"):
        word = "Revoked" if summary.status == "revoked" else "Suspended"
        label = f"{word} on" if revoked_at else word
        explanation = (
            f"This badge has been {summary.status} by its issuer: it no longer counts "
            "as proof of what it says."
        )
        return Verdict(summary.status, label, explanation, when=revoked_at, **common)  # type: ignore[arg-type]
    if valid_until is not None and valid_until <= now:
        return Verdict(
            "expired",
            "Expired on",
            "The badge was genuine, but it is past its end date; the holder can ask for it to "
            "be issued again.",
            when=valid_until,
            **common,
        )
    if valid_from is not None and valid_from > now:
        return Verdict(
            "not-yet-valid",
            "Not valid until",
            "The badge is genuine but its start date has not come yet.",
            when=valid_from,
            **common,
        )
    if failed & {"status", "validity"}:
        return Verdict(
            "unconfirmed",
            "Could not be confirmed",
            "The signature is genuine, but we could not check whether the issuer has revoked "
            "it. Try again later.",
            **common,
        )
    return Verdict(
        "genuine",
        "Genuine and current",
        "Signed by its issuer, unchanged, not revoked and not expired.",
        **common,
    )
