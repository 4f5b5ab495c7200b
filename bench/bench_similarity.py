"""Print items/s for features_for (and same_story pairs/s) on synthetic news bodies.

Usage: python bench/bench_similarity.py --items 2000
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import make_corpus  # noqa: E402

from news.similarity.features import features_for, same_story  # noqa: E402


def main() -> None:
    """Run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    corpus = make_corpus(args.items, args.seed)
    day = date(2025, 1, 1)
    start = time.perf_counter()
    feats = [features_for(t, b, day, ("US",)) for t, b in corpus]
    seconds = time.perf_counter() - start
    print(f"features_for {len(corpus) / seconds:10.0f} items/s  ({seconds:.2f} s)")
    start = time.perf_counter()
    pairs = 0
    for i in range(1, len(feats)):
        same_story(feats[i - 1], feats[i])
        pairs += 1
    seconds = time.perf_counter() - start
    print(f"same_story   {pairs / seconds:10.0f} pairs/s  ({seconds:.2f} s)")


if __name__ == "__main__":
    main()
