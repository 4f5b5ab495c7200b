"""What FTS5 prefix indexes cost: full-text write time per item and index size, per layout.

The items of bench_search.py (same generator, fixed seed) go into a fresh SQLite file per
layout through an insert trigger, as ingest writes them (800 items a transaction); the script
prints CPU microseconds per item for the inserts and the size of the full-text index.

    python bench/bench_prefix_index.py [--items 20000]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_search import _row  # noqa: E402

TOKENIZE = "porter unicode61 remove_diacritics 2"  # as migrations 0002 and 0008
LAYOUTS = {"no prefix index": "", "prefix='3 4 5 6 7 8' (0008)": "3 4 5 6 7 8",
           "prefix='2 3 4 5 6 7 8'": "2 3 4 5 6 7 8"}
BATCH = 800


def measure(path: Path, prefixes: str, rows: list[tuple]) -> tuple[float, int]:
    """Insert *rows* under one layout; return CPU µs per item and the index size in bytes."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, title TEXT, body TEXT)")
    option = f", prefix='{prefixes}'" if prefixes else ""
    conn.execute(f"CREATE VIRTUAL TABLE items_fts USING fts5(title, body, content='items', "
                 f"content_rowid='id', tokenize='{TOKENIZE}'{option})")
    conn.execute("CREATE TRIGGER items_fts_ai AFTER INSERT ON items BEGIN INSERT INTO "
                 "items_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END")
    started = time.process_time()
    for start in range(0, len(rows), BATCH):
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO items VALUES (?, ?, ?)", rows[start:start + BATCH])
        conn.execute("COMMIT")
    cpu = time.process_time() - started
    size = conn.execute("SELECT sum(length(block)) FROM items_fts_data").fetchone()[0]
    conn.close()
    return cpu / len(rows) * 1e6, size


def main() -> None:
    """Print the cost of each layout."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=20_000)
    args = parser.parse_args()
    rng = random.Random(7)
    rows = [(n + 1, r["title"], r["body"]) for n, r in
            enumerate(_row(rng, 1, n) for n in range(args.items))]
    print(f"{args.items} items")
    with tempfile.TemporaryDirectory() as tmp:
        for n, (label, prefixes) in enumerate(LAYOUTS.items()):
            micros, size = measure(Path(tmp) / f"{n}.sqlite3", prefixes, rows)
            print(f"{label:30} {micros:6.0f} µs CPU per item  index {size / 2**20:6.1f} MiB")


if __name__ == "__main__":
    main()
