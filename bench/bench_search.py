"""Search latency at scale: our search_items beside the raw full-text SQL on the same database.

    python bench/bench_search.py --items 100000 [--url postgresql://...] [--runs 50]

The corpus is generated (bench/corpus.py) and bulk-inserted; the database triggers (SQLite) or
the generated column (PostgreSQL) build the full-text index exactly as ingest does.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, text  # noqa: E402

from bench.corpus import sentence  # noqa: E402
from storage.db import make_engine, make_session_factory, upgrade  # noqa: E402
from storage.models import Document, Item  # noqa: E402
from storage.query import parse_query, to_fts5, to_tsquery  # noqa: E402
from storage.repositories.search import search_items  # noqa: E402

# (label, query). "government"-like words appear in most items; the rare marker in ~0.02%.
QUERIES = [
    ("rare term", "zephyrine"),
    ("frequent term", "officials"),
    ("two frequent terms", "officials budget"),
    ("phrase", '"trade agreement"'),
    ("prefix", "negot*"),
    ("prefix, 8 characters", "sanction*"),
    ("term -exclusion", "sanctions -grain"),
]


def _body(rng: random.Random) -> str:
    sentences = [sentence(rng) for _ in range(rng.randint(4, 9))]
    if rng.random() < 0.8:
        sentences.append("Officials declined to comment further.")
    if rng.random() < 0.0002:
        sentences.append("The zephyrine mineral find surprised geologists.")
    return " ".join(sentences)


def populate(url: str, n_items: int, seed: int = 7) -> None:
    """Create the schema and bulk-insert *n_items* generated items."""
    engine = make_engine(url)
    upgrade(engine)
    rng = random.Random(seed)
    with engine.begin() as conn:
        doc_id = conn.execute(insert(Document).values(
            name="bench", sha256=f"{rng.getrandbits(128):064x}", format="text", size=0,
            status="loaded", item_count=n_items).returning(Document.id)).scalar_one()
        for start in range(0, n_items, 5000):
            rows = [_row(rng, doc_id, start + k) for k in range(min(5000, n_items - start))]
            conn.execute(insert(Item), rows)
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE items"))  # autovacuum would, later; plans need the stats
    engine.dispose()


def _row(rng: random.Random, doc_id: int, n: int) -> dict:
    return {"document_id": doc_id, "position": n, "title": sentence(rng)[:90], "body": _body(rng),
            "summary": "", "content_hash": f"{n:064x}",
            "published": date(2024, 1, 1) + timedelta(days=n % 600)}


def _percentiles(samples: list[float]) -> tuple[float, float]:
    samples = sorted(samples)
    p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
    return statistics.median(samples) * 1000, p99 * 1000


def _raw_sql(dialect: str):
    if dialect == "sqlite":
        # The plain FTS5 way to get the same answer: rank every match, snippet the top ten.
        return (text("SELECT rowid, snippet(items_fts, 1, '[', ']', '…', 24), "
                     "bm25(items_fts, 3.0, 1.0) AS s FROM items_fts "
                     "WHERE items_fts MATCH :q ORDER BY s LIMIT 10"), to_fts5)
    return (text("SELECT id, ts_headline('english', body, q), s FROM ("
                 "SELECT id, body, q, ts_rank_cd(search_vector, q) AS s FROM items, "
                 "to_tsquery('english', :q) q WHERE search_vector @@ q ORDER BY s DESC LIMIT 10) t"),
            to_tsquery)


def measure(url: str, runs: int) -> None:
    """Print p50/p99 of search_items and of the raw full-rank SQL for every query."""
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    raw, render = _raw_sql(engine.dialect.name)
    print(f"{'query':22} {'matches':>8} {'ours p50':>9} {'ours p99':>9} {'raw p50':>8} {'raw p99':>8}")
    with sessions() as session:
        for label, q in QUERIES:
            parsed = parse_query(q)
            ours = _time(lambda p=parsed: search_items(session, p, limit=10), runs)
            rawt = _time(lambda p=parsed: session.execute(raw, {"q": render(p)}).all(), runs)
            count = _count(session, engine.dialect.name, render(parsed))
            print(f"{label:22} {count:>8} {ours[0]:>8.1f}ms {ours[1]:>8.1f}ms "
                  f"{rawt[0]:>7.1f}ms {rawt[1]:>7.1f}ms")
        print(f"full-text index: {_index_bytes(session, engine.dialect.name) / 2**20:.0f} MiB")


def _index_bytes(session, dialect: str) -> int:
    if dialect == "sqlite":  # the FTS5 segments, prefix indexes included
        return session.execute(text("SELECT sum(length(block)) FROM items_fts_data")).scalar_one()
    return session.execute(text("SELECT pg_relation_size('ix_items_search_vector')")).scalar_one()


def _count(session, dialect: str, q: str) -> int:
    if dialect == "sqlite":
        sql = "SELECT count(*) FROM items_fts WHERE items_fts MATCH :q"
    else:
        sql = "SELECT count(*) FROM items WHERE search_vector @@ to_tsquery('english', :q)"
    return session.execute(text(sql), {"q": q}).scalar_one()


def _time(fn, runs: int) -> tuple[float, float]:
    fn()  # warm the page cache
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return _percentiles(samples)


def main() -> None:
    """Build the corpus (unless --reuse) and print the latency table."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--url", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--reuse", action="store_true", help="do not populate (database is ready)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{Path(tmp) / 'search.sqlite3'}"
        if not args.reuse:
            started = time.perf_counter()
            populate(url, args.items)
            print(f"populated {args.items} items in {time.perf_counter() - started:.0f}s")
        measure(url, args.runs)


if __name__ == "__main__":
    main()
