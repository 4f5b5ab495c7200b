"""item_bands: 64-bit integer keys, eight bands, no rowid; keys recomputed from signatures

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

from briefs.similarity import lsh_bands, signature_from_bytes

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_CHUNK = 2000


def upgrade() -> None:
    # The old keys were strings of another banding: they cannot be converted, only recomputed,
    # and the signatures they came from are stored on the items.
    op.drop_table("item_bands")
    bands = op.create_table(
        "item_bands",
        sa.Column("band", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("band", "item_id"),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_item_bands_item_id", "item_bands", ["item_id"])
    _fill(op.get_bind(), bands)


def _fill(conn, bands: sa.Table) -> None:
    """Insert every item's band keys, reading items a chunk at a time."""
    items = sa.table("items", sa.column("id", sa.Integer), sa.column("signature", sa.LargeBinary))
    last = 0
    while True:
        rows = conn.execute(sa.select(items.c.id, items.c.signature).where(items.c.id > last)
                            .order_by(items.c.id).limit(_CHUNK)).all()
        if not rows:
            return
        last = rows[-1].id
        keys = [{"band": key, "item_id": row.id} for row in rows
                for key in sorted(set(_keys(row.signature)))]
        if keys:
            conn.execute(bands.insert(), keys)


def _keys(signature: bytes | None) -> list[int]:
    # A signature of the wrong length (damaged, or from a test) gives no keys, not an error.
    if not signature or len(signature) % 4:
        return []
    return lsh_bands(signature_from_bytes(signature))


def downgrade() -> None:
    # The old string keys came from a banding no longer computed: the table comes back empty,
    # which only weakens near-copy matching for items loaded before the downgrade.
    op.drop_table("item_bands")
    op.create_table(
        "item_bands",
        sa.Column("band", sa.String(length=40), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("band", "item_id"),
    )
