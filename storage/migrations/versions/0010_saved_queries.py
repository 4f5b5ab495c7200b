"""saved_queries: searches too long for a "More" button's 64 bytes, kept for a day

Revision ID: 0010
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# The button carries the row's id, so whichever process answers the click (after a restart
# too) finds the search. Ids are random, not a sequence: a client can send any callback data,
# and a guessable id would show other users' searches. A new table only: the downgrade loses
# nothing but buttons that expire within a day anyway.


def upgrade() -> None:
    op.create_table(
        "saved_queries",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    # Rows older than a day are deleted by age.
    op.create_index("ix_saved_queries_created_at", "saved_queries", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_saved_queries_created_at", table_name="saved_queries")
    op.drop_table("saved_queries")
