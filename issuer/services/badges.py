"""Badge definitions in the database: loaded from YAML (upsert by slug and version) and read
back as :class:`badge_definitions.BadgeDefinition`."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from badge_definitions import BadgeDefinition, BadgeDefinitionError, load_files
from badge_definitions.loader import parse_definition
from issuer.models import BadgeDefinitionRecord, Organisation, OrganisationKind, User
from issuer.services import audit


@dataclass(frozen=True)
class LoadOutcome:
    slug: str
    version: int
    action: str  # created | updated | unchanged


def definition_of(record: BadgeDefinitionRecord) -> BadgeDefinition:
    """The stored definition, validated again (it was valid when loaded); parsed once per
    content, since every badge page and check of our badges reads it and a BadgeDefinition
    is immutable."""
    content = json.dumps(record.definition, sort_keys=True, default=str)
    return _parsed(content, f"{record.slug} (version {record.version})")


@lru_cache(maxsize=64)
def _parsed(content: str, source: str) -> BadgeDefinition:
    return parse_definition(json.loads(content), source)


def find_badge(session: Session, slug: str) -> BadgeDefinitionRecord:
    record = session.scalar(select(BadgeDefinitionRecord).where(BadgeDefinitionRecord.slug == slug))
    if record is None:
        raise LookupError(f"no badge {slug!r}; run 'flask --app wsgi badges load'")
    return record


def _employer(session: Session, definition: BadgeDefinition) -> Organisation:
    spec = definition.employer
    org = session.scalar(select(Organisation).where(Organisation.slug == spec.slug))
    if org is None:
        org = Organisation(slug=spec.slug, kind=OrganisationKind.EMPLOYER, name=spec.name)
        session.add(org)
    org.name, org.url, org.email = spec.name, spec.url, spec.email
    return org


def _hash(raw: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(raw, sort_keys=True, default=str).encode()).hexdigest()


def upsert(
    session: Session,
    definition: BadgeDefinition,
    raw: dict[str, Any],
    *,
    now: datetime,
    actor: User | None = None,
) -> LoadOutcome:
    """Create or update one definition. The same version with different content, or an older
    version than the stored one, is refused: a changed badge needs a new version number."""
    raw = json.loads(json.dumps(raw, default=str))  # YAML dates and the like, as JSON
    content_hash = _hash(raw)
    record = session.scalar(
        select(BadgeDefinitionRecord).where(BadgeDefinitionRecord.slug == definition.slug)
    )
    if record is not None and record.version == definition.version:
        if record.content_hash == content_hash:
            return LoadOutcome(definition.slug, definition.version, "unchanged")
        raise BadgeDefinitionError(
            [
                f"{definition.source}: version: {definition.slug} version {definition.version} is "
                "already loaded with different content; increase the version"
            ]
        )
    if record is not None and record.version > definition.version:
        raise BadgeDefinitionError(
            [
                f"{definition.source}: version: {definition.version} is older than the loaded "
                f"version {record.version}"
            ]
        )
    action = "created" if record is None else "updated"
    employer = _employer(session, definition)
    if record is None:
        record = BadgeDefinitionRecord(slug=definition.slug)
    record.version, record.name, record.employer = definition.version, definition.name, employer
    record.definition, record.content_hash, record.loaded_at = raw, content_hash, now
    session.add(record)
    session.flush()
    audit.record(
        session,
        actor,
        audit.BADGE_DEFINITION_LOADED,
        record,
        {"version": definition.version, "action": action, "sha256": content_hash},
        now=now,
    )
    return LoadOutcome(definition.slug, definition.version, action)


def load_all(
    session: Session,
    directory: str | Path | None = None,
    *,
    now: datetime,
    actor: User | None = None,
) -> list[LoadOutcome]:
    """Load every file of ``directory`` (default: the ``badge_definitions`` package)."""
    return [
        upsert(session, definition, raw, now=now, actor=actor)
        for definition, raw in load_files(directory)
    ]
