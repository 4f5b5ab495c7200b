"""Where ingest time goes: CPU ms per item for each pipeline stage, on the bench_ingest corpus.

    python bench/bench_ingest_stages.py [--items 2000]

Each stage function is wrapped with a process-time timer where the pipeline calls it; nested
stages (the band lookup inside band matching) are counted in both.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import news.enrich as enrich  # noqa: E402
import storage.ingest.pipeline as pipeline  # noqa: E402
import storage.ingest.stories as stories  # noqa: E402
import storage.ingest.writer as writer  # noqa: E402
from bench.corpus import CORPORA, ingest_corpus  # noqa: E402
from storage.allocator import tune_allocator  # noqa: E402
from storage.db import make_engine, make_session_factory, upgrade  # noqa: E402
from storage.ingest.story_window import StoryWindow  # noqa: E402

STAGES = {
    pipeline: ["read_bytes", "split_document", "enrich_item", "create_document", "document_by_sha256"],
    writer: ["insert_items", "insert_item_countries", "create_stories",
             "add_to_stories", "merge_band_keys"],
    stories: ["first_items_by_content_hash", "current_story_ids", "items_sharing_band_keys",
              "stories_with_items", "_band_candidates", "_same_event"],
    enrich: ["event_terms", "features_for", "summarize", "tag_countries"],
    StoryWindow: ["best", "refresh", "remember"],
}


def _timed(spent: dict[str, float], name: str, fn):
    def wrapper(*args, **kwargs):
        started = time.process_time()
        try:
            return fn(*args, **kwargs)
        finally:
            spent[name] = spent.get(name, 0.0) + time.process_time() - started
    return wrapper


def main() -> None:
    """Run the benchmark and print figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--corpus", choices=CORPORA, default="steady")
    args = parser.parse_args()
    tune_allocator()  # as `briefbot` does at start
    spent: dict[str, float] = {}
    for owner, names in STAGES.items():
        for name in names:
            setattr(owner, name, _timed(spent, name, getattr(owner, name)))
    rng, total, items = random.Random(42), 0.0, 0
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'stages.sqlite3'}")
        upgrade(engine)
        ingestor = pipeline.Ingestor(make_session_factory(engine), max_bytes=50 * 2**20)
        for n, data in enumerate(ingest_corpus(rng, args.items // 50, 50, args.corpus)):
            started = time.process_time()
            items += ingestor.ingest_bytes(data, f"doc{n}.txt").items
            total += time.process_time() - started
        engine.dispose()
    print(f"items={items} cpu_items_per_s={items / total:.0f} cpu_ms_per_item={total * 1000 / items:.3f}")
    for name, seconds in sorted(spent.items(), key=lambda kv: -kv[1]):
        print(f"  {name}: {seconds * 1000 / items:.3f} ms/item")


if __name__ == "__main__":
    main()
