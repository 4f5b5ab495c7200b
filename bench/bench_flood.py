"""One chat floods the bot; how long do everyone else's answers take, and do any fail?

    python bench/bench_flood.py [--flood 300] [--users 20] [--requests 5]
                                [--no-throttle] [--no-retries] [--as-before]

The real Application runs in this process against the fake Bot API (30 messages/s overall,
as Telegram), with a synthetic newsletter stored. One chat sends --flood /search commands at
once; meanwhile --users other users each send --requests commands (/help, /search, /latest)
one after another, waiting for each answer. Prints the other users' median and p99 reply
time, their lost answers and apologies, what the flooder got and the 429s Telegram answered.
--no-throttle drops the per-user throttle, --no-retries the 429 retries; --as-before drops
both, as the bot was configured before.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.telegram import rate_limit  # noqa: E402
from bot.telegram.throttle import Throttle  # noqa: E402
from tests.bot_harness import bot_running  # noqa: E402
from tests.bot_helpers_app import load_newsletter  # noqa: E402
from tests.fake_telegram.server import FakeTelegramServer  # noqa: E402

FLOODER = 900_000
APOLOGY = "something went wrong"  # from briefs/templates/bot/error.telegram.j2
COMMANDS = ("/help", "/search figure", "/latest")
REPLY_TIMEOUT = 30.0


async def ask(server: FakeTelegramServer, chat: int, text: str) -> tuple[float | None, bool]:
    """Send one command and wait for its answer: (seconds or None if lost, was it an apology)."""
    before = len(server.sent_messages(chat))
    started = time.perf_counter()
    server.user_sends(chat, text)
    if not await server.wait_until(lambda: len(server.sent_messages(chat)) > before,
                                   REPLY_TIMEOUT):
        return None, False
    reply = server.sent_messages(chat)[before]["plain_text"]
    return time.perf_counter() - started, APOLOGY in reply


async def user(server: FakeTelegramServer, chat: int, requests: int,
               rng: random.Random) -> list[tuple[float | None, bool]]:
    """One ordinary user: a few commands, each after the previous answer and a short pause."""
    results = []
    for _ in range(requests):
        await asyncio.sleep(rng.uniform(1.0, 2.0))  # a person, not a script
        results.append(await ask(server, chat, rng.choice(COMMANDS)))
    return results


async def run(args: argparse.Namespace, tmp: Path) -> None:
    """Flood from one chat while the other users ask; print the figures."""
    throttle = Throttle(rate=1e9, burst=10**9) if args.no_throttle else Throttle()
    server = FakeTelegramServer()
    async with server, bot_running(server, f"sqlite:///{tmp / 'flood.sqlite3'}", tmp,
                           throttle=throttle) as (application, ctx):
        if args.no_retries:
            application.bot._rate_limiter = rate_limit.ReplyRateLimiter(max_retries=0)
            await application.bot._rate_limiter.initialize()
        load_newsletter(ctx, stories=12)
        rng = random.Random(7)
        started = time.perf_counter()
        for _ in range(args.flood):
            server.user_sends(FLOODER, "/search figure")
        per_user = await asyncio.gather(*(user(server, 910_000 + n, args.requests,
                                               random.Random(rng.random()))
                                          for n in range(args.users)))
        elapsed = time.perf_counter() - started
        await server.wait_until(lambda: False, 2.0)  # let the flood's answers finish
    results = [r for rs in per_user for r in rs]
    times = sorted(seconds for seconds, _ in results if seconds is not None)
    lost = sum(1 for seconds, _ in results if seconds is None)
    apologies = sum(1 for _, apology in results if apology)
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))] if times else float("nan")
    flooded = server.sent_messages(FLOODER)
    missing = [name for name, off in (("throttle", args.no_throttle),
                                      ("retries", args.no_retries)) if off]
    print(f"{'without ' + ' and '.join(missing) if missing else 'as configured'}: "
          f"{args.flood} commands from one chat, {len(results)} from {args.users} other users "
          f"in {elapsed:.1f} s")
    print(f"  other users: median {statistics.median(times) * 1000:.0f} ms, p99 {p99 * 1000:.0f} "
          f"ms, lost {lost}, apologies {apologies}")
    print(f"  flooder: {len(flooded)} answers "
          f"({sum(APOLOGY in m['plain_text'] for m in flooded)} apologies); "
          f"429 answers from Telegram: {server.throttled_count}")


def main() -> None:
    """Parse the arguments and run the flood."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--flood", type=int, default=300, help="commands the flooder sends")
    parser.add_argument("--users", type=int, default=20, help="other users")
    parser.add_argument("--requests", type=int, default=5, help="commands per other user")
    parser.add_argument("--no-throttle", action="store_true", help="no per-user throttle")
    parser.add_argument("--no-retries", action="store_true", help="no 429 retries")
    parser.add_argument("--as-before", action="store_true", help="neither (the old settings)")
    args = parser.parse_args()
    if args.as_before:
        args.no_throttle = args.no_retries = True
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(run(args, Path(tmp)))


if __name__ == "__main__":
    main()
