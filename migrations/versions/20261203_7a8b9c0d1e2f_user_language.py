"""user language: pages, e-mails and letters in the reader's chosen language

Revision ID: 7a8b9c0d1e2f
Revises: 5c1d2e3f4a5b
Create Date: 2026-12-03 10:50:00.000000

Null means "not chosen": pages follow the browser's Accept-Language until the user picks one.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '7a8b9c0d1e2f'
down_revision: str | None = '5c1d2e3f4a5b'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('users', sa.Column('language', sa.String(length=8), nullable=True))


def downgrade() -> None:
    op.drop_column('users', 'language')
