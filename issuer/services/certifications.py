"""Pathways and their (re)certifications. The pathway's current level and dates mirror the
latest certification record; the records are the history."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer import permissions
from issuer.models import CertificationLevel, CertificationRecord, Pathway, User
from issuer.services import audit


def find_pathway(session: Session, slug: str) -> Pathway:
    pathway = session.scalar(select(Pathway).where(Pathway.slug == slug))
    if pathway is None:
        raise LookupError(f"no pathway {slug!r}")
    return pathway


def record_certification(
    session: Session,
    *,
    pathway: Pathway,
    level: CertificationLevel | str,
    awarded_on: date,
    expires_on: date | None,
    actor: User | None,
    now: datetime,
    note: str | None = None,
) -> CertificationRecord:
    """Record a certification decision and make it the pathway's current one."""
    if actor is not None:
        permissions.require(
            permissions.can_administer(permissions.Principal.of(actor)),
            f"{actor.email} may not record pathway certifications",
        )
    level = CertificationLevel(level)
    if expires_on is not None and expires_on <= awarded_on:
        raise ValueError(
            f"a certification cannot expire ({expires_on}) before it is awarded ({awarded_on})"
        )
    previous = (
        None
        if pathway.id is None
        else (str(pathway.certification_level), pathway.certification_expires_on)
    )
    record = CertificationRecord(
        pathway=pathway,
        level=level,
        awarded_on=awarded_on,
        expires_on=expires_on,
        note=note,
        recorded_at=now,
        recorded_by_id=actor.id if actor is not None else None,
    )
    session.add(record)
    pathway.certification_level = level
    pathway.certified_on, pathway.certification_expires_on = awarded_on, expires_on
    session.flush()
    audit.record(
        session,
        actor,
        audit.CERTIFICATION_RECORDED,
        pathway,
        {
            "level": str(level),
            "awarded_on": awarded_on.isoformat(),
            "expires_on": expires_on.isoformat() if expires_on else None,
            "previous_level": previous[0] if previous else None,
            "previous_expires_on": previous[1].isoformat() if previous and previous[1] else None,
        },
        now=now,
    )
    return record


def create_pathway(
    session: Session,
    *,
    slug: str,
    name: str,
    school: str,
    district: str,
    sector: str,
    level: CertificationLevel | str,
    awarded_on: date,
    expires_on: date | None,
    actor: User | None,
    now: datetime,
) -> Pathway:
    """A new pathway with its first certification record."""
    pathway = Pathway(
        slug=slug,
        name=name,
        school=school,
        district=district,
        sector=sector.lower(),
        certification_level=CertificationLevel(level),
    )
    session.add(pathway)
    record_certification(
        session,
        pathway=pathway,
        level=level,
        awarded_on=awarded_on,
        expires_on=expires_on,
        actor=actor,
        now=now,
    )
    return pathway
