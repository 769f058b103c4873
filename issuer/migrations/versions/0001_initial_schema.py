"""Initial schema: organisations, pathways and their certifications, students, badge
definitions, criterion results, status lists, awards, users and the audit log.

Revision ID: 0001
Revises:
Create Date: 2026-11-23 16:11:25.032093
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "organisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "alliance",
                "employer",
                name="organisation_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("url", sa.String(length=500), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
        sa.UniqueConstraint("slug", name=op.f("uq_organisations_slug")),
    )
    op.create_table(
        "pathways",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("school", sa.String(length=200), nullable=False),
        sa.Column("district", sa.String(length=200), nullable=False),
        sa.Column("sector", sa.String(length=80), nullable=False),
        sa.Column(
            "certification_level",
            sa.Enum(
                "candidate",
                "silver",
                "gold",
                name="certification_level",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("certified_on", sa.Date(), nullable=True),
        sa.Column("certification_expires_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pathways")),
        sa.UniqueConstraint("slug", name=op.f("uq_pathways_slug")),
    )
    with op.batch_alter_table("pathways", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pathways_sector"), ["sector"], unique=False)

    op.create_table(
        "status_lists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("bitstring", sa.LargeBinary(), nullable=False),
        sa.Column("next_free_index", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "next_free_index >= 0 AND next_free_index <= size",
            name=op.f("ck_status_lists_index_range"),
        ),
        sa.CheckConstraint("size >= 131072", name=op.f("ck_status_lists_minimum_size")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_lists")),
    )
    op.create_table(
        "badge_definitions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("employer_id", sa.Integer(), nullable=False),
        sa.Column(
            "definition",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["employer_id"],
            ["organisations.id"],
            name=op.f("fk_badge_definitions_employer_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_badge_definitions")),
        sa.UniqueConstraint("slug", name=op.f("uq_badge_definitions_slug")),
    )
    with op.batch_alter_table("badge_definitions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_badge_definitions_employer_id"), ["employer_id"], unique=False
        )

    op.create_table(
        "students",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pathway_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("graduation_year", sa.Integer(), nullable=False),
        sa.Column("name_display_consent", sa.Boolean(), nullable=False),
        sa.Column("identity_salt", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["pathway_id"], ["pathways.id"], name=op.f("fk_students_pathway_id_pathways")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_students")),
        sa.UniqueConstraint("email", name=op.f("uq_students_email")),
    )
    with op.batch_alter_table("students", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_students_pathway_id"), ["pathway_id"], unique=False)

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "alliance_admin",
                "pathway_admin",
                "employer_partner",
                name="role",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("session_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "role != 'employer_partner' OR organisation_id IS NOT NULL",
            name=op.f("ck_users_employer_has_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_users_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_label", sa.String(length=320), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("subject_type", sa.String(length=64), nullable=False),
        sa.Column("subject_id", sa.String(length=128), nullable=False),
        sa.Column(
            "details",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_audit_events_actor_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_events_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_events_actor_id"), ["actor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_events_at"), ["at"], unique=False)
        batch_op.create_index(
            "ix_audit_events_subject", ["subject_type", "subject_id"], unique=False
        )

    op.create_table(
        "awards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("credential_id", sa.String(length=64), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("badge_id", sa.Integer(), nullable=False),
        sa.Column("badge_version", sa.Integer(), nullable=False),
        sa.Column(
            "credential_json",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("credential_jwt", sa.Text(), nullable=False),
        sa.Column("status_list_id", sa.Integer(), nullable=False),
        sa.Column("status_list_index", sa.Integer(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("issued_by_id", sa.Integer(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revocation_reason", sa.Text(), nullable=True),
        sa.Column("revoked_by_id", sa.Integer(), nullable=True),
        sa.Column("idempotency_key", sa.String(length=128), nullable=True),
        sa.ForeignKeyConstraint(
            ["badge_id"],
            ["badge_definitions.id"],
            name=op.f("fk_awards_badge_id_badge_definitions"),
        ),
        sa.ForeignKeyConstraint(
            ["issued_by_id"], ["users.id"], name=op.f("fk_awards_issued_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by_id"], ["users.id"], name=op.f("fk_awards_revoked_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["status_list_id"],
            ["status_lists.id"],
            name=op.f("fk_awards_status_list_id_status_lists"),
        ),
        sa.ForeignKeyConstraint(
            ["student_id"], ["students.id"], name=op.f("fk_awards_student_id_students")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_awards")),
        sa.UniqueConstraint("credential_id", name=op.f("uq_awards_credential_id")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_awards_idempotency_key")),
        sa.UniqueConstraint(
            "status_list_id", "status_list_index", name=op.f("uq_awards_status_list_id")
        ),
    )
    with op.batch_alter_table("awards", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_awards_badge_id"), ["badge_id"], unique=False)
        batch_op.create_index(
            "ix_awards_student_id_badge_id", ["student_id", "badge_id"], unique=False
        )

    op.create_table(
        "certification_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pathway_id", sa.Integer(), nullable=False),
        sa.Column(
            "level",
            sa.Enum(
                "candidate",
                "silver",
                "gold",
                name="certification_level",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("awarded_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["pathway_id"],
            ["pathways.id"],
            name=op.f("fk_certification_records_pathway_id_pathways"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_certification_records_recorded_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certification_records")),
    )
    with op.batch_alter_table("certification_records", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_certification_records_pathway_id"), ["pathway_id"], unique=False
        )

    op.create_table(
        "criterion_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("badge_id", sa.Integer(), nullable=False),
        sa.Column("criterion_key", sa.String(length=80), nullable=False),
        sa.Column("met", sa.Boolean(), nullable=False),
        sa.Column("evidence_url", sa.String(length=1000), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["badge_id"],
            ["badge_definitions.id"],
            name=op.f("fk_criterion_results_badge_id_badge_definitions"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_criterion_results_recorded_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["student_id"], ["students.id"], name=op.f("fk_criterion_results_student_id_students")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_criterion_results")),
        sa.UniqueConstraint(
            "student_id", "badge_id", "criterion_key", name=op.f("uq_criterion_results_student_id")
        ),
    )
    op.create_table(
        "user_pathways",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("pathway_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["pathway_id"],
            ["pathways.id"],
            name=op.f("fk_user_pathways_pathway_id_pathways"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_user_pathways_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "pathway_id", name=op.f("pk_user_pathways")),
    )
    with op.batch_alter_table("user_pathways", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_user_pathways_pathway_id"), ["pathway_id"], unique=False
        )

    if op.get_bind().dialect.name == "postgresql":
        # The ORM refuses to update or delete audit events; the database refuses too.
        op.execute(
            "CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'audit_events is append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
            "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_events_append_only ON audit_events")
        op.execute("DROP FUNCTION audit_events_append_only()")
    with op.batch_alter_table("user_pathways", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_pathways_pathway_id"))

    op.drop_table("user_pathways")
    op.drop_table("criterion_results")
    with op.batch_alter_table("certification_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certification_records_pathway_id"))

    op.drop_table("certification_records")
    with op.batch_alter_table("awards", schema=None) as batch_op:
        batch_op.drop_index("ix_awards_student_id_badge_id")
        batch_op.drop_index(batch_op.f("ix_awards_badge_id"))

    op.drop_table("awards")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_subject")
        batch_op.drop_index(batch_op.f("ix_audit_events_at"))
        batch_op.drop_index(batch_op.f("ix_audit_events_actor_id"))
        batch_op.drop_index(batch_op.f("ix_audit_events_action"))

    op.drop_table("audit_events")
    op.drop_table("users")
    with op.batch_alter_table("students", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_students_pathway_id"))

    op.drop_table("students")
    with op.batch_alter_table("badge_definitions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_badge_definitions_employer_id"))

    op.drop_table("badge_definitions")
    op.drop_table("status_lists")
    with op.batch_alter_table("pathways", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pathways_sector"))

    op.drop_table("pathways")
    op.drop_table("organisations")
