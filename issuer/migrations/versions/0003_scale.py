"""Bulk issuance jobs, their rows and chunks, so a job is run by queue workers on any host.

Revision ID: 0003_scale
Revises: 0002_outbox
Create Date: 2026-11-29 22:59:16.132370
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_scale"
down_revision: str | None = "0002_outbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "bulk_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("badge_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("total_rows", sa.Integer(), nullable=False),
        sa.Column("chunk_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_bulk_jobs_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["badge_id"],
            ["badge_definitions.id"],
            name=op.f("fk_bulk_jobs_badge_id_badge_definitions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bulk_jobs")),
        sa.UniqueConstraint("token", name=op.f("uq_bulk_jobs_token")),
    )
    with op.batch_alter_table("bulk_jobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bulk_jobs_actor_id"), ["actor_id"], unique=False)

    op.create_table(
        "bulk_job_chunks",
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("chunk_no", sa.Integer(), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("status_list_id", sa.Integer(), nullable=True),
        sa.Column("block_start", sa.Integer(), nullable=True),
        sa.Column("block_size", sa.Integer(), nullable=True),
        sa.Column("issued", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["bulk_jobs.id"],
            name=op.f("fk_bulk_job_chunks_job_id_bulk_jobs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["status_list_id"],
            ["status_lists.id"],
            name=op.f("fk_bulk_job_chunks_status_list_id_status_lists"),
        ),
        sa.PrimaryKeyConstraint("job_id", "chunk_no", name=op.f("pk_bulk_job_chunks")),
    )
    op.create_table(
        "bulk_job_rows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("chunk_no", sa.Integer(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("student_ref", sa.String(length=320), nullable=False),
        sa.Column("evidence_url", sa.String(length=1000), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("credential_id", sa.String(length=64), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["bulk_jobs.id"],
            name=op.f("fk_bulk_job_rows_job_id_bulk_jobs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bulk_job_rows")),
        sa.UniqueConstraint("job_id", "line", name=op.f("uq_bulk_job_rows_job_id")),
    )
    with op.batch_alter_table("bulk_job_rows", schema=None) as batch_op:
        batch_op.create_index("ix_bulk_job_rows_chunk", ["job_id", "chunk_no"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("bulk_job_rows", schema=None) as batch_op:
        batch_op.drop_index("ix_bulk_job_rows_chunk")

    op.drop_table("bulk_job_rows")
    op.drop_table("bulk_job_chunks")
    with op.batch_alter_table("bulk_jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bulk_jobs_actor_id"))

    op.drop_table("bulk_jobs")
