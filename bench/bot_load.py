"""Load machinery for bench_commands: a measuring fake Bot API, the real bot in its own process,
and simulated users.

The bot runs as a separate process (as in production: Telegram is another system), so the
fake server's clock readings are never delayed by the bot's work and the bot's event loop
never waits for the load generator. The fake server and the users share this process's loop.

    python bench/bot_load.py serve --api URL --token T --db URL --data-dir DIR [--no-limiter]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import random
import signal
import sys
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from telegram import Update  # noqa: E402

from bot.telegram.rate_limit import ReplyRateLimiter  # noqa: E402
from tests.fake_telegram.server import FakeTelegramServer  # noqa: E402

logger = logging.getLogger(__name__)

REPLY_TIMEOUT = 30.0
APOLOGY = "something went wrong"  # from briefs/templates/bot/error.telegram.j2


@dataclass(frozen=True, slots=True)
class Request:
    """One thing a user sends: a label for the figures, the text, and how many replies it gets."""

    label: str
    text: str
    replies: int = 1


@dataclass(frozen=True, slots=True)
class Sample:
    """One measured round trip (seconds from enqueueing the update to each reply's arrival)."""

    label: str
    first: float
    last: float
    texts: tuple[str, ...]
    started: float = 0.0  # server timer when the update was enqueued


@dataclass
class Arrival:
    """A bot message as it arrived at the fake server."""

    at: float
    text: str


class MeasuredServer(FakeTelegramServer):
    """The fake Bot API, with no flood limits, noting when each bot message arrives per chat."""

    def __init__(self) -> None:
        super().__init__(global_limit=None, per_chat_limit=None)
        self.arrivals: dict[int, list[Arrival]] = defaultdict(list)
        self._events: dict[int, asyncio.Event] = defaultdict(asyncio.Event)

    async def _dispatch(self, method: str, params: dict[str, Any], uploads: dict) -> Any:
        # The request body is already read here: on loopback this is the arrival time.
        arrived = self._timer()
        result = await super()._dispatch(method, params, uploads)
        if method.lower() in ("sendmessage", "sendphoto", "senddocument"):
            chat = int(params["chat_id"])
            self.arrivals[chat].append(Arrival(arrived, str(result.get("text", ""))))
            self._events[chat].set()
        return result

    async def wait_replies(self, chat: int, count: int, timeout: float = REPLY_TIMEOUT) -> None:
        """Wait until the bot has sent *count* messages to *chat* in total."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(self.arrivals[chat]) < count:
            event = self._events[chat]
            event.clear()
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"chat {chat}: {len(self.arrivals[chat])} of {count} replies")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    def release_polls(self) -> None:
        """Answer pending and future long polls at once (the bot is shutting down)."""
        self._closing = True
        self._notify()

    def now(self) -> float:
        """Return the server's timer (the clock arrivals are stamped with)."""
        return self._timer()


async def round_trip(server: MeasuredServer, chat: int, request: Request) -> Sample:
    """Send one message as the user of *chat* and wait for all its replies."""
    before = len(server.arrivals[chat])
    started = server.now()
    server.user_sends(chat, request.text, user_id=chat, username=f"user{chat}")
    await server.wait_replies(chat, before + request.replies)
    got = server.arrivals[chat][before:before + request.replies]
    return Sample(request.label, got[0].at - started, got[-1].at - started,
                  tuple(a.text for a in got), started)


async def user(server: MeasuredServer, chat: int, requests: Sequence[Request], think: float,
               rng: random.Random, out: list[Sample]) -> None:
    """Play one user: a random think time, then a request and its answer, and again.

    The think time also comes first, so users do not all start in the same millisecond: a
    burst of 50 at once would measure the start of the bench, not the steady state.
    """
    for request in requests:
        if think > 0:  # load shaping: people read the answer before asking again
            await asyncio.sleep(rng.expovariate(1 / think))
        out.append(await round_trip(server, chat, request))


async def run_users(server: MeasuredServer, plans: dict[int, list[Request]], think: float,
                    seed: int) -> tuple[list[Sample], float]:
    """Run every user's plan concurrently; return the samples and the wall seconds taken."""
    samples: list[Sample] = []
    started = time.perf_counter()
    await asyncio.gather(*(user(server, chat, plan, think, random.Random(seed + chat), samples)
                           for chat, plan in plans.items()))
    return samples, time.perf_counter() - started


def surplus_replies(server: MeasuredServer, plans: dict[int, list[Request]],
                    warm: dict[int, int]) -> int:
    """Return how many more messages the bot sent than the plans expected (0 when exact)."""
    expected = {chat: warm.get(chat, 0) + sum(r.replies for r in plan) for chat, plan in plans.items()}
    return sum(len(server.arrivals[chat]) - n for chat, n in expected.items())


def cpu_seconds(pid: int) -> float:
    """Return the user + system CPU seconds a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def is_apology(sample: Sample) -> bool:
    """Tell whether a reply was the global error handler's apology."""
    return any(APOLOGY in text for text in sample.texts)


# ---- the bot process -----------------------------------------------------------------------

@contextlib.asynccontextmanager
async def bot_process(server: MeasuredServer, db_url: str, data_dir: Path, *, limiter: bool,
                      stats_file: Path, profile: Path | None = None
                      ) -> AsyncIterator[asyncio.subprocess.Process]:
    """Run the real bot (`bot_load.py serve`) against *server*; stop it with SIGTERM after."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "serve", "--api", server.url,
           "--token", server.token, "--db", db_url, "--data-dir", str(data_dir),
           "--stats-file", str(stats_file)]
    if not limiter:
        cmd.append("--no-limiter")
    calls_before = len(server.calls("getUpdates"))
    proc = await asyncio.create_subprocess_exec(*cmd, cwd=str(ROOT))
    spy = None
    try:
        await _started(server, proc, calls_before)
        if profile is not None:  # attached after start-up: only serving is sampled
            spy = await asyncio.create_subprocess_exec(
                str(Path(sys.executable).parent / "py-spy"), "record", "--pid", str(proc.pid),
                "--format", "raw", "--rate", "200", "--nonblocking", "-o", str(profile))
        yield proc
    finally:
        await _stop(server, proc)
        if spy is not None:
            await spy.wait()


async def _stop(server: MeasuredServer, proc: asyncio.subprocess.Process) -> None:
    """Stop the bot like an operator would (SIGTERM); kill it if it does not stop in time."""
    if proc.returncode is None:
        proc.send_signal(signal.SIGTERM)
    server.release_polls()  # PTB's stop would otherwise wait out its 10 s long poll
    try:
        await asyncio.wait_for(proc.wait(), 30)
    except TimeoutError:
        proc.kill()
        await proc.wait()


async def _started(server: FakeTelegramServer, proc: asyncio.subprocess.Process,
                   calls_before: int) -> None:
    """Wait for the bot's first long poll; fail at once if its process dies first."""
    polling = asyncio.ensure_future(
        server.wait_until(lambda: len(server.calls("getUpdates")) > calls_before, 120))
    exited = asyncio.ensure_future(proc.wait())
    await asyncio.wait([polling, exited], return_when=asyncio.FIRST_COMPLETED)
    exited.cancel()
    if proc.returncode is not None or not polling.result():
        polling.cancel()
        raise RuntimeError(f"the bot process did not start polling (exit code {proc.returncode})")


class TimedRateLimiter(ReplyRateLimiter):
    """The bot's rate limiter, recording how long each API call waited for its turn."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.waits: list[float] = []

    async def process_request(self, callback, args, kwargs, endpoint, data, rate_limit_args):
        """Time the wait between asking the limiter and the call really going out."""
        asked = time.perf_counter()

        async def timed(*a: Any, **k: Any) -> Any:
            self.waits.append(time.perf_counter() - asked)
            return await callback(*a, **k)

        return await super().process_request(timed, args, kwargs, endpoint, data, rate_limit_args)


def serve(args: argparse.Namespace) -> None:
    """Run the bot exactly as `briefbot run` does, with the rate limiter timed or removed."""
    from bot.app import build_application
    from bot.context import AppContext
    from bot.settings import load_settings
    from bot.telegram.throttle import BOT_DATA_KEY, Throttle

    logging.basicConfig(level=logging.WARNING, format="bot: %(levelname)s %(name)s %(message)s")
    settings = load_settings(telegram_bot_token=args.token, telegram_api_url=args.api,
                             database_url=args.db, data_dir=Path(args.data_dir))
    ctx = AppContext(settings)
    ctx.engine  # noqa: B018 - open (and upgrade) before the first update, as `briefbot run` does
    application = build_application(ctx)
    # Simulated users (and the warm-up, one of each request at once) may ask faster than the
    # per-user flood guard allows; this bench measures answers, bench_flood.py the guard.
    application.bot_data[BOT_DATA_KEY] = Throttle(rate=1000, burst=1000)
    # The limiter of bot/app.py; the attribute is private, so only this bench swaps it.
    limiter = TimedRateLimiter()
    application.bot._rate_limiter = limiter if not args.no_limiter else None
    application.run_polling(poll_interval=0, allowed_updates=Update.ALL_TYPES)
    Path(args.stats_file).write_text(json.dumps({"limiter": not args.no_limiter,
                                                 "waits": limiter.waits}))


@dataclass
class LimiterStats:
    """How the bot's own rate limiter held back its API calls."""

    enabled: bool
    calls: int = 0
    waits: list[float] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path, enabled: bool) -> LimiterStats:
        """Read what the bot process wrote at exit (nothing if it was killed)."""
        if not path.exists():
            return cls(enabled)
        data = json.loads(path.read_text())
        return cls(data["limiter"], len(data["waits"]), sorted(data["waits"]))

    def held(self, threshold: float = 0.005) -> int:
        """Return how many calls waited longer than *threshold* seconds."""
        return sum(1 for w in self.waits if w > threshold)


def main() -> None:
    """Entry point of the bot process."""
    parser = argparse.ArgumentParser(description="the bot process of bench_commands")
    sub = parser.add_subparsers(required=True)
    run = sub.add_parser("serve")
    for name in ("--api", "--token", "--db", "--data-dir", "--stats-file"):
        run.add_argument(name, required=True)
    run.add_argument("--no-limiter", action="store_true")
    run.set_defaults(func=serve)
    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
