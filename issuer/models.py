"""The issuer's tables (SQLAlchemy 2.0 typed models).

Times are stored in UTC and always come back timezone-aware, on SQLite as on PostgreSQL.
Enumerations are stored as short strings with a CHECK constraint, so a migration is a plain
``ALTER`` on either database.
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
    true,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

# Named constraints, so Alembic can alter them on SQLite and PostgreSQL alike.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# W3C Bitstring Status List v1.0: at least 16 KiB (131,072 entries) for herd privacy.
STATUS_LIST_SIZE = 131_072


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetimes in, UTC-aware datetimes out (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: pass a timezone-aware time")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


JSONType = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSONType,
    }


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [m.value for m in members],
    )


class OrganisationKind(enum.StrEnum):
    ALLIANCE = "alliance"
    EMPLOYER = "employer"


class CertificationLevel(enum.StrEnum):
    CANDIDATE = "candidate"
    SILVER = "silver"
    GOLD = "gold"


class Role(enum.StrEnum):
    ALLIANCE_ADMIN = "alliance_admin"
    PATHWAY_ADMIN = "pathway_admin"
    EMPLOYER_PARTNER = "employer_partner"


class Organisation(Base):
    """The Alliance (the issuer) and employers that back badges."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[OrganisationKind] = mapped_column(_enum(OrganisationKind, "organisation_kind"))
    url: Mapped[str | None] = mapped_column(String(500))
    email: Mapped[str | None] = mapped_column(String(320))


class Pathway(Base):
    """A certified high-school career pathway; the certification columns mirror the latest
    :class:`CertificationRecord` (kept in step by ``services.certifications``)."""

    __tablename__ = "pathways"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    school: Mapped[str] = mapped_column(String(200))
    district: Mapped[str] = mapped_column(String(200))
    sector: Mapped[str] = mapped_column(String(80), index=True)
    certification_level: Mapped[CertificationLevel] = mapped_column(
        _enum(CertificationLevel, "certification_level")
    )
    certified_on: Mapped[date | None] = mapped_column(Date)
    certification_expires_on: Mapped[date | None] = mapped_column(Date)

    certifications: Mapped[list[CertificationRecord]] = relationship(
        back_populates="pathway", order_by="CertificationRecord.awarded_on"
    )


class CertificationRecord(Base):
    """One (re)certification decision: the history behind ``Pathway.certification_level``."""

    __tablename__ = "certification_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    pathway_id: Mapped[int] = mapped_column(ForeignKey("pathways.id"), index=True)
    level: Mapped[CertificationLevel] = mapped_column(
        _enum(CertificationLevel, "certification_level")
    )
    awarded_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime]

    pathway: Mapped[Pathway] = relationship(back_populates="certifications")


class Student(Base):
    """A learner. The email is kept to find and contact the student, and only ever leaves the
    database hashed with ``identity_salt`` (see ``issuer.recipients``)."""

    __tablename__ = "students"

    id: Mapped[int] = mapped_column(primary_key=True)
    pathway_id: Mapped[int] = mapped_column(ForeignKey("pathways.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320), unique=True)  # lower-case, trimmed
    graduation_year: Mapped[int]
    name_display_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    # admin-cohort: a deactivated student (left the pathway) keeps their awards and history
    # but is no longer listed for criteria or issuance.
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    identity_salt: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]

    pathway: Mapped[Pathway] = relationship()


class BadgeDefinitionRecord(Base):
    """The current version of a badge definition, loaded from ``badge_definitions/*.yaml``.

    ``definition`` holds the whole validated file; awards keep the version they were issued
    under, and the signed credential keeps the exact achievement.
    """

    __tablename__ = "badge_definitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    version: Mapped[int]
    name: Mapped[str] = mapped_column(String(200))
    employer_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    definition: Mapped[dict[str, Any]]
    content_hash: Mapped[str] = mapped_column(String(64))
    loaded_at: Mapped[datetime]

    employer: Mapped[Organisation] = relationship()


class CriterionResult(Base):
    """Whether a student met one criterion of one badge: the latest decision (the audit log
    keeps the earlier ones)."""

    __tablename__ = "criterion_results"
    __table_args__ = (UniqueConstraint("student_id", "badge_id", "criterion_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"))
    badge_id: Mapped[int] = mapped_column(ForeignKey("badge_definitions.id"))
    criterion_key: Mapped[str] = mapped_column(String(80))
    met: Mapped[bool] = mapped_column(Boolean)
    evidence_url: Mapped[str | None] = mapped_column(String(1000))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime]
    # admin-cohort: set when an employer partner recorded an employer-assessed criterion; the
    # issued credential names this organisation as the assessor.
    assessed_by_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))


class StatusList(Base):
    """A W3C Bitstring Status List (purpose: revocation). Bit ``i`` is 1 when the award holding
    index ``i`` is revoked; index 0 is the most significant bit of the first byte."""

    __tablename__ = "status_lists"
    __table_args__ = (
        CheckConstraint("next_free_index >= 0 AND next_free_index <= size", name="index_range"),
        CheckConstraint(f"size >= {STATUS_LIST_SIZE}", name="minimum_size"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(String(32), default="revocation")
    size: Mapped[int] = mapped_column(Integer, default=STATUS_LIST_SIZE)
    bitstring: Mapped[bytes] = mapped_column(LargeBinary)
    next_free_index: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Award(Base):
    """One issued credential, as signed: JSON-LD with a Data Integrity proof, and VC-JWT."""

    __tablename__ = "awards"
    __table_args__ = (
        UniqueConstraint("status_list_id", "status_list_index"),
        Index("ix_awards_student_id_badge_id", "student_id", "badge_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    credential_id: Mapped[str] = mapped_column(String(64), unique=True)  # urn:uuid:...
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"))
    badge_id: Mapped[int] = mapped_column(ForeignKey("badge_definitions.id"), index=True)
    badge_version: Mapped[int]
    credential_json: Mapped[dict[str, Any]]
    credential_jwt: Mapped[str] = mapped_column(Text)
    status_list_id: Mapped[int] = mapped_column(ForeignKey("status_lists.id"))
    status_list_index: Mapped[int]
    issued_at: Mapped[datetime]
    valid_until: Mapped[datetime | None]
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoked_at: Mapped[datetime | None]
    revocation_reason: Mapped[str | None] = mapped_column(Text)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    idempotency_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    # student-wallets: the student may hide the public page (the credential stays verifiable
    # by upload or paste); the last time a wallet took the credential (see WalletOffer).
    public_page_hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    added_to_wallet_at: Mapped[datetime | None]
    # Set by ``keys revoke``: the award was signed by a key later reported compromised.
    signing_key_compromise_id: Mapped[int | None] = mapped_column(
        ForeignKey("key_compromises.id"), index=True
    )

    student: Mapped[Student] = relationship()
    badge: Mapped[BadgeDefinitionRecord] = relationship()
    status_list: Mapped[StatusList] = relationship()
    signing_key_compromise: Mapped[KeyCompromise | None] = relationship()

    @property
    def needs_reissue(self) -> bool:
        """Signed by a compromised key at or after the compromise: verifiers refuse it."""
        compromise = self.signing_key_compromise
        return compromise is not None and self.issued_at >= compromise.compromised_at


user_pathways = Table(
    "user_pathways",
    Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "pathway_id", ForeignKey("pathways.id", ondelete="CASCADE"), primary_key=True, index=True
    ),
)


class User(Base):
    """Someone who signs in: an Alliance admin, a pathway admin (scoped to ``pathways``) or an
    employer partner (scoped to ``organisation``). Bumping ``session_version`` invalidates
    every session issued before it."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(
            "role != 'employer_partner' OR organisation_id IS NOT NULL",
            name="employer_has_organisation",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(_enum(Role, "role"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime]

    pathways: Mapped[list[Pathway]] = relationship(secondary=user_pathways)
    organisation: Mapped[Organisation | None] = relationship()


class AuditEvent(Base):
    """Append-only: who did what to which record, and when. ``actor_label`` keeps the actor's
    email (or "command line") so the log reads correctly even after a user is renamed."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    actor_label: Mapped[str] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(64), index=True)
    subject_type: Mapped[str] = mapped_column(String(64))
    subject_id: Mapped[str] = mapped_column(String(128))
    details: Mapped[dict[str, Any]]
    # admin-cohort: the student the event concerns (set by services.audit.record), so a
    # pathway admin's audit page reads only their students' events
    student_id: Mapped[int | None] = mapped_column(ForeignKey("students.id"), index=True)

    __table_args__ = (Index("ix_audit_events_subject", "subject_type", "subject_id"),)


@event.listens_for(Session, "before_flush")
def _audit_log_is_append_only(session: Session, flush_context: Any, instances: Any) -> None:
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, AuditEvent):
            raise PermissionError("audit events are append-only")


class MessageStatus(enum.StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"


class OutboundMessage(Base):
    """One e-mail in the outbox: queued in the same transaction as what caused it (an award,
    an invitation), then delivered outside the request by ``issuer.notifications``. The row is
    the delivery record the admin sees: queued, sent, or failed with the reason."""

    __tablename__ = "outbound_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(64), index=True)  # e.g. "award.issued"
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    status: Mapped[MessageStatus] = mapped_column(
        _enum(MessageStatus, "message_status"), default=MessageStatus.QUEUED, index=True
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    student_id: Mapped[int | None] = mapped_column(ForeignKey("students.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    award_id: Mapped[int | None] = mapped_column(ForeignKey("awards.id"), index=True)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    # Delivery lease (accounts-mail): a worker that claims the row writes when its claim ends;
    # until then no other worker takes it. A worker that dies mid-send leaves the lease to
    # run out, and the row is taken again (see issuer.notifications.delivery).
    lease_expires_at: Mapped[datetime | None]
    lease_owner: Mapped[str | None] = mapped_column(String(64))


class BulkJob(Base):
    """A bulk issuance: a CSV's rows issued in chunks by any number of queue workers.

    The job, its rows and its chunks live in the database, so progress survives page reloads,
    web restarts and workers on other hosts; each row is issued exactly once because its award
    carries the row's idempotency key (unique), whatever retries or crashes happen. Its state
    (queued, running, finished) is derived from its chunks, never stored twice.
    """

    __tablename__ = "bulk_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)  # names the job in URLs
    badge_id: Mapped[int] = mapped_column(ForeignKey("badge_definitions.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    file_sha256: Mapped[str] = mapped_column(String(64))
    total_rows: Mapped[int] = mapped_column(Integer, default=0)
    chunk_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    submitted_at: Mapped[datetime | None]  # None: a preview nobody has started yet

    badge: Mapped[BadgeDefinitionRecord] = relationship()
    actor: Mapped[User | None] = relationship()


class BulkJobRow(Base):
    """One CSV row of a job and what became of it (``outcome`` None: not processed yet)."""

    __tablename__ = "bulk_job_rows"
    __table_args__ = (
        UniqueConstraint("job_id", "line"),
        Index("ix_bulk_job_rows_chunk", "job_id", "chunk_no"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("bulk_jobs.id", ondelete="CASCADE"))
    chunk_no: Mapped[int]
    line: Mapped[int]  # line number in the file (the header is line 1)
    student_ref: Mapped[str] = mapped_column(String(320))  # the email or id as written
    evidence_url: Mapped[str | None] = mapped_column(String(1000))
    outcome: Mapped[str | None] = mapped_column(String(16))  # issued | skipped | failed
    credential_id: Mapped[str | None] = mapped_column(String(64))
    message: Mapped[str | None] = mapped_column(Text)


class BulkJobChunk(Base):
    """A slice of a job's rows, one queue message. ``status_list_id``/``block_start``/
    ``block_size`` record the status-list indexes reserved for it, so a retried chunk reuses
    its block instead of leaving unused indexes behind."""

    __tablename__ = "bulk_job_chunks"

    job_id: Mapped[int] = mapped_column(
        ForeignKey("bulk_jobs.id", ondelete="CASCADE"), primary_key=True
    )
    chunk_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    status_list_id: Mapped[int | None] = mapped_column(ForeignKey("status_lists.id"))
    block_start: Mapped[int | None]
    block_size: Mapped[int | None]
    issued: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    heartbeat_at: Mapped[datetime | None]


class WalletProtocol(enum.StrEnum):
    OID4VCI = "oid4vci"  # OpenID for Verifiable Credential Issuance 1.0, pre-authorized code
    VCAPI = "vcapi"  # VC-API exchange with DID Authentication (DCC Learner Credential Wallet)


class WalletOffer(Base):
    """One offer of an award to a wallet (``issuer.wallets``): single-use and short-lived.

    Only SHA-256 hashes of the secrets are kept: ``code_hash`` is the pre-authorized code
    (OID4VCI) or the exchange challenge (VC-API), ``tx_code_hash`` the transaction code the
    student types into the wallet, ``access_token_hash`` the token the wallet got for the code.
    ``delivered_at`` and ``holder_id`` (the wallet's DID) record the delivery the admin sees.
    """

    __tablename__ = "wallet_offers"

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[str] = mapped_column(String(64), unique=True)  # public handle in URLs
    award_id: Mapped[int] = mapped_column(ForeignKey("awards.id"), index=True)
    protocol: Mapped[WalletProtocol] = mapped_column(_enum(WalletProtocol, "wallet_protocol"))
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    tx_code_hash: Mapped[str | None] = mapped_column(String(64))
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    access_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    access_token_expires_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    redeemed_at: Mapped[datetime | None]  # the code was exchanged (token issued / VP received)
    delivered_at: Mapped[datetime | None]
    holder_id: Mapped[str | None] = mapped_column(String(2000))

    award: Mapped[Award] = relationship()


class WebSession(Base):
    """A browser's session, kept server-side (``issuer.web.sessions``): the cookie carries a
    random token, ``id`` is its SHA-256. ``data`` is the session's content (Flask's tagged
    JSON); ``user_id`` the signed-in user, so "sign out everywhere" can delete their rows."""

    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[str] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime] = mapped_column(index=True)


class KeyCompromise(Base):
    """A signing key reported compromised (``flask --app wsgi keys revoke``): from
    ``compromised_at`` on, nothing it signed is trusted. Awards it signed point here."""

    __tablename__ = "key_compromises"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_id: Mapped[str] = mapped_column(String(300), unique=True)  # the verification method
    key_type: Mapped[str] = mapped_column(String(32))
    compromised_at: Mapped[datetime]
    recorded_at: Mapped[datetime]


# -- interop (issue #9): status lists signed once per change ---------------------------------


class PublishedStatusList(Base):
    """The last signed forms of a status list: the BitstringStatusListCredential with its Data
    Integrity proof and the same credential as a VC-JOSE JWT. Signed once per change of the
    bits (or before ``valid_until``), never per request, and served as is, including while
    signing is unavailable (the last good list)."""

    __tablename__ = "published_status_lists"

    status_list_id: Mapped[int] = mapped_column(ForeignKey("status_lists.id"), primary_key=True)
    bitstring_sha256: Mapped[str] = mapped_column(String(64))  # of the bits that were signed
    credential_json: Mapped[dict[str, Any]]
    credential_jwt: Mapped[str] = mapped_column(Text)
    signed_at: Mapped[datetime]
    valid_until: Mapped[datetime]


# -- accounts-mail: one-time links and award delivery ------------------------------------------


class LinkPurpose(enum.StrEnum):
    STUDENT_CLAIM = "student.claim"  # the link in the award e-mail
    STUDENT_SIGN_IN = "student.sign_in"  # "send me a sign-in link"
    USER_INVITE = "user.invite"  # set a first password
    PASSWORD_RESET = "user.password_reset"  # noqa: S105 - a link purpose


class OneTimeLink(Base):
    """The server-side record of an e-mailed link: the link carries ``nonce`` signed with the
    app's secret (itsdangerous); this row makes it single-use (``used_at``) and expiring
    (``expires_at``). See ``issuer.services.links``."""

    __tablename__ = "one_time_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    nonce: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[LinkPurpose] = mapped_column(_enum(LinkPurpose, "link_purpose"))
    # A link goes with whom and what it is for (removing a student removes their links).
    student_id: Mapped[int | None] = mapped_column(
        ForeignKey("students.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    award_id: Mapped[int | None] = mapped_column(
        ForeignKey("awards.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class AwardDelivery(Base):
    """How far an award got to its student: claimed (the claim link was used) and added to a
    wallet. One row per award, created on first need. ``wallet_added_at`` / ``wallet_name``
    are the hook for the wallet protocols (issue #10 item 4) to record a delivery."""

    __tablename__ = "award_deliveries"

    award_id: Mapped[int] = mapped_column(
        ForeignKey("awards.id", ondelete="CASCADE"), primary_key=True
    )
    claimed_at: Mapped[datetime | None]
    wallet_added_at: Mapped[datetime | None]
    wallet_name: Mapped[str | None] = mapped_column(String(200))


# -- employer trust (#11): the registry of recognized issuers, employers' endorsements, and
# benefits granted to badge holders -------------------------------------------------------


class RegistryEntryStatus(enum.StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"


class RecognizedIssuer(Base):
    """One issuer in the Alliance's registry of recognized issuers (published, signed, at
    ``/registry/issuers``). Only active entries are published; a suspended one is kept so the
    Alliance can reinstate it. The Alliance's own DID is recognized unless a row suspends it."""

    __tablename__ = "recognized_issuers"

    id: Mapped[int] = mapped_column(primary_key=True)
    did: Mapped[str] = mapped_column(String(500), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[RegistryEntryStatus] = mapped_column(
        _enum(RegistryEntryStatus, "registry_entry_status"), default=RegistryEntryStatus.ACTIVE
    )
    added_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Endorsement(Base):
    """An OB 3.0 EndorsementCredential an employer signed with its own key, endorsing a badge's
    achievement. Active endorsements are embedded in credentials issued afterwards; revoking
    one lists it in the employer's 1EdTech revocation list, so verifiers stop trusting it in
    badges already issued."""

    __tablename__ = "endorsements"

    id: Mapped[int] = mapped_column(primary_key=True)
    credential_id: Mapped[str] = mapped_column(String(64), unique=True)  # urn:uuid:...
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    badge_id: Mapped[int] = mapped_column(ForeignKey("badge_definitions.id"), index=True)
    comment: Mapped[str] = mapped_column(Text)
    credential_json: Mapped[dict[str, Any]]
    valid_from: Mapped[datetime]
    valid_until: Mapped[datetime | None]
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    issued_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    revocation_reason: Mapped[str | None] = mapped_column(Text)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    organisation: Mapped[Organisation] = relationship()
    badge: Mapped[BadgeDefinitionRecord] = relationship()


class BenefitGrant(Base):
    """An employer recorded that a benefit of a badge was granted to the award's holder.

    ``once_key`` is the benefit key for a one-time benefit and NULL otherwise, so the unique
    constraint lets a one-time benefit be recorded once per award, even by two employer
    sessions at the same moment (NULLs never collide)."""

    __tablename__ = "benefit_grants"
    __table_args__ = (UniqueConstraint("award_id", "once_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("awards.id"), index=True)
    benefit_key: Mapped[str] = mapped_column(String(80), index=True)
    once_key: Mapped[str | None] = mapped_column(String(80))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    granted_at: Mapped[datetime]

    award: Mapped[Award] = relationship()
