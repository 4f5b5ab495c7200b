"""Time `briefbot db refresh-terms` (services.maintenance.refresh_event_terms) on a filled store.

    python bench/bench_refresh_terms.py --items 20000 [--url postgresql://...]

Fills a fresh store with the generated newsletters of bench_ingest.py through the real ingest
path, then computes every item's event terms again and prints items per second (wall clock and
CPU) and whether the terms came out the same as ingest wrote them (they should: one function).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text  # noqa: E402

from bench.corpus import ingest_corpus  # noqa: E402
from services.maintenance import refresh_event_terms  # noqa: E402
from storage.db import make_engine, make_session_factory, upgrade  # noqa: E402
from storage.ingest.pipeline import Ingestor  # noqa: E402


def _terms(sessions) -> dict[int, str]:
    with sessions() as session:
        return dict(session.execute(text("SELECT id, event_terms FROM items")).all())


def main() -> None:
    """Fill a store, refresh its terms, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=20000)
    parser.add_argument("--per-doc", type=int, default=50)
    parser.add_argument("--url", help="a database to fill (default: a temporary SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(args.url or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
        upgrade(engine)
        sessions = make_session_factory(engine)
        ingestor = Ingestor(sessions, max_bytes=50 * 2**20)
        documents = ((data, f"doc{n}.txt") for n, data in
                     enumerate(ingest_corpus(random.Random(7), args.items // args.per_doc, args.per_doc)))
        for result in ingestor.ingest_documents(documents):
            assert result.status == "loaded", result.error
        written = _terms(sessions)
        started, started_cpu = time.perf_counter(), time.process_time()
        count = refresh_event_terms(sessions)
        wall, cpu = time.perf_counter() - started, time.process_time() - started_cpu
        same = _terms(sessions) == written
        engine.dispose()
    print(f"items={count} seconds={wall:.1f} items_per_s={count / wall:.0f} "
          f"cpu_items_per_s={count / cpu:.0f} unchanged={same}")


if __name__ == "__main__":
    main()
