"""items.event_terms: each item's weighted event terms, so story matching finds rewrites by content

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# Items stored before keep NULL: computing terms needs the text model of the code that wrote
# them, and a migration must not depend on live code. Old items still match as exact and near
# copies; new items find each other by content.


def upgrade() -> None:
    # A plain ADD COLUMN: SQLite supports it natively, and recreating the table would drop
    # the full-text and band-key triggers.
    op.add_column("items", sa.Column("event_terms", sa.Text(), nullable=True))


def downgrade() -> None:
    # A plain DROP COLUMN too (SQLite 3.35+): a batch copy of the table would lose its triggers.
    op.drop_column("items", "event_terms")
