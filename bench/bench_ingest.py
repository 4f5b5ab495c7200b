"""Ingest throughput into SQLite (FTS included) and peak memory, on a generated corpus.

    python bench/bench_ingest.py --items 20000 [--corpus steady|dense] [--per-doc 50] [--url ...]
                                 [--report-every 1000] [--workers N --cpus 0,1]

The process is pinned to CPU 0 unless --cpus names others (throughput is quoted per core); both
wall-clock and CPU time are reported, over ingest only (the time spent generating the corpus is
taken out). Documents are committed in batches, as `briefbot ingest` does; --one-by-one commits
each on its own.

--workers N parses in N worker processes, as the bot and the CLI do (0, the default, parses in
this process). The workers run on the CPUs this process is pinned to; the corpus is then
generated before the clock starts, since they would parse while it is generated, and the CPU
figure counts this process only (matching and writing).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.corpus import CORPORA, ingest_corpus  # noqa: E402
from storage.allocator import tune_allocator  # noqa: E402
from storage.db import make_engine, make_session_factory, upgrade  # noqa: E402
from storage.ingest.pipeline import Ingestor  # noqa: E402
from storage.ingest.workers import Budget  # noqa: E402


def main() -> None:
    """Run the benchmark and print figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=20000)
    parser.add_argument("--per-doc", type=int, default=50)
    parser.add_argument("--corpus", choices=CORPORA, default="steady",
                        help="steady: 500 items a day as time moves on; dense: all on 35 days")
    parser.add_argument("--url")
    parser.add_argument("--cpus", default="0",
                        help="CPUs to pin to, e.g. 0 or 0,1 (default 0; 'all': no pinning)")
    parser.add_argument("--workers", type=int, default=0,
                        help="parse in N worker processes (default 0: in this process)")
    parser.add_argument("--report-every", type=int, default=0, metavar="N",
                        help="also print items/s so far and the current RSS every N items")
    parser.add_argument("--one-by-one", action="store_true",
                        help="commit each document on its own (ingest_bytes), not in batches")
    args = parser.parse_args()
    if args.cpus != "all" and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {int(cpu) for cpu in args.cpus.split(",")})
    tune_allocator()  # as `briefbot` does at start
    rng = random.Random(42)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        engine = make_engine(url)
        upgrade(engine)
        budget = Budget(args.workers, 600.0, 4096) if args.workers else None
        ingestor = Ingestor(make_session_factory(engine), max_bytes=50 * 2**20, budget=budget)
        generated = ingest_corpus(rng, args.items // args.per_doc, args.per_doc, args.corpus)
        if args.workers:
            generated = iter(list(generated))
            ingestor.ingest_bytes(WARM_UP, "warm-up.txt")  # starts the workers' forkserver
        corpus = _Timed(generated)
        documents = ((data, f"doc{n}.txt") for n, data in enumerate(corpus))
        if args.one_by_one:
            results = (ingestor.ingest_bytes(data, name) for data, name in documents)
        else:
            results = ingestor.ingest_documents(documents)
        loaded, started, started_cpu = 0, time.perf_counter(), time.process_time()
        for result in results:
            assert result.status == "loaded", result.error
            before, loaded = loaded, loaded + result.items
            if args.report_every and loaded // args.report_every > before // args.report_every:
                elapsed, cpu = corpus.net(started, started_cpu)
                print(f"  items={loaded} items_per_s={loaded / elapsed:.0f} "
                      f"cpu_items_per_s={loaded / cpu:.0f} rss_mb={_rss_mb():.0f}", flush=True)
        elapsed, cpu = corpus.net(started, started_cpu)
        ingestor.close()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"corpus={args.corpus} workers={args.workers} cpus={args.cpus} items={loaded} "
          f"docs={corpus.count} seconds={elapsed:.1f} items_per_s={loaded / elapsed:.0f} "
          f"cpu_items_per_s={loaded / cpu:.0f} peak_rss_mb={peak_mb:.0f}")


# A document unlike the corpus's (its story matches none), loaded before the clock starts.
WARM_UP = b"Warm-up note\n\nThe benchmark loads this short note first, to start its workers."


class _Timed:
    """Iterate a generator while adding up the wall and CPU time spent inside it."""

    def __init__(self, source: Iterator[bytes]) -> None:
        self.source, self.wall, self.cpu, self.count = source, 0.0, 0.0, 0

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            data = next(self.source)
        finally:
            self.wall += time.perf_counter() - wall
            self.cpu += time.process_time() - cpu
        self.count += 1
        return data

    def net(self, started: float, started_cpu: float) -> tuple[float, float]:
        """Return the wall and CPU seconds since the given start, less the time spent here."""
        return (time.perf_counter() - started - self.wall,
                time.process_time() - started_cpu - self.cpu)


def _rss_mb() -> float:
    """Return the current resident set size in MB (Linux; the peak elsewhere)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


if __name__ == "__main__":
    main()
