"""items.duplicate_of_id indexed: deleting an item looks up its copies by it

Revision ID: 0013
Revises: 0012
"""
import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

# Deleting an item sets its copies' duplicate_of_id to NULL (ON DELETE SET NULL) and promotes
# the oldest copy: without an index each deleted item scans every item of the store. Partial,
# copies only: nearly every item has none, and a full index would tempt SQLite's planner into
# reading it for "duplicate_of_id IS NULL" (the originals), fifteen times slower than its
# plan by date for the newest items.
_COPIES = sa.text("duplicate_of_id IS NOT NULL")


def upgrade() -> None:
    op.create_index("ix_items_duplicate_of_id", "items", ["duplicate_of_id"],
                    sqlite_where=_COPIES, postgresql_where=_COPIES)


def downgrade() -> None:
    op.drop_index("ix_items_duplicate_of_id", table_name="items")
