"""items.band_keys: MinHash band keys as words in an inverted index; item_bands dropped

Revision ID: 0005
Revises: 0004
"""
import hashlib
import struct

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_CHUNK = 2000

# Contentless of its own: the keys live once, in items.band_keys, and triggers keep the index in
# step. detail=none: only which items hold a key matters, not where in the text.
SQLITE_UP = [
    """CREATE VIRTUAL TABLE item_bands_fts USING fts5(
        band_keys, content='items', content_rowid='id', tokenize='ascii', detail='none',
        columnsize=0)""",
    """CREATE TRIGGER item_bands_fts_ai AFTER INSERT ON items BEGIN
        INSERT INTO item_bands_fts(rowid, band_keys) VALUES (new.id, new.band_keys);
    END""",
    """CREATE TRIGGER item_bands_fts_ad AFTER DELETE ON items BEGIN
        INSERT INTO item_bands_fts(item_bands_fts, rowid, band_keys)
        VALUES ('delete', old.id, old.band_keys);
    END""",
    """CREATE TRIGGER item_bands_fts_au AFTER UPDATE OF band_keys ON items BEGIN
        INSERT INTO item_bands_fts(item_bands_fts, rowid, band_keys)
        VALUES ('delete', old.id, old.band_keys);
        INSERT INTO item_bands_fts(rowid, band_keys) VALUES (new.id, new.band_keys);
    END""",
    "INSERT INTO item_bands_fts(item_bands_fts) VALUES ('rebuild')",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS item_bands_fts_au",
    "DROP TRIGGER IF EXISTS item_bands_fts_ad",
    "DROP TRIGGER IF EXISTS item_bands_fts_ai",
    "DROP TABLE IF EXISTS item_bands_fts",
]
# fastupdate off: GIN's pending list is scanned whole by every lookup until a vacuum merges it,
# and ingest looks keys up for every document (192 ms a lookup at 2,000 items, 4 ms without it).
POSTGRES_UP = ["CREATE INDEX ix_items_band_keys ON items USING gin (string_to_array(band_keys, ' ')) "
               "WITH (fastupdate = off)"]
POSTGRES_DOWN = ["DROP INDEX IF EXISTS ix_items_band_keys"]


def upgrade() -> None:
    op.add_column("items", sa.Column("band_keys", sa.Text(), nullable=False, server_default=""))
    # The old string keys came from another banding: recomputed from the stored signatures.
    _fill(op.get_bind())
    op.drop_table("item_bands")
    sqlite = op.get_bind().dialect.name == "sqlite"
    for sql in SQLITE_UP if sqlite else POSTGRES_UP:
        op.execute(sql)


def _fill(conn) -> None:
    """Set every item's band keys, reading items a chunk at a time."""
    items = sa.table("items", sa.column("id", sa.Integer), sa.column("signature", sa.LargeBinary),
                     sa.column("band_keys", sa.Text))
    update = items.update().where(items.c.id == sa.bindparam("item")).values(
        band_keys=sa.bindparam("keys"))
    last = 0
    while rows := conn.execute(sa.select(items.c.id, items.c.signature).where(items.c.id > last)
                               .order_by(items.c.id).limit(_CHUNK)).all():
        last = rows[-1].id
        keys = [{"item": row.id, "keys": " ".join(_keys(row.signature))} for row in rows]
        if keyed := [k for k in keys if k["keys"]]:
            conn.execute(update, keyed)


# The banding as ingest computed it when this migration was written, copied here so that a
# later change to the live code cannot change what this migration does (a later banding
# needs a migration of its own that recomputes the keys again). A signature is NUM_PERM
# little-endian uint32 MinHash slots; 8 bands of 4 slots (16 bytes) each; a band's key is the
# 8-byte blake2b of its bytes salted with the band number, in hex.
_BANDS = 8
_BAND_BYTES = 16
_EMPTY_SLOT = 4_294_967_291  # the value of a slot no shingle reached (a text without words)


def _keys(signature: bytes | None) -> list[str]:
    # A signature of the wrong length (damaged, or from a test) gives no keys, not an error.
    if not signature or len(signature) % 4 or len(signature) < _BANDS * _BAND_BYTES:
        return []
    slots = struct.unpack(f"<{len(signature) // 4}I", signature)
    if all(slot == _EMPTY_SLOT for slot in slots):
        return []
    return [hashlib.blake2b(signature[i * _BAND_BYTES:(i + 1) * _BAND_BYTES], digest_size=8,
                            salt=bytes([i])).hexdigest()
            for i in range(_BANDS)]


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for sql in SQLITE_DOWN if sqlite else POSTGRES_DOWN:
        op.execute(sql)
    # The old keys came from a banding no longer computed: the table comes back empty, which
    # only weakens near-copy matching for items loaded before the downgrade.
    op.create_table(
        "item_bands",
        sa.Column("band", sa.String(length=40), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("band", "item_id"),
    )
    op.drop_column("items", "band_keys")
