"""Personalised scheduled briefings per second, rendered and split for Telegram (target >= 2,000/s).

A store holding one busy day of stories (bulk-inserted as the pipeline writes them, see
bench_clustering.fill) serves 100,000 subscribers spread over 500 distinct subscription sets
(one "everything", country sets of 1-3 countries, some with topics). The timed call is the
scheduler's: BriefingService.personal_messages_batch, which reads the window once, builds and
renders one briefing per distinct set and reuses each story's rendered fragment.

    python bench/bench_briefings.py [--stories 1500] [--subscribers 100000] [--sets 500] [--url ...]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_clustering import fill  # noqa: E402
from bench.corpus import COUNTRIES  # noqa: E402
from briefs.render import make_environment  # noqa: E402
from briefs.telegram_html import validate_telegram_html  # noqa: E402
from news.countries.lookup import resolve_country  # noqa: E402
from services.briefings import BriefingService, Interests  # noqa: E402
from storage.db import make_engine, make_session_factory, upgrade  # noqa: E402

TOPICS = ["grain", "budget", "sanctions", "election", "rail link", "loan", "water rights"]
NOW = datetime(2025, 3, 1, tzinfo=UTC)  # fill() stamps every story first seen at this time


def interest_sets(count: int, rng: random.Random) -> list[Interests]:
    """Return *count* distinct subscription sets, the first one being "everything"."""
    codes = [resolve_country(name) for name in COUNTRIES]
    sets: dict[Interests, None] = {Interests(): None}
    while len(sets) < count:
        countries = rng.sample(codes, rng.randint(1, 3)) if rng.random() < 0.9 else []
        topics = rng.sample(TOPICS, 1) if rng.random() < 0.2 or not countries else []
        sets[Interests.of(countries, topics)] = None
    return list(sets)


def main() -> None:
    """Run the benchmark and print figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stories", type=int, default=1500)
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--sets", type=int, default=500)
    parser.add_argument("--url")
    args = parser.parse_args()
    rng = random.Random(11)
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(args.url or f"sqlite:///{Path(tmp) / 'briefings.sqlite3'}")
        upgrade(engine)
        fill(engine, args.stories, seed=3)
        sets = interest_sets(args.sets, rng)
        groups: dict[Interests, list[int]] = defaultdict(list)
        for subscriber in range(args.subscribers):
            groups[sets[subscriber % len(sets)]].append(subscriber)
        service = BriefingService(make_session_factory(engine), make_environment(), clock=lambda: NOW)
        started = time.perf_counter()
        batch = service.personal_messages_batch(groups, NOW - timedelta(hours=24), NOW, ZoneInfo("UTC"))
        seconds = time.perf_counter() - started
        engine.dispose()
    messages = [m for ms in batch.values() for m in ms]
    invalid = sum(1 for m in messages if validate_telegram_html(m))
    print(f"backend={engine.dialect.name} stories={args.stories} sets={len(groups)} "
          f"subscribers={args.subscribers}")
    print(f"batch seconds={seconds:.2f} briefings_per_s={args.subscribers / seconds:,.0f} "
          f"distinct_builds_per_s={len(groups) / seconds:,.0f}")
    print(f"messages per set: mean={len(messages) / len(groups):.1f} invalid={invalid}")


if __name__ == "__main__":
    main()
