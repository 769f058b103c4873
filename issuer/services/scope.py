"""What an admin may look up, as queries: every lookup an admin triggers starts from one of
these selects, so a row outside the admin's pathways is never read (not read then refused).

A refusal built on them cannot tell "exists in another school" from "does not exist": both
are simply "not found" (students are mostly minors; their names and schools stay with the
pathways that manage them).

``principal`` None is the command line (operators with database access): every row.
"""

from __future__ import annotations

from sqlalchemy import Select, select

from issuer import permissions
from issuer.models import Award, Pathway, Student


def pathways(principal: permissions.Principal | None) -> Select[tuple[Pathway]]:
    """``select(Pathway)`` limited to the pathways ``principal`` manages."""
    query = select(Pathway)
    ids = permissions.managed_pathway_ids(principal) if principal is not None else None
    return query if ids is None else query.where(Pathway.id.in_(ids))


def students(principal: permissions.Principal | None) -> Select[tuple[Student]]:
    """``select(Student)`` limited to the students of the pathways ``principal`` manages."""
    query = select(Student)
    ids = permissions.managed_pathway_ids(principal) if principal is not None else None
    return query if ids is None else query.where(Student.pathway_id.in_(ids))


def awards(principal: permissions.Principal | None) -> Select[tuple[Award]]:
    """``select(Award)`` limited to the awards of students ``principal`` manages."""
    query = select(Award)
    ids = permissions.managed_pathway_ids(principal) if principal is not None else None
    if ids is None:
        return query
    return query.join(Award.student).where(Student.pathway_id.in_(ids))
