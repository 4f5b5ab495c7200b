"""Print items/s for split_sentences and summarize on synthetic news bodies.

Usage: python bench/bench_summaries.py --items 2000
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import make_corpus  # noqa: E402

from news.sentences import split_sentences  # noqa: E402
from news.summarize.summary import summarize  # noqa: E402


def _rate(label: str, items: int, seconds: float) -> None:
    """Print one benchmark line."""
    print(f"{label:<16} {items / seconds:10.0f} items/s  ({seconds:.2f} s for {items} items)")


def main() -> None:
    """Run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    corpus = make_corpus(args.items, args.seed)
    mean = sum(len(b) for _, b in corpus) / len(corpus)
    print(f"{len(corpus)} synthetic bodies, mean {mean:.0f} chars")
    start = time.perf_counter()
    for _, body in corpus:
        split_sentences(body)
    _rate("split_sentences", len(corpus), time.perf_counter() - start)
    start = time.perf_counter()
    for title, body in corpus:
        summarize(title, body)
    _rate("summarize", len(corpus), time.perf_counter() - start)


if __name__ == "__main__":
    main()
