"""subscribers.language: the language a chat (or forum topic) is answered in

Revision ID: 0012
Revises: 0011
"""
import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# NULL until the chat picks one with /language: replies then follow the sender's Telegram
# language, and scheduled briefings the default. One nullable column, so no row changes.


def upgrade() -> None:
    # A plain ADD COLUMN: SQLite supports it natively, and recreating the table would drop
    # the rows' children with it (ON DELETE CASCADE).
    op.add_column("subscribers", sa.Column("language", sa.String(length=8), nullable=True))


def downgrade() -> None:
    # A plain DROP COLUMN too (SQLite 3.35+).
    op.drop_column("subscribers", "language")
