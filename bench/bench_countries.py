"""Country tagging on real news: coverage, lead countries, and the gazetteer's load time and memory.

Usage: python bench/bench_countries.py [--folder ../shared/realdata/ecbplus-dev] [--sample 50]

The ECB+ development articles are ingested into a fresh SQLite database through the real ingest
path, then read back: the share of items with at least one *about* country, and how often each
country leads (the first about country in the tagger's order). The gazetteer is loaded first,
on its own, for its load time; its memory is what tracemalloc sees a second load allocate.
--sample N prints N items that have a lead country (seeded, in file order) with their title,
for checking the lead country by hand.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
import tracemalloc
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text  # noqa: E402

from bench.realdata import fresh_store, ingest_named, realdata_dir, require, stored_items  # noqa: E402
from news.countries import gazetteer  # noqa: E402


def load_figures() -> tuple[float, float]:
    """Return the gazetteer's first load time (s) and the memory a load keeps (MB)."""
    started = time.perf_counter()
    gazetteer.load_gazetteer()
    seconds = time.perf_counter() - started
    # A second load under tracemalloc, with every cache cleared (the regex module's too).
    for cached in (gazetteer.load_gazetteer, gazetteer._document, gazetteer._places_document):
        cached.cache_clear()
    re.purge()
    tracemalloc.start()
    gazetteer.load_gazetteer()
    kept, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, kept / 2**20


def leads(sessions) -> dict[int, tuple[str, ...]]:
    """Return item id -> its about countries in the tagger's order (lead first)."""
    with sessions() as session:
        rows = session.execute(text(
            "SELECT item_id, country FROM item_countries WHERE about ORDER BY item_id, rank")).all()
    out: dict[int, list[str]] = {}
    for item_id, country in rows:
        out.setdefault(item_id, []).append(country)
    return {item_id: tuple(codes) for item_id, codes in out.items()}


def main() -> None:
    """Ingest the folder, print coverage, the lead distribution and load figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--folder", type=Path, default=None, help="default: ecbplus-dev")
    parser.add_argument("--sample", type=int, default=0, metavar="N")
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args()
    folder = require(args.folder or realdata_dir() / "ecbplus-dev")
    seconds, megabytes = load_figures()
    documents = [(p.name, p.read_bytes()) for p in sorted(folder.glob("*.txt"))]
    with fresh_store() as (ingestor, sessions):
        started = time.perf_counter()
        ingest_named(ingestor, documents)
        elapsed = time.perf_counter() - started
        items = stored_items(sessions)
        about = leads(sessions)
        with sessions() as session:
            ids = [row[0] for row in session.execute(text("SELECT id FROM items ORDER BY id"))]
    rows = list(zip(ids, items, strict=True))
    led = [(item_id, item) for item_id, item in rows if about.get(item_id)]
    tagged = sum(bool(item.mentioned) for item in items)
    print(f"items={len(items)} with_about={len(led)} ({len(led) / len(items):.1%}) "
          f"any_country={tagged} ({tagged / len(items):.1%}) ingest_s={elapsed:.1f}")
    print(f"gazetteer load_s={seconds:.3f} memory_mb={megabytes:.1f}")
    counts = Counter(about[item_id][0] for item_id, _ in led)
    print("lead countries: " + " ".join(f"{code}={n}" for code, n in counts.most_common()))
    if args.sample:
        picked = sorted(random.Random(args.seed).sample(range(len(led)), min(args.sample, len(led))))
        for n in picked:
            item_id, item = led[n]
            print(f"{item.name}\t{'/'.join(about[item_id])}\t{' '.join(item.title.split())[:110]}")


if __name__ == "__main__":
    main()
