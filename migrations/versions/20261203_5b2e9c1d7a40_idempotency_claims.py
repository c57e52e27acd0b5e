"""idempotency keys are claimed before the work: the answer is empty while it runs

Revision ID: 5b2e9c1d7a40
Revises: 4777fb062dd7
Create Date: 2026-12-03 07:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op


revision: str = '5b2e9c1d7a40'
down_revision: str | None = '4777fb062dd7'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('idempotency_keys') as batch_op:
        batch_op.alter_column('status_code', existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column('response_body', existing_type=sa.JSON(), nullable=True)


def downgrade() -> None:
    # Claims still running have no answer to keep.
    op.execute('DELETE FROM idempotency_keys WHERE status_code IS NULL')
    with op.batch_alter_table('idempotency_keys') as batch_op:
        batch_op.alter_column('status_code', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('response_body', existing_type=sa.JSON(), nullable=False)
