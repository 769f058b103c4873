"""Users: creation, password checks (Argon2id) and session invalidation."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, object_session

from issuer import permissions
from issuer.models import Organisation, Pathway, Role, User, WebSession
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
    """Every session issued before now stops being accepted (logout everywhere): the
    version is bumped and the user's server-side session records are deleted (in the
    user's database session, committed by the caller)."""
    user.session_version += 1
    session = object_session(user)
    if session is not None and user.id is not None:
        session.execute(delete(WebSession).where(WebSession.user_id == user.id))


def deactivate(user: User) -> None:
    """The user can no longer sign in, and their open sessions end."""
    user.active = False
    end_all_sessions(user)


# -- accounts-mail: invitations, passwords set by e-mailed link, disabling ---------------------
UNSET_PASSWORD = "!invited"  # noqa: S105 - not a hash: no password verifies against it


def invite_user(
    session: Session,
    *,
    email: str,
    name: str,
    role: Role | str,
    pathways: Sequence[Pathway] = (),
    organisation: Organisation | None = None,
    actor: User | None,
    now: datetime,
) -> User:
    """A new user without a password (they choose one through the invitation link, which the
    caller queues with ``notifications.queue_user_invited``). Same rules as :func:`create_user`;
    raises :class:`UserError` or ``PermissionDenied``."""
    user = create_user(
        session,
        email=email,
        name=name,
        role=role,
        password="x" * MIN_PASSWORD_LENGTH,  # replaced below; never usable
        pathways=pathways,
        organisation=organisation,
        actor=actor,
        now=now,
    )
    user.password_hash = UNSET_PASSWORD
    audit.record(session, actor, "user.invited", user, {"email": user.email}, now=now)
    session.flush()
    return user


def has_password(user: User) -> bool:
    """False for an invited user who has not chosen a password yet."""
    return user.password_hash != UNSET_PASSWORD


def set_password(session: Session, user: User, password: str, *, now: datetime) -> None:
    """The user's new password (from an invitation or reset link); every open session ends.
    Raises :class:`UserError` for a short password."""
    user.password_hash = hash_password(password)
    end_all_sessions(user)
    audit.record(session, user, "user.password_set", user, {}, now=now)
    session.flush()


def set_active(
    session: Session, user: User, active: bool, *, actor: User | None, now: datetime
) -> None:
    """Disable (sessions end at once) or re-enable a user; only an Alliance admin, never
    themselves. Raises ``PermissionDenied`` or :class:`UserError`."""
    if actor is not None:
        permissions.require(
            permissions.can_administer(permissions.Principal.of(actor)),
            f"{actor.email} may not disable or enable users",
        )
        if actor.id == user.id:
            raise UserError("you cannot disable your own account")
    if active:
        user.active = True
    else:
        deactivate(user)
    audit.record(session, actor, "user.enabled" if active else "user.disabled", user, {}, now=now)
    session.flush()
