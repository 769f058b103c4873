"""Issue one badge to one student, inside the caller's transaction.

Order of work: permission, eligibility, a status-list slot, build, sign (both formats), then
the award and its audit event are added and flushed. Everything is in the one transaction the
caller commits, so a crash anywhere before the commit leaves no award and gives the status
index back (the slot's increment is rolled back with the rest).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from badge_definitions import BadgeDefinition
from issuer import eligibility, notifications, permissions
from issuer.credential_builder import build_achievement_credential
from issuer.models import Award, BadgeDefinitionRecord, CriterionResult, Student, User
from issuer.services import audit, endorsements, status_lists
from issuer.services.badges import definition_of


class Signer(Protocol):
    issuer_did: str

    def sign_ldp(self, credential: dict[str, Any]) -> dict[str, Any]: ...

    def sign_jwt(self, credential: dict[str, Any], *, jwt_format: Any = ...) -> str: ...


class NotEligible(Exception):
    """The student may not receive the badge; ``result.messages`` says every reason."""

    def __init__(self, result: eligibility.EligibilityResult) -> None:
        self.result = result
        super().__init__(" ".join(result.messages))


class IdempotencyConflict(ValueError):
    """The idempotency key was already used for a different student or badge."""


@dataclass(frozen=True)
class IssuerSite:
    """Where the issuer is published and what it is called."""

    base_url: str
    issuer_name: str
    # Signs the one-time links in e-mails (the claim link of an award): the app's SECRET_KEY.
    link_secret: str = field(default="", repr=False)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> IssuerSite:
        return cls(
            base_url=str(config["PUBLIC_BASE_URL"]).rstrip("/"),
            issuer_name=str(config["ISSUER_NAME"]),
            link_secret=str(config.get("SECRET_KEY") or ""),
        )

    def issuer_profile(self, issuer_did: str) -> dict[str, Any]:
        return {
            "id": issuer_did,
            "type": ["Profile"],
            "name": self.issuer_name,
            "url": self.base_url,
        }

    def achievement_url(self, slug: str) -> str:
        return f"{self.base_url}/achievements/{slug}"


def achievement(definition: BadgeDefinition, site: IssuerSite) -> dict[str, Any]:
    """The OB 3.0 Achievement for a badge definition; the employer is its creator."""
    url = site.achievement_url(definition.slug)
    narrative = "\n".join(
        [f"Set by {definition.employer.name}. The student has met every criterion:", ""]
        + [f"- **{c.title}**: {c.description}" for c in definition.criteria]
    )
    result: dict[str, Any] = {
        "id": url,
        "type": ["Achievement"],
        "achievementType": "Badge",
        "name": definition.name,
        "description": definition.description,
        "criteria": {"id": f"{url}#criteria", "narrative": narrative},
        "image": {
            "id": f"{site.base_url}/static/{definition.image}",
            "type": "Image",
            "caption": definition.name,
        },
        "creator": {
            "id": definition.employer.url,
            "type": ["Profile"],
            "name": definition.employer.name,
            "url": definition.employer.url,
        },
        "version": str(definition.version),
    }
    if definition.alignments:
        result["alignment"] = [_alignment(a) for a in definition.alignments]
    if definition.tags:
        result["tag"] = list(definition.tags)
    if definition.field_of_study:
        result["fieldOfStudy"] = definition.field_of_study
    return result


def _alignment(alignment: Any) -> dict[str, Any]:
    item = {
        "type": ["Alignment"],
        "targetName": alignment.target_name,
        "targetUrl": alignment.target_url,
    }
    optional = {
        "targetDescription": alignment.target_description,
        "targetFramework": alignment.target_framework,
        "targetCode": alignment.target_code,
    }
    item.update({key: value for key, value in optional.items() if value})
    return item


def criterion_results(
    session: Session, student: Student, badge: BadgeDefinitionRecord
) -> list[CriterionResult]:
    return list(
        session.scalars(
            select(CriterionResult).where(
                CriterionResult.student_id == student.id, CriterionResult.badge_id == badge.id
            )
        )
    )


def awards_of(session: Session, student: Student, badge: BadgeDefinitionRecord) -> list[Award]:
    return list(
        session.scalars(
            select(Award)
            .where(Award.student_id == student.id, Award.badge_id == badge.id)
            .order_by(Award.issued_at)
        )
    )


def check_eligibility(
    session: Session, *, student: Student, badge: BadgeDefinitionRecord, now: datetime
) -> eligibility.EligibilityResult:
    """Gather the facts from the database and apply :func:`issuer.eligibility.check`."""
    return eligibility.check(
        student_name=student.name,
        pathway=eligibility.PathwayFacts.of(student.pathway),
        badge=definition_of(badge),
        criteria_met={r.criterion_key: r.met for r in criterion_results(session, student, badge)},
        held_awards=[
            eligibility.HeldAward(a.credential_id, a.valid_until, a.revoked_at is not None)
            for a in awards_of(session, student, badge)
        ],
        now=now,
    )


def _evidence(
    definition: BadgeDefinition, results: Sequence[CriterionResult], extra_urls: Sequence[str]
) -> list[dict[str, Any]]:
    """Evidence links, and one Evidence entry per employer-assessed criterion naming who
    assessed it (the OB 3.0 Evidence class: ``name``, ``description``, ``genre``; ``id`` is
    optional). Admins' notes stay in the database (they may describe a minor).

    Why Evidence and not ``credentialSubject.source``: OB 3.0 defines ``source`` as the one
    Profile that "assessed the achievement on behalf of the issuer", for the whole
    achievement; here the school assesses most criteria and the employer one, so the assessor
    is stated per criterion. The assessor is the badge's employer (only its partners record
    these criteria: ``permissions.can_record_criterion``, and ``assessed_by_organisation_id``
    records it on the result)."""
    items: list[dict[str, Any]] = []
    for result in results:
        criterion = definition.criterion(result.criterion_key)
        if not result.met or criterion is None:
            continue
        if criterion.employer_assessed and result.assessed_by_organisation_id is not None:
            item: dict[str, Any] = {
                "name": criterion.title,
                "description": f"Assessed by {definition.employer.name} (employer mentor) on "
                f"{result.recorded_at.date().isoformat()}.",
                "genre": "Employer assessment",
            }
            if result.evidence_url:
                item = {"id": result.evidence_url, **item}
            items.append(item)
        elif result.evidence_url:
            items.append({"id": result.evidence_url, "name": criterion.title})
    items += [{"id": url, "name": "Evidence"} for url in extra_urls]
    return items


def unsigned_credential(
    *,
    student: Student,
    definition: BadgeDefinition,
    results: Sequence[CriterionResult],
    site: IssuerSite,
    issuer_did: str,
    slot: status_lists.Slot,
    now: datetime,
    evidence_urls: Sequence[str] = (),
    endorsed_by: Sequence[dict[str, Any]] = (),
) -> tuple[dict[str, Any], datetime | None]:
    """The OpenBadgeCredential for ``student`` holding status-list ``slot``, not yet signed,
    and its ``validUntil`` (None: no expiry). Pure: single and bulk issuance both build here,
    so a credential reads the same whichever path issued it. ``endorsed_by`` (signed OB 3.0
    EndorsementCredentials, from ``endorsements.active_credentials``) go into the
    Achievement's ``endorsement`` (OB 3.0 §B.1.1)."""
    endorsed = achievement(definition, site)
    if endorsed_by:
        endorsed["endorsement"] = list(endorsed_by)
    valid_from = now.replace(microsecond=0)  # credentials carry whole seconds
    valid_until = definition.validity.valid_until(valid_from)
    credential = build_achievement_credential(
        credential_id=f"urn:uuid:{uuid.uuid4()}",
        issuer=site.issuer_profile(issuer_did),
        recipient_email=student.email,
        recipient_salt=student.identity_salt,
        achievement=endorsed,
        valid_from=valid_from,
        valid_until=valid_until,
        evidence=_evidence(definition, results, evidence_urls),  # pure: no lookups
        credential_status=status_lists.credential_status_entry(site.base_url, slot),
        name=definition.name,
    )
    return credential, valid_until


def issue_badge(
    session: Session,
    *,
    student: Student,
    badge: BadgeDefinitionRecord,
    actor: User | None,
    signer: Signer,
    site: IssuerSite,
    now: datetime,
    idempotency_key: str | None = None,
    evidence_urls: Sequence[str] = (),
) -> Award:
    """Issue ``badge`` to ``student`` (``actor`` None: the command line).

    With an ``idempotency_key`` already used for this student and badge, the existing award
    is returned and nothing new is issued, also when the twin request is still running in
    another transaction (this one waits for it: see ``status_lists.lock_for_allocation``).
    The permission check comes first, so a key replayed by someone who may not manage the
    student learns nothing of the existing award.
    The student's award e-mail (with its claim link) is queued in the same transaction.
    Raises :class:`permissions.PermissionDenied`, :class:`NotEligible` or
    :class:`IdempotencyConflict`.
    """
    if actor is not None:
        permissions.require(
            permissions.can_manage_pathway(permissions.Principal.of(actor), student.pathway_id),
            f"{actor.email} may not issue badges for {student.pathway.name}",
        )
    if idempotency_key is not None:  # after the permission check: never another's award
        status_lists.lock_for_allocation(session, now=now)  # a concurrent twin commits first
        existing = session.scalar(select(Award).where(Award.idempotency_key == idempotency_key))
        if existing is not None:
            if existing.student_id != student.id or existing.badge_id != badge.id:
                raise IdempotencyConflict(
                    f"idempotency key {idempotency_key!r} was used for another award"
                )
            return existing
    result = check_eligibility(session, student=student, badge=badge, now=now)
    if not result.eligible:
        raise NotEligible(result)

    definition = definition_of(badge)
    slot = status_lists.allocate(session, now=now)
    # a new list is signed once, here; an existing one only if it nears its validUntil
    status_lists.publish(session, slot.status_list_id, signer, now, base_url=site.base_url)
    credential, valid_until = unsigned_credential(
        student=student,
        definition=definition,
        results=criterion_results(session, student, badge),
        site=site,
        issuer_did=signer.issuer_did,
        slot=slot,
        now=now,
        evidence_urls=evidence_urls,
        endorsed_by=endorsements.active_credentials(session, badge, now),
    )
    signed = signer.sign_ldp(credential)
    jwt = signer.sign_jwt(credential)

    award = Award(
        credential_id=credential["id"],
        student=student,
        badge=badge,
        badge_version=definition.version,
        credential_json=signed,
        credential_jwt=jwt,
        status_list_id=slot.status_list_id,
        status_list_index=slot.index,
        issued_at=now,
        valid_until=valid_until,
        issued_by_id=actor.id if actor is not None else None,
        idempotency_key=idempotency_key,
    )
    session.add(award)
    audit.record(
        session,
        actor,
        audit.AWARD_ISSUED,
        award,
        {
            "student_id": student.id,
            "badge": badge.slug,
            "badge_version": definition.version,
            "status_list_id": slot.status_list_id,
            "status_list_index": slot.index,
            "valid_until": valid_until.isoformat() if valid_until else None,
        },
        now=now,
    )
    session.flush()
    notifications.queue_award_issued(session, award, site=site, now=now)
    return award


def credential_for_holder(
    award: Award, *, holder_id: str, signer: Signer
) -> tuple[dict[str, Any], str]:
    """The award's credential bound to a wallet: ``credentialSubject.id`` = ``holder_id``
    (the wallet's DID), signed again by ``signer`` in both formats (JSON-LD with an
    eddsa-rdfc-2022 proof, and VC-JWT whose ``sub`` is the DID).

    Everything else is the award as issued: the same ``id``, dates, evidence and status entry,
    so revoking the award revokes every wallet copy (VC DM 2.0 §4.4 credentialSubject ``id``;
    OB 3.0 AchievementSubject ``id``). Returns ``(json_ld, jwt)``; raises ValueError when the
    award is revoked (a wallet must not receive a revoked credential).
    """
    if award.revoked_at is not None:
        raise ValueError(f"{award.credential_id} is revoked")
    credential = {key: value for key, value in award.credential_json.items() if key != "proof"}
    subject = dict(credential["credentialSubject"])
    credential["credentialSubject"] = {"id": holder_id, **subject}
    return signer.sign_ldp(credential), signer.sign_jwt(credential)
