"""Student wallets: hiding a badge's public page, and single-use offers to wallets.

Revision ID: 0003_student_wallets
Revises: 0003_scale
Create Date: 2026-11-29 23:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_student_wallets"
down_revision: str | None = "0003_scale"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("awards") as batch:
        batch.add_column(
            sa.Column("public_page_hidden", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("added_to_wallet_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("awards") as batch:
        batch.alter_column("public_page_hidden", server_default=None)
    op.create_table(
        "wallet_offers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("offer_id", sa.String(length=64), nullable=False),
        sa.Column("award_id", sa.Integer(), nullable=False),
        sa.Column(
            "protocol",
            sa.Enum(
                "oid4vci",
                "vcapi",
                name="wallet_protocol",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("tx_code_hash", sa.String(length=64), nullable=True),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("access_token_hash", sa.String(length=64), nullable=True),
        sa.Column("access_token_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("redeemed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("holder_id", sa.String(length=2000), nullable=True),
        sa.ForeignKeyConstraint(
            ["award_id"], ["awards.id"], name="fk_wallet_offers_award_id_awards"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_wallet_offers"),
        sa.UniqueConstraint("offer_id", name="uq_wallet_offers_offer_id"),
        sa.UniqueConstraint("code_hash", name="uq_wallet_offers_code_hash"),
        sa.UniqueConstraint("access_token_hash", name="uq_wallet_offers_access_token_hash"),
    )
    op.create_index("ix_wallet_offers_award_id", "wallet_offers", ["award_id"])


def downgrade() -> None:
    op.drop_index("ix_wallet_offers_award_id", table_name="wallet_offers")
    op.drop_table("wallet_offers")
    with op.batch_alter_table("awards") as batch:
        batch.drop_column("added_to_wallet_at")
        batch.drop_column("public_page_hidden")
