"""SQLite: band keys in two b-tree tables (recent and merged) instead of FTS5

Revision ID: 0006
Revises: 0005
"""
import importlib.util
from pathlib import Path

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# Ingest looks up every key of every new item (400 for a 50-item document). FTS5 reads each key
# in every segment: 0.29 ms of CPU per item at 20,000 items. A b-tree seek per key costs a tenth
# of that (docs/architecture.md). The keys still live once, in items.band_keys; triggers keep
# the tables in step, so writers that know nothing of them (copies, tests, old code) cannot
# leave them stale.
#
# Random keys land on random pages: one b-tree took ~300 page writes per document. New keys go
# to item_band_keys_new instead, small enough that they share a few dozen pages, and ingest
# moves them into item_band_keys in one sorted pass now and then (merge_band_keys), which
# writes each page of the big table once for many documents. Lookups read both.
#
# A row's keys become rows through json_each (triggers cannot use WITH). Only hex digits and
# spaces make a key list lsh_bands could have written; anything else indexes nothing, rather
# than breaking the write with a JSON error.
_KEYS_OF = """json_each(CASE WHEN {0}.band_keys NOT GLOB '*[^0-9a-f ]*'
    THEN '["' || replace(trim({0}.band_keys), ' ', '","') || '"]' ELSE '[]' END)"""
_INSERT = ("INSERT OR IGNORE INTO item_band_keys_new(key, item_id) "
           "SELECT value, new.id FROM {keys} WHERE value <> ''").format(keys=_KEYS_OF.format("new"))
_DELETE = ("DELETE FROM {table} WHERE item_id = old.id "
           "AND key IN (SELECT value FROM {keys})")
_DELETE_BOTH = "; ".join(_DELETE.format(table=t, keys=_KEYS_OF.format("old"))
                         for t in ("item_band_keys", "item_band_keys_new"))
# WITHOUT ROWID: the (key, item) pair is the whole row, so one b-tree and no second index.
_TABLE = """CREATE TABLE {0} (
        key TEXT NOT NULL,
        item_id INTEGER NOT NULL,
        PRIMARY KEY (key, item_id)
    ) WITHOUT ROWID"""

SQLITE_UP = [
    "DROP TRIGGER IF EXISTS item_bands_fts_au",
    "DROP TRIGGER IF EXISTS item_bands_fts_ad",
    "DROP TRIGGER IF EXISTS item_bands_fts_ai",
    "DROP TABLE IF EXISTS item_bands_fts",
    _TABLE.format("item_band_keys"),
    _TABLE.format("item_band_keys_new"),
    f"CREATE TRIGGER item_band_keys_ai AFTER INSERT ON items WHEN new.band_keys <> '' "
    f"BEGIN {_INSERT}; END",
    f"CREATE TRIGGER item_band_keys_ad AFTER DELETE ON items WHEN old.band_keys <> '' "
    f"BEGIN {_DELETE_BOTH}; END",
    # One trigger, statements in order: keys kept by the update must not be deleted last.
    f"CREATE TRIGGER item_band_keys_au AFTER UPDATE OF band_keys ON items "
    f"BEGIN {_DELETE_BOTH}; {_INSERT}; END",
    "INSERT OR IGNORE INTO item_band_keys(key, item_id) SELECT k.value, items.id FROM items, "
    f"{_KEYS_OF.format('items')} AS k WHERE items.band_keys <> '' AND k.value <> '' "
    "ORDER BY 1, 2",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS item_band_keys_au",
    "DROP TRIGGER IF EXISTS item_band_keys_ad",
    "DROP TRIGGER IF EXISTS item_band_keys_ai",
    "DROP TABLE IF EXISTS item_band_keys_new",
    "DROP TABLE IF EXISTS item_band_keys",
]


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return  # PostgreSQL keeps its GIN index over items.band_keys
    for sql in SQLITE_UP:
        op.execute(sql)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for sql in SQLITE_DOWN + _revision_0005().SQLITE_UP:  # 0005's FTS5 index, rebuilt
        op.execute(sql)


def _revision_0005():
    """Load migration 0005's module (the versions folder is not a package)."""
    spec = importlib.util.spec_from_file_location(
        "briefbot_migration_0005", Path(__file__).with_name("0005_band_key_index.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
