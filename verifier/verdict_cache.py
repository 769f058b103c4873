"""Verification reports remembered for credentials whose every input is local and versioned.

A report depends on the credential, the documents verification resolved (DID documents, status
lists, the registry of recognized issuers, endorsers' revocation lists), the issuer's signing
records, and the time. A :class:`VerdictCache` records each of those inputs while it verifies
and, on the next request for the same credential, reads them all again through the *local*
resolver (the issuer's own documents: database and key store, no network) and compares them
by value. The cached report is reused only when every input is unchanged and no date in any of
them has been crossed since; otherwise the credential is verified again. So a revocation (the
status list's bits), a key reported compromised (the DID document marks it ``revoked``), a
registry change, a withdrawn endorsement or an expiry is seen on the very next request,
whichever process made the change: nothing is invalidated by hand.

What cannot be read again locally is never cached: a credential whose verification needed the
network (anyone else's did:web, a foreign status list), whose holder's email was checked (the
address is never kept, not even as a key), or whose verification ran out of its work budget
(an outcome of the machine's load, not of the credential).

In-process and bounded (least recently used first out): the inputs are read again on every
hit anyway, so a shared cache (Redis) would save only the verification itself while adding a
round trip and a serialization of the report per hit; each web process verifies a credential
once per change instead.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from schemas.work_budget import shared_work_budget
from verifier.inputs import ParsedInput
from verifier.report import VerificationReport
from verifier.resolvers import DocumentResolver, ResolutionError
from verifier.verification import SigningRecords, VerificationContext, verify

DEFAULT_MAX_ENTRIES = 4096
# Even with no date ahead in any input, a report is verified again at least this often.
DEFAULT_MAX_AGE = timedelta(hours=1)
_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
_JWS = re.compile(r"[A-Za-z0-9_-]+\.([A-Za-z0-9_-]+)\.[A-Za-z0-9_-]*")
_ENVELOPE_PREFIXES = ("data:application/vc+jwt,", "data:application/jwt,")
_EPOCH_CLAIMS = ("exp", "nbf", "iat")  # RFC 7519 §4.1: NumericDate, seconds since the epoch


@dataclass(frozen=True)
class _Failed:
    """A resolution that failed, compared by its kind and message."""

    kind: str
    message: str


@dataclass(frozen=True)
class _Entry:
    same_input: Any  # compared by value with the next request's input (None: the key says it)
    report: VerificationReport
    documents: tuple[tuple[str, Any], ...]  # (url, document or _Failed), as verification saw
    signings: tuple[tuple[Any, Any, datetime | None], ...]  # SigningRecords.signed_at calls
    expires: datetime  # the first instant a date in the inputs could change the report


class _RecordingResolver:
    """Passes every resolution through and notes its outcome."""

    def __init__(self, inner: DocumentResolver) -> None:
        self._inner = inner
        self.seen: list[tuple[str, Any]] = []

    def resolve(self, url: str) -> dict[str, Any]:
        try:
            document = self._inner.resolve(url)
        except ResolutionError as error:
            self.seen.append((url, _outcome_of_error(error)))
            raise
        self.seen.append((url, document))
        return document


class _RecordingSigningRecords:
    def __init__(self, inner: SigningRecords) -> None:
        self._inner = inner
        self.seen: list[tuple[Any, Any, datetime | None]] = []

    def signed_at(self, credential_id: Any, signed: dict[str, Any] | str) -> datetime | None:
        at = self._inner.signed_at(credential_id, signed)
        self.seen.append((credential_id, signed, at))
        return at


def _outcome_of_error(error: ResolutionError) -> _Failed:
    return _Failed(type(error).__name__, str(error))


def _outcome(resolver: DocumentResolver, url: str) -> Any:
    try:
        return resolver.resolve(url)
    except ResolutionError as error:
        return _outcome_of_error(error)


def _parse(value: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _jws_payload(token: str) -> Any:
    match = _JWS.fullmatch(token)
    if match is None:
        return None
    body = match.group(1)
    try:
        return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (ValueError, binascii.Error):
        return None


def _moments(value: Any, key: str | None = None) -> Iterator[datetime]:
    """Every instant written in ``value``: ISO date-times anywhere (validFrom, validUntil,
    proof ``created``, a key's ``revoked``), JWT NumericDates, and those inside JWS payloads
    (a VC-JWT, an enveloped credential)."""
    if isinstance(value, dict):
        for name, item in value.items():
            yield from _moments(item, name)
    elif isinstance(value, list):
        for item in value:
            yield from _moments(item)
    elif isinstance(value, str):
        if _DATE_TIME.match(value):
            moment = _parse(value)
            if moment is not None:
                yield moment
        elif len(value) > 20:
            token = next(
                (value[len(p) :] for p in _ENVELOPE_PREFIXES if value.startswith(p)), value
            )
            payload = _jws_payload(token)
            if payload is not None:
                yield from _moments(payload)
    elif isinstance(value, int | float) and not isinstance(value, bool) and key in _EPOCH_CLAIMS:
        try:
            yield datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            return


def _expiry(inputs: list[Any], now: datetime, skew: timedelta, max_age: timedelta) -> datetime:
    """The first instant after ``now`` at which a comparison of the clock with a date in
    ``inputs`` (exactly, or allowing ``skew`` either way) could turn out differently."""
    first = now + max_age
    for value in inputs:
        for moment in _moments(value):
            for edge in (moment - skew, moment, moment + skew):
                if now < edge < first:
                    first = edge
    return first


class VerdictCache:
    """Reports by a key the caller chooses, each valid while its inputs are unchanged.

    ``local`` resolves the issuer's own documents without the network: what verification
    resolved must read the same through it, or the report is not kept. Thread-safe; at most
    ``max_entries`` reports, least recently used dropped first."""

    def __init__(
        self,
        local: DocumentResolver,
        *,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        max_age: timedelta = DEFAULT_MAX_AGE,
    ) -> None:
        self._local = local
        self._max_entries = max_entries
        self._max_age = max_age
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._lock = threading.Lock()
        self.verifications = 0  # how many reports were made rather than reused (tests, logs)

    def cached(
        self, key: Hashable, context: VerificationContext, *, same_input: Any = None
    ) -> VerificationReport | None:
        """The report kept under ``key``, if its input equals ``same_input`` and every input
        of verification still reads the same now; else None."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
        if entry is None or entry.same_input != same_input or not self._holds(entry, context):
            return None
        return entry.report

    def _holds(self, entry: _Entry, context: VerificationContext) -> bool:
        if not context.now() < entry.expires:
            return False
        for url, seen in entry.documents:
            if _outcome(self._local, url) != seen:
                return False
        records = context.signing_records
        for credential_id, signed, at in entry.signings:
            if records is None or records.signed_at(credential_id, signed) != at:
                return False
        return True

    def verify(
        self,
        key: Hashable,
        parsed: ParsedInput,
        context: VerificationContext,
        *,
        same_input: Any = None,
        keep: Callable[[VerificationReport], bool] = lambda report: True,
    ) -> VerificationReport:
        """``verifier.verification.verify(parsed, context)``, reused under ``key`` while its
        inputs hold. ``same_input`` is compared by value on each hit (pass the credential
        when the key does not determine it, e.g. a credential id); a report ``keep`` refuses
        is not kept. No recipient email: a report that checked one is never kept."""
        report = self.cached(key, context, same_input=same_input)
        if report is not None:
            return report
        now = context.now()
        resolver = _RecordingResolver(context.resolver)
        records = (
            _RecordingSigningRecords(context.signing_records)
            if context.signing_records is not None
            else None
        )
        with shared_work_budget(context.work_budget_seconds) as budget:
            report = verify(parsed, replace(context, resolver=resolver, signing_records=records))
        self.verifications += 1
        if budget.exhausted or not keep(report):
            return report  # cut short by the CPU it was given, which depends on the load
        documents: dict[str, Any] = {}
        for url, seen in resolver.seen:
            if documents.setdefault(url, seen) != seen:
                return report  # it changed while verifying: keep nothing
        if all(_outcome(self._local, url) == seen for url, seen in documents.items()):
            entry = _Entry(
                same_input=same_input,
                report=report,
                documents=tuple(documents.items()),
                signings=tuple(records.seen) if records is not None else (),
                expires=_expiry(
                    [parsed.credential, parsed.token, *documents.values()],
                    now,
                    context.clock_skew,
                    self._max_age,
                ),
            )
            with self._lock:
                self._entries[key] = entry
                self._entries.move_to_end(key)
                while len(self._entries) > self._max_entries:
                    self._entries.popitem(last=False)
        return report
