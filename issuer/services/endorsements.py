"""Employers' endorsements of a badge's achievement: OB 3.0 ``EndorsementCredential``s signed
with the employer's own key (``issuer.signing.EmployerSigners``), embedded in the
``endorsement`` property of the Achievement of every credential issued while they are active
(OB 3.0 §B.1.1 Achievement.endorsement), and revocable by the employer through its 1EdTech
revocation list (OB 3.0 §9.1 "1EdTech Revocation List Status Method"), so a badge issued
earlier no longer shows the endorsement once it is revoked. Services take a session and never
commit.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer import permissions
from issuer.credential_builder import CREDENTIAL_CONTEXTS, timestamp
from issuer.models import BadgeDefinitionRecord, Endorsement, Organisation, User
from issuer.services import audit
from issuer.services.status_lists import LdpSigner

if TYPE_CHECKING:  # issuance embeds endorsements, so it imports this module
    from issuer.services.issuance import IssuerSite

ENDORSEMENT_SCHEMA = {
    "id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_endorsementcredential_schema.json",
    "type": "1EdTechJsonSchemaValidator2019",
}
MAX_COMMENT = 2000
MAX_REASON = 1000

ENDORSEMENT_ISSUED = "endorsement.issued"
ENDORSEMENT_REVOKED = "endorsement.revoked"


class EndorsementInputError(ValueError):
    """The endorsement cannot be issued or revoked as asked; the message says why in words."""


def revocation_list_url(base_url: str, employer_slug: str) -> str:
    return f"{base_url.rstrip('/')}/employers/{employer_slug}/revocations"


def _may_endorse(actor: User | None, organisation: Organisation) -> None:
    if actor is None:
        return  # the command line
    principal = permissions.Principal.of(actor)
    permissions.require(
        principal.active
        and principal.role == permissions.EMPLOYER_PARTNER
        and principal.organisation_id == organisation.id,
        f"{actor.email} may not sign for {organisation.name}",
    )


def build_endorsement(
    *,
    credential_id: str,
    endorser: dict[str, Any],
    achievement_id: str,
    achievement_name: str,
    comment: str,
    valid_from: datetime,
    valid_until: datetime | None,
    status_list_url: str,
) -> dict[str, Any]:
    """An unsigned OB 3.0 EndorsementCredential of an Achievement (pure)."""
    credential: dict[str, Any] = {
        "@context": list(CREDENTIAL_CONTEXTS),
        "id": credential_id,
        "type": ["VerifiableCredential", "EndorsementCredential"],
        "name": f"{endorser['name']} endorses the {achievement_name}",
        "issuer": endorser,
        "validFrom": timestamp(valid_from),
    }
    if valid_until is not None:
        credential["validUntil"] = timestamp(valid_until)
    credential["credentialSubject"] = {
        "id": achievement_id,
        "type": ["EndorsementSubject"],
        "endorsementComment": comment,
    }
    credential["credentialStatus"] = {"id": status_list_url, "type": "1EdTechRevocationList"}
    credential["credentialSchema"] = [dict(ENDORSEMENT_SCHEMA)]
    return credential


def issue_endorsement(
    session: Session,
    *,
    organisation: Organisation,
    badge: BadgeDefinitionRecord,
    comment: str,
    valid_until: datetime | None,
    actor: User | None,
    signer: LdpSigner,
    site: IssuerSite,
    now: datetime,
) -> Endorsement:
    """Sign an endorsement of ``badge``'s achievement as ``organisation`` (``signer`` is the
    employer's). Only the employer's own partners may; only the employer that backs the badge
    endorses it. Raises :class:`EndorsementInputError` or ``permissions.PermissionDenied``."""
    _may_endorse(actor, organisation)
    if badge.employer_id != organisation.id:
        raise EndorsementInputError(f"{organisation.name} does not back the {badge.name}.")
    comment = comment.strip()
    if not comment or len(comment) > MAX_COMMENT:
        raise EndorsementInputError(
            f"Say in a few words why you endorse the badge (at most {MAX_COMMENT} characters)."
        )
    valid_from = now.replace(microsecond=0)
    if valid_until is not None and valid_until <= valid_from:
        raise EndorsementInputError("The end date must be after today.")
    endorser: dict[str, Any] = {
        "id": signer.issuer_did,
        "type": ["Profile"],
        "name": organisation.name,
    }
    if organisation.url:
        endorser["url"] = organisation.url
    credential = build_endorsement(
        credential_id=f"urn:uuid:{uuid.uuid4()}",
        endorser=endorser,
        achievement_id=site.achievement_url(badge.slug),
        achievement_name=badge.name,
        comment=comment,
        valid_from=valid_from,
        valid_until=valid_until,
        status_list_url=revocation_list_url(site.base_url, organisation.slug),
    )
    endorsement = Endorsement(
        credential_id=credential["id"],
        organisation=organisation,
        badge=badge,
        comment=comment,
        credential_json=signer.sign_ldp(credential),
        valid_from=valid_from,
        valid_until=valid_until,
        issued_by_id=actor.id if actor is not None else None,
        issued_at=now,
    )
    session.add(endorsement)
    session.flush()
    audit.record(
        session,
        actor,
        ENDORSEMENT_ISSUED,
        endorsement,
        {"credential_id": endorsement.credential_id, "badge": badge.slug},
        now=now,
    )
    return endorsement


def revoke_endorsement(
    session: Session, endorsement: Endorsement, *, reason: str, actor: User | None, now: datetime
) -> None:
    """List the endorsement in its employer's revocation list (idempotent). Raises
    ``permissions.PermissionDenied`` for anyone but the employer's partners, or
    :class:`EndorsementInputError` for a missing or overlong reason."""
    _may_endorse(actor, endorsement.organisation)
    if endorsement.revoked_at is not None:
        return
    reason = reason.strip()
    if not reason or len(reason) > MAX_REASON:
        raise EndorsementInputError(
            f"Give the reason for withdrawing the endorsement (at most {MAX_REASON} characters)."
        )
    endorsement.revoked_at = now
    endorsement.revocation_reason = reason
    endorsement.revoked_by_id = actor.id if actor is not None else None
    audit.record(
        session,
        actor,
        ENDORSEMENT_REVOKED,
        endorsement,
        {"credential_id": endorsement.credential_id, "reason": reason},
        now=now,
    )
    session.flush()


def endorsements_of(session: Session, organisation: Organisation) -> list[Endorsement]:
    return list(
        session.scalars(
            select(Endorsement)
            .where(Endorsement.organisation_id == organisation.id)
            .order_by(Endorsement.issued_at.desc())
        )
    )


def active_credentials(
    session: Session, badge: BadgeDefinitionRecord, now: datetime
) -> list[dict[str, Any]]:
    """The signed endorsements of ``badge`` to embed in a credential issued ``now``: not
    revoked, not expired, oldest first."""
    rows = session.scalars(
        select(Endorsement)
        .where(Endorsement.badge_id == badge.id, Endorsement.revoked_at.is_(None))
        .order_by(Endorsement.issued_at)
    )
    return [row.credential_json for row in rows if row.valid_until is None or row.valid_until > now]


def revocation_list(
    session: Session, organisation: Organisation, *, base_url: str, did: str
) -> dict[str, Any]:
    """The employer's 1EdTech revocation list: ``revokedCredentials`` of ``{id, revocationReason}``."""
    revoked = session.execute(  # two columns, not the endorsements: read on every check
        select(Endorsement.credential_id, Endorsement.revocation_reason)
        .where(Endorsement.organisation_id == organisation.id, Endorsement.revoked_at.is_not(None))
        .order_by(Endorsement.revoked_at)
    )
    return {
        "id": revocation_list_url(base_url, organisation.slug),
        "issuer": did,
        "revokedCredentials": [
            {"id": credential_id, "revocationReason": reason} for credential_id, reason in revoked
        ],
    }
