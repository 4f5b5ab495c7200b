"""chat_links.username: a linked chat's @name, so `/channel remove @name` needs no access to it

Revision ID: 0014
Revises: 0013
"""
import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# NULL for chats linked before: Telegram is not asked for their names here (the bot may have
# lost access), so they are unlinked by title until linked again. One nullable column, so no
# row changes.


def upgrade() -> None:
    # A plain ADD COLUMN, as 0012: SQLite supports it without recreating the table.
    op.add_column("chat_links", sa.Column("username", sa.String(length=100), nullable=True))


def downgrade() -> None:
    # A plain DROP COLUMN too (SQLite 3.35+).
    op.drop_column("chat_links", "username")
