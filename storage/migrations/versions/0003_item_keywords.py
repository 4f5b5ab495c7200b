"""items.keywords: stored story-similarity keywords, so clustering never re-reads bodies

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN: SQLite supports it natively, and recreating the table would drop
    # the full-text triggers.
    op.add_column("items", sa.Column("keywords", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("items") as batch:
        batch.drop_column("keywords")
