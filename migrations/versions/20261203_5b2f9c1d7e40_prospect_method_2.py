"""prospect method 2: indication detail and team data at intake, one report per method

Revision ID: 5b2f9c1d7e40
Revises: 6e4b1a9c2d73
Create Date: 2026-12-03 07:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "5b2f9c1d7e40"
down_revision: str | None = "6e4b1a9c2d73"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

def _new_columns() -> tuple[sa.Column, ...]:
    # Fresh Column objects each time: a Column belongs to one table once added.
    return (
    sa.Column("indication_detail", sa.String(length=32), nullable=True),
    sa.Column("rare_disease", sa.Boolean(), nullable=True),
    sa.Column("biomarker", sa.Boolean(), nullable=True),
    sa.Column("team_size", sa.Integer(), nullable=True),
    sa.Column("staff_international_experience", sa.Integer(), nullable=True),
    sa.Column("overseas_sites", sa.Integer(), nullable=True),
)


def upgrade() -> None:
    with op.batch_alter_table("proposals") as batch:
        for column in _new_columns():
            batch.add_column(column)
    # A proposal version may now hold a report per method: re-analysis under method 2 keeps the
    # stored method-1 report beside the new one.
    with op.batch_alter_table("prospect_reports") as batch:
        batch.drop_constraint("uq_prospect_reports_proposal_id", type_="unique")
        batch.create_unique_constraint(
            "uq_prospect_reports_proposal_id",
            ["proposal_id", "proposal_version", "method_version"],
        )


def downgrade() -> None:
    with op.batch_alter_table("prospect_reports") as batch:
        batch.drop_constraint("uq_prospect_reports_proposal_id", type_="unique")
        batch.create_unique_constraint(
            "uq_prospect_reports_proposal_id", ["proposal_id", "proposal_version"]
        )
    with op.batch_alter_table("proposals") as batch:
        for column in reversed(_new_columns()):
            batch.drop_column(column.name)
