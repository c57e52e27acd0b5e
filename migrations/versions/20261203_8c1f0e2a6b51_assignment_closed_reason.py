"""assignments say why they were cancelled

Revision ID: 8c1f0e2a6b51
Revises: 5b2e9c1d7a40
Create Date: 2026-12-03 07:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op


revision: str = '8c1f0e2a6b51'
down_revision: str | None = '5b2e9c1d7a40'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('assignments', sa.Column('closed_reason', sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('assignments') as batch_op:
        batch_op.drop_column('closed_reason')
