"""Print BCubed precision, recall and F1 of stories on real news, for several arrival orders.

Usage: python bench/bench_stories.py [--data ../shared/realdata/ecbplus-dev] [--orders N]

Every ECB+ development article (two real events of the same kind per topic, several outlets
each) is loaded as its own text file through the real ingest path into a fresh database, and
each stored item's story is compared with the gold event of its file: BCubed precision (the
share of an item's story that reports its event), recall (the share of its event that is in
its story) and F1, averaged over items. The files are named in date order (undated last); they
are loaded in that order, reversed, and shuffled with fixed seeds, because stories are made
one document at a time and must not depend much on the order documents arrive in. The last
line splits the topics in two (odd and even numbers): a change that helps only some topics
shows there as one half gaining and the other not.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.realdata import (  # noqa: E402
    ecb_gold,
    fresh_store,
    ingest_named,
    realdata_dir,
    require,
    stored_items,
)

SHUFFLE_SEEDS = (1, 2, 3)


def bcubed(labels: list[object], gold: list[str]) -> tuple[float, float, float]:
    """Return BCubed (precision, recall, F1) of a clustering against gold classes."""
    if not labels:
        return 0.0, 0.0, 0.0
    cluster_size, class_size = Counter(labels), Counter(gold)
    joint = Counter(zip(labels, gold, strict=True))
    n = len(labels)
    p = sum(joint[pair] / cluster_size[pair[0]] for pair in zip(labels, gold, strict=True)) / n
    r = sum(joint[pair] / class_size[pair[1]] for pair in zip(labels, gold, strict=True)) / n
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def orders(names: list[str], shuffles: int) -> dict[str, list[str]]:
    """Return the arrival orders measured: date order, reversed, and seeded shuffles."""
    out = {"date order": list(names), "reversed": list(reversed(names))}
    for seed in SHUFFLE_SEEDS[:shuffles]:
        shuffled = list(names)
        random.Random(seed).shuffle(shuffled)
        out[f"shuffle {seed}"] = shuffled
    return out


def measure(folder: Path, names: list[str], gold: dict[str, dict[str, str]]) -> tuple:
    """Ingest *names* in order into a fresh store.

    Return (P, R, F1, items, ms per item, failed, F1 of odd topics, F1 of even topics).
    """
    documents = [(name, (folder / name).read_bytes()) for name in names]
    with fresh_store() as (ingestor, sessions):
        started = time.process_time()
        results = ingest_named(ingestor, documents)
        seconds = time.process_time() - started
        items = [item for item in stored_items(sessions) if item.name in gold]
    failed = [r.path for r in results if r.status != "loaded"]
    labels = [item.story_id for item in items]
    events = [gold[item.name]["event"] for item in items]
    halves = [bcubed(*zip(*[(label, event) for label, event, item in zip(labels, events, items, strict=True)
                            if int(gold[item.name]["topic"]) % 2 == odd], strict=True))[2]
              for odd in (1, 0)]
    return (*bcubed(labels, events), len(items), seconds * 1000 / max(1, len(items)), failed, *halves)


def main() -> None:
    """Run every order and print one line each, then the mean."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=realdata_dir() / "ecbplus-dev")
    parser.add_argument("--orders", type=int, default=2 + len(SHUFFLE_SEEDS),
                        help="how many orders to run (date order, reversed, then shuffles)")
    args = parser.parse_args()
    folder = require(args.data)
    gold = ecb_gold(folder)
    names = sorted(gold)
    print(f"{len(names)} files, {len(set(row['event'] for row in gold.values()))} events, "
          f"{sum(not row['date'] for row in gold.values())} undated")
    rows = []
    for label, ordered in list(orders(names, max(0, args.orders - 2)).items())[:args.orders]:
        p, r, f, n, ms, failed, odd, even = measure(folder, ordered, gold)
        rows.append((p, r, f, odd, even))
        print(f"  {label:11} P={p:.3f} R={r:.3f} F1={f:.3f}  items={n} "
              f"ingest={ms:.2f} ms/item (CPU)" + (f"  not loaded: {len(failed)}" if failed else ""))
    mean = [sum(row[k] for row in rows) / len(rows) for k in range(5)]
    spread = max(row[2] for row in rows) - min(row[2] for row in rows)
    print(f"  {'mean':11} P={mean[0]:.3f} R={mean[1]:.3f} F1={mean[2]:.3f}  "
          f"F1 spread over orders {spread:.3f}")
    print(f"  {'by topics':11} odd-numbered F1={mean[3]:.3f}  even-numbered F1={mean[4]:.3f}")


if __name__ == "__main__":
    main()
