"""The e-mail outbox: one row per message, its delivery record.

Revision ID: 0002_outbox
Revises: 0001
Create Date: 2026-11-29 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_outbox"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outbound_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("to_address", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "queued",
                "sent",
                "failed",
                name="message_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("student_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("award_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["student_id"], ["students.id"], name="fk_outbound_messages_student_id_students"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_outbound_messages_user_id_users"
        ),
        sa.ForeignKeyConstraint(
            ["award_id"], ["awards.id"], name="fk_outbound_messages_award_id_awards"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_outbound_messages"),
    )
    for column in ("kind", "status", "student_id", "user_id", "award_id"):
        op.create_index(
            f"ix_outbound_messages_{column}", "outbound_messages", [column], unique=False
        )


def downgrade() -> None:
    op.drop_table("outbound_messages")
