"""prefix indexes for full-text search: FTS5 prefix='3 4 5 6 7 8' on SQLite

Revision ID: 0008
Revises: 0007
"""
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# Without a prefix index FTS5 answers `negot*` by merging the doclists of every term with that
# prefix before it can walk them newest first, so its cost grows with the store (most of a
# second at a million items). A prefix index holds the merged doclist of every prefix of a
# given length, and FTS5 uses it only for a query prefix of exactly that many characters
# (after stemming: `sanctions*` looks up `sanction`), so the lengths people type are indexed:
# 3 to 8 (the search takes shorter prefixes as whole words: a two-letter index would add half
# again to every item's full-text write for queries that match most of the store). Longer prefixes are merged at query time (few terms are that long). FTS5 cannot add
# the option to a table: the table is created again and rebuilt from items, in the one
# transaction of this migration. PostgreSQL needs nothing: its GIN index serves `:*` prefixes.

TOKENIZE = "porter unicode61 remove_diacritics 2"
PREFIXES = "3 4 5 6 7 8"

DROP = [
    "DROP TRIGGER IF EXISTS items_fts_au",
    "DROP TRIGGER IF EXISTS items_fts_ad",
    "DROP TRIGGER IF EXISTS items_fts_ai",
    "DROP TABLE IF EXISTS items_fts",
]

TRIGGERS = [
    """CREATE TRIGGER items_fts_ai AFTER INSERT ON items BEGIN
        INSERT INTO items_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
    END""",
    """CREATE TRIGGER items_fts_ad AFTER DELETE ON items BEGIN
        INSERT INTO items_fts(items_fts, rowid, title, body)
        VALUES ('delete', old.id, old.title, old.body);
    END""",
    """CREATE TRIGGER items_fts_au AFTER UPDATE OF title, body ON items BEGIN
        INSERT INTO items_fts(items_fts, rowid, title, body)
        VALUES ('delete', old.id, old.title, old.body);
        INSERT INTO items_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
    END""",
]


def _create(options: str) -> list[str]:
    return [
        *DROP,
        f"""CREATE VIRTUAL TABLE items_fts USING fts5(
            title, body, content='items', content_rowid='id', tokenize='{TOKENIZE}'{options})""",
        *TRIGGERS,
        "INSERT INTO items_fts(items_fts) VALUES ('rebuild')",
    ]


def _run(statements: list[str]) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for sql in statements:
        op.execute(sql)


def upgrade() -> None:
    _run(_create(f", prefix='{PREFIXES}'"))


def downgrade() -> None:
    _run(_create(""))
