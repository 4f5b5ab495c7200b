"""The SQLite band-key index, three layouts: FTS5 (migration 0005); one b-tree table (0006 with
every document's keys merged at once); recent and merged b-trees (0006 as ingest runs it).

    python bench/bench_band_index.py [--items 100000] [--layout fts5 btree recent]

Replays what ingest does per 50-item document: look up its 400 band keys, insert the items
(triggers index the keys), merge when due, commit. Random keys, so no lookup finds anything:
the cost of the index itself. Prints cumulative CPU ms per item for each step, and the pages
a commit wrote, every 20,000 items.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from storage.dialect import (  # noqa: E402
    BAND_KEYS_MERGE_AT,
    SQLITE_BAND_HOLDERS,
    SQLITE_BAND_MERGE,
)


def _migration(name: str):
    """Load a migration module by file name (the versions folder is not a package)."""
    path = Path(__file__).resolve().parent.parent / "storage" / "migrations" / "versions" / name
    spec = importlib.util.spec_from_file_location(name[:-3], path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _setup(db: sqlite3.Connection, layout: str) -> None:
    """Create a bare items table and the layout's index, with the migration's own SQL."""
    db.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, band_keys TEXT NOT NULL DEFAULT '')")
    fts5 = _migration("0005_band_key_index.py").SQLITE_UP
    for sql in fts5 if layout == "fts5" else fts5 + _migration("0006_band_key_btree.py").SQLITE_UP:
        db.execute(sql)


def _lookup(db: sqlite3.Connection, layout: str, keys: list[str]) -> list:
    if layout == "fts5":
        words = " OR ".join(f'"{k}"' for k in keys)
        return db.execute("SELECT rowid FROM item_bands_fts WHERE item_bands_fts MATCH ? "
                          "ORDER BY rowid DESC LIMIT 2000", (words,)).fetchall()
    return db.execute(SQLITE_BAND_HOLDERS, {"words": json.dumps(keys), "limit": 2000}).fetchall()


def _merge(db: sqlite3.Connection, layout: str) -> None:
    """Merge recent keys as merge_band_keys does: every document (btree) or when due (recent)."""
    if layout == "fts5":
        return
    pending = db.execute("SELECT count(*) FROM item_band_keys_new").fetchone()[0]
    if pending >= (1 if layout == "btree" else BAND_KEYS_MERGE_AT):
        for sql in SQLITE_BAND_MERGE:
            db.execute(sql)


def run(layout: str, items: int, path: Path) -> None:
    """Ingest *items* items' worth of band keys and print the running costs."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    _setup(db, layout)
    rng, spent, stored, pages = random.Random(1), [0.0, 0.0, 0.0], 0, []
    while stored < items:
        rows = [" ".join(f"{rng.getrandbits(64):016x}" for _ in range(8)) for _ in range(50)]
        marks = [time.process_time()]
        db.execute("BEGIN")
        _lookup(db, layout, [k for row in rows for k in row.split()])
        marks.append(time.process_time())
        db.executemany("INSERT INTO items (band_keys) VALUES (?)", [(r,) for r in rows])
        _merge(db, layout)
        marks.append(time.process_time())
        db.execute("COMMIT")
        marks.append(time.process_time())
        for step in range(3):
            spent[step] += marks[step + 1] - marks[step]
        stored += len(rows)
        pages.append(_wal_pages(db))
        if stored % 20_000 == 0:
            look, insert, commit = (s * 1000 / stored for s in spent)
            print(f"layout={layout} items={stored} lookup={look:.3f} insert={insert:.3f} "
                  f"commit={commit:.3f} total={look + insert + commit:.3f} ms/item "
                  f"pages_per_commit={sum(pages) / len(pages):.0f}", flush=True)
            pages.clear()
    db.close()


def _wal_pages(db: sqlite3.Connection) -> int:
    """Return the pages the last commit wrote, and checkpoint them (the WAL restarts after)."""
    return db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[1]


def main() -> None:
    """Run the benchmark and print figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--layout", nargs="+", choices=["fts5", "btree", "recent"],
                        default=["fts5", "btree", "recent"])
    parser.add_argument("--cpu", type=int, default=0, help="CPU to pin to (-1: no pinning)")
    args = parser.parse_args()
    if args.cpu >= 0 and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})
    for layout in args.layout:
        with tempfile.TemporaryDirectory() as tmp:
            run(layout, args.items, Path(tmp) / "bands.sqlite3")


if __name__ == "__main__":
    main()
