"""Who may do what: pure rules over a :class:`Principal` (no database, no Flask).

- ``alliance_admin``: everything.
- ``pathway_admin``: students, criteria, issuing and revoking for *their* pathways only.
- ``employer_partner``: reads the criteria and awards of the badges their organisation backs,
  and records the criteria those badges mark as employer-assessed.
A deactivated user may do nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

ALLIANCE_ADMIN = "alliance_admin"
PATHWAY_ADMIN = "pathway_admin"
EMPLOYER_PARTNER = "employer_partner"


class PermissionDenied(PermissionError):
    """The actor may not do this; the message says why, for the admin to read."""


@dataclass(frozen=True)
class Principal:
    role: str
    active: bool
    pathway_ids: frozenset[int] = frozenset()
    organisation_id: int | None = None
    label: str = ""

    @classmethod
    def of(cls, user: Any) -> Principal:
        """From anything shaped like ``issuer.models.User``."""
        pathways: Iterable[Any] = user.pathways
        return cls(
            role=str(user.role),
            active=bool(user.active),
            pathway_ids=frozenset(p.id for p in pathways),
            organisation_id=user.organisation_id,
            label=user.email,
        )


def can_manage_pathway(principal: Principal, pathway_id: int) -> bool:
    """Import students, record criteria, issue and revoke for this pathway."""
    if not principal.active:
        return False
    if principal.role == ALLIANCE_ADMIN:
        return True
    return principal.role == PATHWAY_ADMIN and pathway_id in principal.pathway_ids


def managed_pathway_ids(principal: Principal) -> frozenset[int] | None:
    """The ids of the pathways :func:`can_manage_pathway` allows, for filtering queries:
    None means every pathway (an active Alliance admin); employer partners and deactivated
    users get the empty set."""
    if not principal.active:
        return frozenset()
    if principal.role == ALLIANCE_ADMIN:
        return None
    return principal.pathway_ids if principal.role == PATHWAY_ADMIN else frozenset()


def can_view_badge(principal: Principal, employer_id: int) -> bool:
    """See a badge's criteria and the awards made under it."""
    if not principal.active:
        return False
    if principal.role in (ALLIANCE_ADMIN, PATHWAY_ADMIN):
        return True
    return principal.role == EMPLOYER_PARTNER and principal.organisation_id == employer_id


def can_record_criterion(
    principal: Principal, *, pathway_id: int, employer_id: int, employer_assessed: bool
) -> bool:
    """Record a student's result on one criterion. The school's staff (pathway admins of the
    student's pathway, the Alliance) record school-assessed criteria; the partners of the
    employer that backs the badge record the criteria the definition marks ``assessed_by:
    employer``, and only they do (the credential names the employer as the assessor)."""
    if not principal.active:
        return False
    if employer_assessed:
        return principal.role == EMPLOYER_PARTNER and principal.organisation_id == employer_id
    return can_manage_pathway(principal, pathway_id)


def can_administer(principal: Principal) -> bool:
    """Record pathway certifications, manage users, load badge definitions."""
    return principal.active and principal.role == ALLIANCE_ADMIN


def require(allowed: bool, message: str) -> None:
    """Raise :class:`PermissionDenied` with ``message`` unless ``allowed``."""
    if not allowed:
        raise PermissionDenied(message)
