"""Users: creation, password checks (Argon2id) and session invalidation."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer import permissions
from issuer.models import Organisation, Pathway, Role, User
from issuer.recipients import normalise_email
from issuer.services import audit

MIN_PASSWORD_LENGTH = 12
_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verifying against this when the email is unknown makes both cases take the same time
    (made on first use: an Argon2 hash costs ~0.1-0.2 s, too much for every command's start)."""
    return _hasher.hash("no such user: constant-time placeholder")


class UserError(ValueError):
    """A user cannot be created as asked."""


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"passwords need at least {MIN_PASSWORD_LENGTH} characters")
    return _hasher.hash(password)


def find_user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def create_user(
    session: Session,
    *,
    email: str,
    name: str,
    role: Role | str,
    password: str,
    pathways: Sequence[Pathway] = (),
    organisation: Organisation | None = None,
    actor: User | None,
    now: datetime,
) -> User:
    """A new active user. Pathway admins need at least one pathway; employer partners need
    their organisation."""
    if actor is not None:
        permissions.require(
            permissions.can_administer(permissions.Principal.of(actor)),
            f"{actor.email} may not create users",
        )
    role = Role(role)
    email = normalise_email(email)
    if find_user(session, email) is not None:
        raise UserError(f"a user with email {email} already exists")
    if role is Role.PATHWAY_ADMIN and not pathways:
        raise UserError("a pathway admin needs at least one pathway")
    if role is Role.EMPLOYER_PARTNER and organisation is None:
        raise UserError("an employer partner needs an organisation")
    user = User(
        email=email,
        name=name,
        role=role,
        password_hash=hash_password(password),
        pathways=list(pathways),
        organisation=organisation,
        active=True,
        session_version=1,
        created_at=now,
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor,
        audit.USER_CREATED,
        user,
        {
            "role": str(role),
            "pathways": [p.slug for p in pathways],
            "organisation": organisation.slug if organisation else None,
        },
        now=now,
    )
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with this email and password, or None (same cost either way)."""
    user = find_user(session, email)
    try:
        _hasher.verify(user.password_hash if user else _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def end_all_sessions(user: User) -> None:
    """Every session issued before now stops being accepted (logout everywhere)."""
    user.session_version += 1


def deactivate(user: User) -> None:
    """The user can no longer sign in, and their open sessions end."""
    user.active = False
    end_all_sessions(user)
