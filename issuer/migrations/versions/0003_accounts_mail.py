"""Accounts and mail: one-time links (claim, sign-in, invitation, password reset), award
delivery (claimed, added to a wallet), and the outbox's delivery lease.

Revision ID: 0003_accounts_mail
Revises: 0003_interop
Create Date: 2026-11-29 23:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_accounts_mail"
down_revision: str | None = "0003_interop"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbound_messages") as batch:
        batch.add_column(sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("lease_owner", sa.String(length=64), nullable=True))
    op.create_table(
        "one_time_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column(
            "purpose",
            sa.Enum(
                "student.claim",
                "student.sign_in",
                "user.invite",
                "user.password_reset",
                name="link_purpose",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("student_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("award_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["students.id"],
            name="fk_one_time_links_student_id_students",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_one_time_links_user_id_users", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["award_id"],
            ["awards.id"],
            name="fk_one_time_links_award_id_awards",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_one_time_links"),
        sa.UniqueConstraint("nonce", name="uq_one_time_links_nonce"),
    )
    for column in ("student_id", "user_id", "award_id"):
        op.create_index(f"ix_one_time_links_{column}", "one_time_links", [column], unique=False)
    op.create_table(
        "award_deliveries",
        sa.Column("award_id", sa.Integer(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("wallet_added_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("wallet_name", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["award_id"],
            ["awards.id"],
            name="fk_award_deliveries_award_id_awards",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("award_id", name="pk_award_deliveries"),
    )


def downgrade() -> None:
    op.drop_table("award_deliveries")
    op.drop_table("one_time_links")
    with op.batch_alter_table("outbound_messages") as batch:
        batch.drop_column("lease_owner")
        batch.drop_column("lease_expires_at")
