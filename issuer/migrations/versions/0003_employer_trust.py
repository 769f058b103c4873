"""Employer trust (#11): recognized issuers, employers' endorsements, benefits granted.

Revision ID: 0003_employer_trust
Revises: 0003_admin_cohort
Create Date: 2026-11-29 23:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_employer_trust"
down_revision: str | None = "0003_admin_cohort"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "recognized_issuers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("did", sa.String(length=500), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "active",
                "suspended",
                name="registry_entry_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("added_at", TIME, nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_recognized_issuers"),
        sa.UniqueConstraint("did", name="uq_recognized_issuers_did"),
    )
    op.create_table(
        "endorsements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("credential_id", sa.String(length=64), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("badge_id", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column(
            "credential_json",
            sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql"),
            nullable=False,
        ),
        sa.Column("valid_from", TIME, nullable=False),
        sa.Column("valid_until", TIME, nullable=True),
        sa.Column("issued_by_id", sa.Integer(), nullable=True),
        sa.Column("issued_at", TIME, nullable=False),
        sa.Column("revoked_at", TIME, nullable=True),
        sa.Column("revocation_reason", sa.Text(), nullable=True),
        sa.Column("revoked_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name="fk_endorsements_organisation_id_organisations",
        ),
        sa.ForeignKeyConstraint(
            ["badge_id"],
            ["badge_definitions.id"],
            name="fk_endorsements_badge_id_badge_definitions",
        ),
        sa.ForeignKeyConstraint(
            ["issued_by_id"], ["users.id"], name="fk_endorsements_issued_by_id_users"
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by_id"], ["users.id"], name="fk_endorsements_revoked_by_id_users"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_endorsements"),
        sa.UniqueConstraint("credential_id", name="uq_endorsements_credential_id"),
    )
    op.create_index("ix_endorsements_organisation_id", "endorsements", ["organisation_id"])
    op.create_index("ix_endorsements_badge_id", "endorsements", ["badge_id"])
    op.create_table(
        "benefit_grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("award_id", sa.Integer(), nullable=False),
        sa.Column("benefit_key", sa.String(length=80), nullable=False),
        sa.Column("once_key", sa.String(length=80), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("granted_by_id", sa.Integer(), nullable=True),
        sa.Column("granted_at", TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["award_id"], ["awards.id"], name="fk_benefit_grants_award_id_awards"
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name="fk_benefit_grants_organisation_id_organisations",
        ),
        sa.ForeignKeyConstraint(
            ["granted_by_id"], ["users.id"], name="fk_benefit_grants_granted_by_id_users"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_benefit_grants"),
        sa.UniqueConstraint("award_id", "once_key", name="uq_benefit_grants_award_id"),
    )
    for column in ("award_id", "benefit_key", "organisation_id"):
        op.create_index(f"ix_benefit_grants_{column}", "benefit_grants", [column])


def downgrade() -> None:
    op.drop_table("benefit_grants")
    op.drop_table("endorsements")
    op.drop_table("recognized_issuers")
