"""Server-side web sessions, and signing keys reported compromised (issue 8).

Revision ID: 0003_sec_web
Revises: 0003_student_wallets
Create Date: 2026-11-29 23:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_sec_web"
down_revision: str | None = "0003_student_wallets"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_web_sessions_user_id_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_web_sessions"),
    )
    op.create_index("ix_web_sessions_user_id", "web_sessions", ["user_id"], unique=False)
    op.create_index("ix_web_sessions_last_seen_at", "web_sessions", ["last_seen_at"], unique=False)
    op.create_table(
        "key_compromises",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.String(length=300), nullable=False),
        sa.Column("key_type", sa.String(length=32), nullable=False),
        sa.Column("compromised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_key_compromises"),
        sa.UniqueConstraint("key_id", name="uq_key_compromises_key_id"),
    )
    with op.batch_alter_table("awards") as batch:
        batch.add_column(sa.Column("signing_key_compromise_id", sa.Integer(), nullable=True))
        batch.create_index(
            "ix_awards_signing_key_compromise_id", ["signing_key_compromise_id"], unique=False
        )
        batch.create_foreign_key(
            "fk_awards_signing_key_compromise_id_key_compromises",
            "key_compromises",
            ["signing_key_compromise_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("awards") as batch:
        batch.drop_constraint(
            "fk_awards_signing_key_compromise_id_key_compromises", type_="foreignkey"
        )
        batch.drop_index("ix_awards_signing_key_compromise_id")
        batch.drop_column("signing_key_compromise_id")
    op.drop_table("key_compromises")
    op.drop_table("web_sessions")
