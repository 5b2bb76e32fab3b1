"""documents ofd

`documents.ofd_sha256` / `ofd_size`: the OFD (GB/T 33190, SM2-sealed per GB/T 38540) of a letter, stored by
SHA-256 beside its PDF; NULL until one is produced.

Revision ID: c3f1a0d2e7b4
Revises: 6fcdf7b913d8
Create Date: 2026-12-02 19:55:00
"""
from alembic import op
import sqlalchemy as sa

revision = 'c3f1a0d2e7b4'
down_revision = '6fcdf7b913d8'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('documents', sa.Column('ofd_sha256', sa.String(length=64), nullable=True))
    op.add_column('documents', sa.Column('ofd_size', sa.Integer(), nullable=True))
    op.create_index(op.f('ix_documents_ofd_sha256'), 'documents', ['ofd_sha256'], unique=True)


def downgrade() -> None:
    op.drop_index(op.f('ix_documents_ofd_sha256'), table_name='documents')
    # Plain ALTER TABLE (SQLite ≥ 3.35 drops a column in place).
    op.drop_column('documents', 'ofd_size')
    op.drop_column('documents', 'ofd_sha256')
