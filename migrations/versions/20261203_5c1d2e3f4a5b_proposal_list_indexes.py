"""proposal list indexes: keyset pages by organisation and by state

Revision ID: 5c1d2e3f4a5b
Revises: f71f7ce20ef9
Create Date: 2026-12-03 07:50:00.000000

An applicant's page and a state filter are ordered by (created_at, id) like every proposal
list; with the filter column first, each page is an index range read however many proposals
there are (bench/lists.py measures it).
"""

from collections.abc import Sequence

from alembic import op

revision: str = '5c1d2e3f4a5b'
down_revision: str | None = 'f71f7ce20ef9'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        'ix_proposals_organisation_created_id',
        'proposals',
        ['organisation_id', 'created_at', 'id'],
    )
    op.create_index('ix_proposals_state_created_id', 'proposals', ['state', 'created_at', 'id'])


def downgrade() -> None:
    op.drop_index('ix_proposals_state_created_id', table_name='proposals')
    op.drop_index('ix_proposals_organisation_created_id', table_name='proposals')
