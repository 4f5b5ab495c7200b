"""Story assignment time per item with a large store (target: < 50 ms per item at 100,000 items).

The store is filled by bulk inserts that mirror what the pipeline writes for each item (a
document row, the item with its MinHash signature, LSH band keys, keywords and event terms,
ranked item_countries and a one-item story; the full-text and band-key indexes follow through
their triggers / generated column and GIN index). Then real newsletters go through the real
Ingestor, and every `match_items` call is timed on its own. The story window's first look at
the store (reading the newest items' event terms, once per process) is timed apart.

    python bench/bench_clustering.py --items 100000 [--docs 4] [--days 365] [--url postgresql://...]
"""

from __future__ import annotations

import argparse
import hashlib
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.corpus import COUNTRIES, SOURCES, newsletter, sentence  # noqa: E402
from news.countries.lookup import resolve_country  # noqa: E402
from news.similarity.events import encode_terms, event_terms  # noqa: E402
from news.similarity.features import lsh_bands, signature_to_bytes  # noqa: E402
from storage.db import make_engine, make_session_factory, upgrade  # noqa: E402
from storage.ingest import pipeline  # noqa: E402
from storage.ingest.pipeline import Ingestor  # noqa: E402
from storage.models import Document, Item, ItemCountry, Story  # noqa: E402

START = date(2025, 1, 1)
DAYS = 365  # stored items spread over a year of published dates (override with --days)
PER_DOC = 50
CHUNK = 5000
VOCAB = [f"kw{n}" for n in range(3000)]


def _item_rows(rng: random.Random, n: int, codes: list[str], now: datetime) -> dict[str, list[dict]]:
    day = START + timedelta(days=rng.randrange(DAYS))
    body = " ".join(sentence(rng) for _ in range(3))
    signature = [rng.randrange(2**32 - 5) for _ in range(64)]
    chosen = rng.sample(codes, rng.randint(1, 3))
    item = dict(id=n, document_id=n // PER_DOC + 1, position=n % PER_DOC,
                title=f"{chosen[0]} story {n}", source=rng.choice(SOURCES), published=day,
                body=body, summary=body[:300], language="en",
                content_hash=hashlib.sha256(body.encode()).hexdigest(),
                signature=signature_to_bytes(signature),
                keywords=" ".join(sorted(rng.sample(VOCAB, 15))), band_keys=" ".join(lsh_bands(signature)),
                event_terms=encode_terms(event_terms(f"{chosen[0]} story {n}", body, day)),
                loaded_at=now, story_id=n)
    return {
        "stories": [dict(id=n, title=item["title"], published=day, first_seen=now, updated_at=now,
                         item_count=1)],
        "items": [item],
        "countries": [dict(item_id=n, country=c, mentions=3 - r, about=r == 0, score=1.0 / (r + 1),
                           rank=r) for r, c in enumerate(chosen)],
    }


def fill(engine, items: int, seed: int) -> float:
    """Bulk-insert *items* synthetic items; return the seconds it took."""
    rng = random.Random(seed)
    codes = [resolve_country(name) for name in COUNTRIES]
    now = datetime(2025, 3, 1, tzinfo=UTC)
    started = time.perf_counter()
    with engine.begin() as conn:
        docs = [dict(id=d + 1, name=f"bulk{d}.txt", sha256=f"{d:064x}", format="text", size=1,
                     loaded_at=now, status="loaded", item_count=PER_DOC)
                for d in range(items // PER_DOC + 1)]
        conn.execute(Document.__table__.insert(), docs)
        for lo in range(1, items + 1, CHUNK):
            batch: dict[str, list[dict]] = {"stories": [], "items": [], "countries": []}
            for n in range(lo, min(lo + CHUNK, items + 1)):
                for key, rows in _item_rows(rng, n, codes, now).items():
                    batch[key] += rows
            for table, key in ((Story, "stories"), (Item, "items"), (ItemCountry, "countries")):
                conn.execute(table.__table__.insert(), batch[key])
    _fix_sequences(engine)
    return time.perf_counter() - started


def _fix_sequences(engine) -> None:
    if engine.dialect.name != "postgresql":
        return
    with engine.begin() as conn:
        for table in ("documents", "stories", "items"):
            conn.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")


def measure(engine, docs: int, seed: int) -> tuple[list[float], float, int]:
    """Ingest *docs* newsletters; return per-item assign times (s), total seconds, items."""
    timings: list[float] = []
    original = pipeline.match_items

    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            # One call matches a whole document: spread its time over the document's items.
            per_item = (time.perf_counter() - started) / max(1, len(args[2]))
            timings.extend([per_item] * len(args[2]))

    pipeline.match_items = timed
    rng = random.Random(seed + 1)
    ingestor = Ingestor(make_session_factory(engine), max_bytes=50 * 2**20)
    first_look = time.perf_counter()
    with ingestor.sessions() as session:
        ingestor.window.refresh(session)
    print(f"story window's first look: {time.perf_counter() - first_look:.2f} s, "
          f"{len(ingestor.window)} stories held")
    started = time.perf_counter()
    try:
        for d in range(docs):
            data = newsletter(rng, PER_DOC, START + timedelta(days=rng.randrange(DAYS))).encode()
            result = ingestor.ingest_bytes(data, f"new{d}.txt")
            assert result.status == "loaded", result.error
    finally:
        pipeline.match_items = original
    return timings, time.perf_counter() - started, len(timings)


def main() -> None:
    """Run the benchmark and print figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--docs", type=int, default=4)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--days", type=int, default=DAYS, help="spread of published dates")
    parser.add_argument("--url")
    args = parser.parse_args()
    globals()["DAYS"] = args.days
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(args.url or f"sqlite:///{Path(tmp) / 'cluster.sqlite3'}")
        upgrade(engine)
        fill_s = fill(engine, args.items, args.seed)
        timings, total, n = measure(engine, args.docs, args.seed)
        engine.dispose()
    ms = sorted(t * 1000 for t in timings)
    print(f"backend={engine.dialect.name} stored_items={args.items} days={args.days} "
          f"fill_seconds={fill_s:.1f}")
    print(f"story matching per item over {n} new items: mean={statistics.mean(ms):.2f} ms "
          f"p50={ms[len(ms) // 2]:.2f} ms p95={ms[int(len(ms) * 0.95)]:.2f} ms max={ms[-1]:.2f} ms")
    print(f"whole ingest per item (read, split, enrich, store, cluster): {total * 1000 / n:.1f} ms")


if __name__ == "__main__":
    main()
