"""Print the time to delete one document from a large store (`briefbot documents rm`, /delete).

Usage: python bench/bench_delete.py [--items 100000] [--documents 20] [--url URL]

A store of `--items` items is filled as bench_clustering.py fills it (bulk inserts that mirror
what ingest writes: 50 items a document, each with its story, countries, full-text and band-key
rows), then `--documents` of its documents are deleted one transaction each through the
repository `briefbot documents rm` and the bot's /delete call (delete_documents): the items,
their countries, full-text rows and band keys go, copies elsewhere are promoted and the stories
settled. Prints the mean and the slowest delete.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select  # noqa: E402

from bench.bench_clustering import fill  # noqa: E402
from storage.clock import utcnow  # noqa: E402
from storage.db import make_engine, make_session_factory, upgrade  # noqa: E402
from storage.models import Document  # noqa: E402
from storage.repositories.documents import delete_documents  # noqa: E402


def measure(engine, documents: int) -> list[float]:
    """Delete the first *documents* documents one transaction each; return the seconds each took."""
    sessions = make_session_factory(engine)
    with sessions() as session:
        ids = list(session.scalars(select(Document.id).order_by(Document.id).limit(documents)))
    took = []
    for document_id in ids:
        started = time.perf_counter()
        with sessions.begin() as session:
            delete_documents(session, [document_id], utcnow())
        took.append(time.perf_counter() - started)
    return took


def main() -> None:
    """Fill a store, delete documents from it and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--documents", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(args.url or f"sqlite:///{Path(tmp) / 'delete.sqlite3'}")
        upgrade(engine)
        fill(engine, args.items, args.seed)
        took = measure(engine, args.documents)
        engine.dispose()
    ms = [t * 1000 for t in took]
    print(f"backend={engine.dialect.name} stored_items={args.items} deleted_documents={len(ms)}")
    print(f"delete per document (50 items): mean={statistics.mean(ms):.1f} ms max={max(ms):.1f} ms")


if __name__ == "__main__":
    main()
