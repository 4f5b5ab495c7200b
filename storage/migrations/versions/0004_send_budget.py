"""send_budget, send_window: the Telegram send budget shared by every `briefbot run` process

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # One row per budget: the next free send slot (Unix seconds). Senders reserve slots with an
    # atomic upsert, so no seed row is needed (and a truncated table heals itself).
    op.create_table(
        "send_budget",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("next_slot", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    # The one-second window: a send holds one of N tokens until a second after its answer.
    op.create_table(
        "send_window",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("token", sa.Integer(), nullable=False),
        sa.Column("busy_until", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("name", "token"),
    )


def downgrade() -> None:
    op.drop_table("send_window")
    op.drop_table("send_budget")
