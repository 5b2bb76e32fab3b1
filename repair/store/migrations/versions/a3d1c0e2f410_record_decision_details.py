"""record decision details (APL Art. 59)

Optional record fields for letters that state what the decision says: party address and legal
representative as decided, the provision violated (apart from the penalty basis in `legal_basis`), the
evidence list, per-penalty content, the statement/hearing procedure and the date of service.

Revision ID: a3d1c0e2f410
Revises: c3a9e1f04b21
Create Date: 2026-12-02 19:20:00
"""
from alembic import op
import sqlalchemy as sa

revision = 'a3d1c0e2f410'
down_revision = 'c3a9e1f04b21'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('records') as batch:
        batch.add_column(sa.Column('party_address', sa.String(length=300), nullable=True))
        batch.add_column(sa.Column('legal_representative', sa.String(length=100), nullable=True))
        batch.add_column(sa.Column('violated_provision', sa.Text(), nullable=True))
        batch.add_column(sa.Column('evidence', sa.JSON(), nullable=True))
        batch.add_column(sa.Column('penalty_content', sa.JSON(), nullable=True))
        batch.add_column(sa.Column('procedure', sa.JSON(), nullable=True))
        batch.add_column(sa.Column('served_on', sa.Date(), nullable=True))


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite 3.35+ and PostgreSQL): a batch copy would drop and recreate `records`,
    # which the foreign keys of cases and fulfilments refuse.
    for name in ('served_on', 'procedure', 'penalty_content', 'evidence', 'violated_provision',
                 'legal_representative', 'party_address'):
        op.execute(f'ALTER TABLE records DROP COLUMN {name}')
