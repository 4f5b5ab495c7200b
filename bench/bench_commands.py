"""Command round trips through the fake Bot API: /search, /latest, country questions.

A store of --items items (documents, items with summaries, ranked item_countries, stories of one
to several items, a few duplicates; the full-text index follows through its trigger / generated
column) serves the real bot, run as its own process and long-polling the fake server (flood
limits off). --users simulated users each send --requests messages, one at a time, from a mix of
`/search` (rare, frequent and two-word queries), `/latest`, `/latest <country>` and
"what's new in <country>?"; latency is from the fake server enqueueing the update to the
arrival of the reply's last message (a country briefing can be several messages). Run once with
the bot's own AIORateLimiter (30 messages/s overall, as deployed) and once without it: the
limiter queues replies whenever users ask faster than 30/s, the second run measures our code.

    python bench/bench_commands.py [--items 100000] [--users 50] [--requests 20] [--think 0]
        [--limiter both|on|off] [--url postgresql://...] [--db FILE.sqlite3] [--reuse]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select  # noqa: E402

from bench.bot_load import (  # noqa: E402
    LimiterStats,
    MeasuredServer,
    Request,
    Sample,
    bot_process,
    cpu_seconds,
    is_apology,
    run_users,
    surplus_replies,
)
from bench.corpus import COUNTRIES, OBJECTS, SOURCES, VERBS, sentence  # noqa: E402
from briefs.render import make_environment  # noqa: E402
from news.countries.lookup import resolve_country  # noqa: E402
from services.briefings import BriefingService  # noqa: E402
from services.intents import parse_intent  # noqa: E402
from storage.db import make_engine, make_session_factory, upgrade  # noqa: E402
from storage.models import Document, Item, ItemCountry, Story  # noqa: E402

DAYS = 365  # published dates spread over the last year
PER_DOC = 50
CHUNK = 5000
RARE = "zephyrine"  # in about 0.02% of items
ASKED = ["India", "Russia", "Brazil"]  # countries the users ask about


# ---- the store ------------------------------------------------------------------------------

def _body(rng: random.Random, countries: list[str]) -> str:
    lead = f"Officials in {countries[0]} {rng.choice(VERBS)} {rng.choice(OBJECTS)} on Monday."
    rest = [sentence(rng) for _ in range(rng.randint(3, 7))]
    rest += [f"Reaction from {name} was muted." for name in countries[1:]]
    if rng.random() < 0.0002:
        rest.append(f"The {RARE} mineral find surprised geologists.")
    return " ".join([lead, *rest])


def _story_items(rng: random.Random, n_items: int, today: date) -> Iterator[tuple[int, int, date, list[str], bool]]:
    """Yield (item id, story id, day, countries, duplicate?): about a quarter join a recent story."""
    open_stories: list[tuple[int, date, list[str]]] = []
    story_id = 0
    for item_id in range(1, n_items + 1):
        if open_stories and rng.random() < 0.25:
            sid, day, countries = rng.choice(open_stories)
            yield item_id, sid, day, countries, rng.random() < 0.08
            continue
        story_id += 1
        day = today - timedelta(days=rng.randrange(DAYS))
        countries = rng.sample(COUNTRIES, rng.randint(1, 3))
        open_stories = [*open_stories[-199:], (story_id, day, countries)]
        yield item_id, story_id, day, countries, False


def build_rows(n_items: int, today: date, seed: int) -> dict[str, list[dict]]:
    """Return the rows ingest would have written for *n_items* items, table by table."""
    rng = random.Random(seed)
    rows: dict[str, list[dict]] = {"stories": [], "items": [], "countries": []}
    stories: dict[int, dict] = {}
    first_item: dict[int, dict] = {}
    for item_id, sid, day, countries, dup in _story_items(rng, n_items, today):
        loaded = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=6)
        original = first_item.get(sid) if dup else None
        body = original["body"] if original else _body(rng, countries)
        item = dict(id=item_id, document_id=(item_id - 1) // PER_DOC + 1,
                    position=(item_id - 1) % PER_DOC, source=rng.choice(SOURCES), published=day,
                    title=original["title"] if original else
                    f"{countries[0]} {rng.choice(VERBS)} {rng.choice(OBJECTS)}",
                    body=body, summary=" ".join(body.split(". ")[:2])[:400], language="en",
                    content_hash=hashlib.sha256(body.encode()).hexdigest(), loaded_at=loaded,
                    story_id=sid, duplicate_of_id=original["id"] if original else None)
        rows["items"].append(item)
        first_item.setdefault(sid, item)
        story = stories.setdefault(sid, dict(id=sid, title=item["title"], published=day,
                                             first_seen=loaded, updated_at=loaded, item_count=0))
        story["item_count"] += 1
        codes = [resolve_country(c) for c in countries]
        rows["countries"] += [dict(item_id=item_id, country=c, mentions=3 - r, about=r == 0,
                                   score=1.0 / (r + 1), rank=r) for r, c in enumerate(codes)]
    rows["stories"] = list(stories.values())
    return rows


def populate(url: str, n_items: int, today: date, seed: int = 7) -> float:
    """Create the schema and bulk-insert the store; return the seconds it took."""
    started = time.perf_counter()
    engine = make_engine(url)
    upgrade(engine)
    rows = build_rows(n_items, today, seed)
    now = datetime.now(UTC)
    docs = [dict(id=d + 1, name=f"bulk{d}.txt", sha256=f"{d:064x}", format="text", size=1,
                 loaded_at=now, status="loaded", item_count=PER_DOC)
            for d in range((n_items - 1) // PER_DOC + 1)]
    with engine.begin() as conn:
        if conn.scalar(select(func.count(Item.id))):
            raise SystemExit("the database already holds items: pass --reuse to bench it as is")
        for model, batch in ((Document, docs), (Story, rows["stories"]), (Item, rows["items"]),
                             (ItemCountry, rows["countries"])):
            for lo in range(0, len(batch), CHUNK):
                conn.execute(model.__table__.insert(), batch[lo:lo + CHUNK])
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            for table in ("documents", "stories", "items"):
                conn.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                     f"(SELECT max(id) FROM {table}))")
            conn.exec_driver_sql("ANALYZE")
    engine.dispose()
    return time.perf_counter() - started


# ---- what users send ------------------------------------------------------------------------

def request_mix(url: str) -> list[Request]:
    """Return one cycle of requests; country briefings say how many messages they take."""
    engine = make_engine(url)
    service = BriefingService(make_session_factory(engine), make_environment())
    mix = [Request("search rare", f"/search {RARE}"), Request("search frequent", "/search officials"),
           Request("search frequent", "/search sanctions"), Request("search two terms", "/search grain exports"),
           Request("latest", "/latest"), Request("latest", "/latest 10")]
    for name, question in zip(ASKED, ["what's new in {}?", "news on {}", "{}"], strict=True):
        code = resolve_country(name)
        text = question.format(name)
        assert parse_intent(text).country == code, text
        replies = len(service.messages(service.country(code)))
        mix += [Request("latest country", f"/latest {name}"), Request("country question", text, replies)]
    engine.dispose()
    return mix


def plans(mix: list[Request], users: int, per_user: int, seed: int) -> dict[int, list[Request]]:
    """Give every user (chat id) its own shuffled sequence drawn from the mix."""
    rng = random.Random(seed)
    out = {}
    for n in range(users):
        sequence: list[Request] = []
        while len(sequence) < per_user:  # whole shuffled cycles, so every kind is asked
            cycle = list(mix)
            rng.shuffle(cycle)
            sequence += cycle
        out[100_000 + n] = sequence[:per_user]
    return out


# ---- figures -------------------------------------------------------------------------------

def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * q))] * 1000


def report(title: str, samples: list[Sample], seconds: float, limiter: LimiterStats) -> None:
    """Print p50/p95/p99 per command kind and overall, and what the limiter did."""
    print(f"\n{title}: {len(samples)} round trips in {seconds:.1f} s "
          f"({len(samples) / seconds:.1f}/s)")
    print(f"{'command':18} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    labels = sorted({s.label for s in samples})
    for label in [*labels, "overall"]:
        lat = [s.last for s in samples if label in (s.label, "overall")]
        print(f"{label:18} {len(lat):>5} {_pct(lat, .5):>8.1f} {_pct(lat, .95):>8.1f} "
              f"{_pct(lat, .99):>8.1f} {max(lat) * 1000:>8.1f}")
    if limiter.enabled and not limiter.waits:
        print("AIORateLimiter: on (the bot did not report its waits)")
    elif limiter.enabled:
        held = limiter.held()
        print(f"AIORateLimiter: {limiter.calls} API calls, {held} held back more than 5 ms "
              f"(p99 wait {_pct(limiter.waits, .99):.1f} ms, max {limiter.waits[-1] * 1000:.1f} ms)"
              f" -> {'throttled' if held else 'did not throttle'}")
    else:
        print("AIORateLimiter: removed for this run (measures our code only)")


async def bench(url: str, mix: list[Request], args: argparse.Namespace, limiter: bool,
                tmp: Path) -> None:
    """Run one measured pass against a fresh fake server and bot process."""
    stats_file = tmp / f"limiter-{limiter}.json"
    async with (MeasuredServer() as server,
                bot_process(server, url, tmp, limiter=limiter, stats_file=stats_file,
                            profile=args.profile) as bot):
        for request in mix:  # one of each, unmeasured: caches, compiled templates
            await run_users(server, {100_000: [request]}, 0, 0)
        warm = {100_000: len(server.arrivals[100_000])}
        user_plans = plans(mix, args.users, args.requests, args.seed)
        cpu = cpu_seconds(bot.pid)
        samples, seconds = await run_users(server, user_plans, args.think, args.seed)
        cpu = cpu_seconds(bot.pid) - cpu
        surplus = surplus_replies(server, user_plans, warm)
    title = f"{'with' if limiter else 'without'} the bot's AIORateLimiter"
    report(title, samples, seconds, LimiterStats.load(stats_file, limiter))
    print(f"bot process CPU: {cpu:.1f} s = {cpu / len(samples) * 1000:.1f} ms per round trip "
          f"({cpu / seconds:.0%} of one core)")
    if args.slow_log:
        t0 = min(s.started for s in samples)
        with args.slow_log.open("a") as log:
            for s in sorted(samples, key=lambda s: s.started):
                log.write(f"{limiter} {s.started - t0:.3f} {s.last * 1000:.1f} {s.label}\n")
    apologies = sum(1 for s in samples if is_apology(s))
    print(f"apologies: {apologies}  unexpected extra replies: {surplus}  "
          f"429 from the fake: {server.throttled_count}")


def main() -> None:
    """Populate (unless --reuse), then measure with and/or without the bot's rate limiter."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--requests", type=int, default=20, help="requests per user")
    parser.add_argument("--think", type=float, default=2.0,
                        help="mean seconds a user waits between requests (0: closed loop)")
    parser.add_argument("--limiter", choices=("both", "on", "off"), default="both")
    parser.add_argument("--url", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--db", type=Path, help="SQLite file to create or --reuse")
    parser.add_argument("--reuse", action="store_true", help="do not populate (database is ready)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--slow-log", type=Path, help="append every round trip (start, ms) here")
    parser.add_argument("--profile", type=Path, help="record the bot with py-spy (collapsed stacks) into this file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{(args.db or Path(tmp) / 'commands.sqlite3').resolve()}"
        if not args.reuse:
            print(f"populated {args.items} items in {populate(url, args.items, datetime.now(UTC).date()):.0f} s")
        mix = request_mix(url)
        print(f"database: {make_engine(url).dialect.name}  users: {args.users}  requests per user: "
              f"{args.requests}  think time: {args.think} s  country briefing messages: "
              f"{', '.join(str(r.replies) for r in mix if r.label == 'country question')}")
        for limiter in {"both": (True, False), "on": (True,), "off": (False,)}[args.limiter]:
            asyncio.run(bench(url, mix, args, limiter, Path(tmp)))


if __name__ == "__main__":
    main()
