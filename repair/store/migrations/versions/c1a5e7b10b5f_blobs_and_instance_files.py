"""blobs, blob chunks and encrypted instance files (several machines on one database)

Revision ID: c1a5e7b10b5f
Revises: c3f1a0d2e7b4
Create Date: 2026-12-02 19:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'c1a5e7b10b5f'
down_revision = 'c3f1a0d2e7b4'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('blobs',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('chunks', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('sha256', name=op.f('pk_blobs'))
    )
    op.create_table('blob_chunks',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['sha256'], ['blobs.sha256'], name=op.f('fk_blob_chunks_sha256_blobs'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('sha256', 'seq', name=op.f('pk_blob_chunks'))
    )
    op.create_table('instance_files',
    sa.Column('path', sa.String(length=255), nullable=False),
    sa.Column('nonce', sa.LargeBinary(), nullable=False),
    sa.Column('ciphertext', sa.LargeBinary(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('mode', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('path', name=op.f('pk_instance_files'))
    )


def downgrade() -> None:
    op.drop_table('instance_files')
    op.drop_table('blob_chunks')
    op.drop_table('blobs')
