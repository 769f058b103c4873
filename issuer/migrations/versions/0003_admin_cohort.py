"""Cohort administration: students can be deactivated; an employer-assessed criterion result
names the organisation that assessed it; audit events name the student they concern (events
written before this revision have none: the log is append-only, so it is not back-filled).

Revision ID: 0003_admin_cohort
Revises: 0003_accounts_mail
Create Date: 2026-11-29 23:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_admin_cohort"
down_revision: str | None = "0003_accounts_mail"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("audit_events") as batch:
        batch.add_column(sa.Column("student_id", sa.Integer(), nullable=True))
        batch.create_index("ix_audit_events_student_id", ["student_id"])
        batch.create_foreign_key(
            "fk_audit_events_student_id_students", "students", ["student_id"], ["id"]
        )
    with op.batch_alter_table("students") as batch:
        batch.add_column(
            sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    with op.batch_alter_table("criterion_results") as batch:
        batch.add_column(sa.Column("assessed_by_organisation_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_criterion_results_assessed_by_organisation_id_organisations",
            "organisations",
            ["assessed_by_organisation_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("criterion_results") as batch:
        batch.drop_constraint(
            "fk_criterion_results_assessed_by_organisation_id_organisations", type_="foreignkey"
        )
        batch.drop_column("assessed_by_organisation_id")
    with op.batch_alter_table("students") as batch:
        batch.drop_column("active")
    with op.batch_alter_table("audit_events") as batch:
        batch.drop_constraint("fk_audit_events_student_id_students", type_="foreignkey")
        batch.drop_index("ix_audit_events_student_id")
        batch.drop_column("student_id")
