"""Published status lists: the signed forms (JSON-LD and VC-JOSE JWT) of each status list.

Revision ID: 0003_interop
Revises: 0003_sec_web
Create Date: 2026-11-29 23:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003_interop"
down_revision: str | None = "0003_sec_web"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "published_status_lists",
        sa.Column("status_list_id", sa.Integer(), nullable=False),
        sa.Column("bitstring_sha256", sa.String(length=64), nullable=False),
        sa.Column(
            "credential_json",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("credential_jwt", sa.Text(), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["status_list_id"],
            ["status_lists.id"],
            name="fk_published_status_lists_status_list_id_status_lists",
        ),
        sa.PrimaryKeyConstraint("status_list_id", name="pk_published_status_lists"),
    )


def downgrade() -> None:
    op.drop_table("published_status_lists")
