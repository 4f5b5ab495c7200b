"""Punctual scheduled delivery: N subscribers due at one minute, served by real `briefbot run`.

The store gets the sample documents and N subscribers whose daily briefing is due at the first
wall-clock minute at least --lead seconds away. Then --processes real `briefbot run` processes
(long polling the fake Bot API, which enforces 30 messages/s overall and 1 per second per
chat) tick on the minute, build the briefings ahead and send them. Prints how long after the
due instant the first message arrived, messages/s from first to last, 429s, lost and
duplicated messages (against the outbox rows), and how long before the due instant the
briefings were built. --kill-after K sends SIGKILL to one process once K messages have arrived
(with one process, a replacement starts at once, as a supervisor would restart it).

    python bench/bench_delivery_schedule.py [--subscribers 300] [--processes 1] [--url ...]
                                            [--kill-after 100]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from bot.context import AppContext  # noqa: E402
from bot.settings import load_settings  # noqa: E402
from services.schedule import next_tick  # noqa: E402
from storage.models import Delivery, Subscriber, Subscription  # noqa: E402
from tests.fake_telegram.server import FakeTelegramServer  # noqa: E402

SAMPLES = ROOT / "samples"
BRIEFBOT = Path(sys.executable).parent / "briefbot"
CHAT_BASE = 20_000


def prepare(url: str, data_dir: Path, subscribers: int, lead: float) -> datetime:
    """Load the samples and add the subscribers; return their (common) due instant."""
    ctx = AppContext(load_settings(database_url=url, data_dir=data_dir))
    for path in sorted(SAMPLES.iterdir()):
        ctx.ingestor.ingest_path(path)
    now = datetime.now(UTC)
    due = next_tick(now + timedelta(seconds=lead), 60)
    with ctx.sessions() as session:
        session.add_all(
            Subscriber(chat_id=CHAT_BASE + n, timezone="UTC", delivery_time=due.time(),
                       created_at=now,
                       subscriptions=[Subscription(kind="daily", value="")])
            for n in range(subscribers))
        session.commit()
    ctx.close()
    return due


class Bots:
    """The `briefbot run` processes, started and stopped like an operator would."""

    def __init__(self, server: FakeTelegramServer, url: str, data_dir: Path) -> None:
        self.env = {**os.environ, "TELEGRAM_BOT_TOKEN": server.token,
                    "BRIEFBOT_DATABASE_URL": url, "BRIEFBOT_TELEGRAM_API_URL": server.url,
                    "BRIEFBOT_DATA_DIR": str(data_dir)}
        self.data_dir = data_dir
        self.procs: list[asyncio.subprocess.Process] = []

    async def start(self) -> asyncio.subprocess.Process:
        """Start one more process (its log goes to the data folder)."""
        log = open(self.data_dir / f"bot-{len(self.procs)}.log", "wb")  # noqa: SIM115
        proc = await asyncio.create_subprocess_exec(
            str(BRIEFBOT), "run", "--health-port", "0", env=self.env, cwd=str(self.data_dir),
            stdout=log, stderr=log)
        self.procs.append(proc)
        return proc

    async def stop(self) -> None:
        """SIGTERM every live process; SIGKILL those still running after 20 s."""
        for proc in self.procs:
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                await asyncio.wait_for(proc.wait(), 20)
            except TimeoutError:
                proc.kill()
                await proc.wait()


def outbox_rows(url: str, data_dir: Path) -> list[tuple[int, str, str, datetime, datetime]]:
    """Return (chat, status, messages JSON, created_at, due_at) of every outbox row."""
    ctx = AppContext(load_settings(database_url=url, data_dir=data_dir))
    with ctx.sessions() as session:
        found = session.execute(
            select(Subscriber.chat_id, Delivery.status, Delivery.messages, Delivery.created_at,
                   Delivery.due_at).join(Subscriber, Subscriber.id == Delivery.subscriber_id)
        ).all()
    ctx.close()
    return [tuple(r) for r in found]


async def wait_until_sent(url: str, data_dir: Path, subscribers: int, deadline: float) -> bool:
    """Poll the outbox until every subscriber's row is sent; False at the deadline."""
    while time.time() < deadline:
        rows = await asyncio.to_thread(outbox_rows, url, data_dir)
        if sum(1 for r in rows if r[1] in ("sent", "failed")) >= subscribers:
            return True
        await asyncio.sleep(0.5)
    return False


async def kill_after(server: FakeTelegramServer, bots: Bots, count: int) -> None:
    """SIGKILL the first process once *count* messages arrived; replace it if it was alone."""
    await server.wait_until(lambda: len(server.sent_messages()) >= count, 3600)
    bots.procs[0].send_signal(signal.SIGKILL)
    print(f"killed process 0 (SIGKILL) after {len(server.sent_messages())} messages")
    if len(bots.procs) == 1:
        await bots.start()


async def run(url: str, data_dir: Path, args: argparse.Namespace) -> None:
    """Prepare, serve the minute with real bot processes, print the figures."""
    due = prepare(url, data_dir, args.subscribers, args.lead)
    print(f"database: {url.split(':')[0]}  processes: {args.processes}  subscribers: "
          f"{args.subscribers}  due at {due:%H:%M:%S} UTC ({due.timestamp() - time.time():.0f} s "
          "from now)")
    async with FakeTelegramServer(global_limit=30, per_chat_limit=1, timer=time.time) as server:
        bots = Bots(server, url, data_dir)
        killer = None
        try:
            for _ in range(args.processes):
                await bots.start()
            if args.kill_after:
                killer = asyncio.ensure_future(kill_after(server, bots, args.kill_after))
            done = await wait_until_sent(url, data_dir, args.subscribers,
                                         due.timestamp() + args.timeout)
        finally:  # never leave a bot process behind, whatever failed
            if killer is not None:
                killer.cancel()
            await bots.stop()
        report(server, outbox_rows(url, data_dir), due, done)


def report(server: FakeTelegramServer, rows: list[tuple], due: datetime, done: bool) -> None:
    """Print punctuality, rate, 429s, lost and duplicated messages, and the build lead."""
    expected = Counter((chat, text) for chat, _, messages, _, _ in rows
                       for text in json.loads(messages))
    got = Counter((m["chat_id"], m["text"]) for m in server.sent_messages())
    accepted = sorted(r.at for r in server.calls("sendMessage") if r.status == 200)
    lost = sum((expected - got).values())
    duplicates = sum((got - expected).values())
    start = due.timestamp()
    built = sorted((due - created.replace(tzinfo=UTC)).total_seconds()
                   for _, _, _, created, _ in rows)
    span = accepted[-1] - accepted[0] if len(accepted) > 1 else float("nan")
    statuses = Counter(status for _, status, _, _, _ in rows)
    print(f"all finished: {done}  briefings: {dict(statuses)}  messages expected: "
          f"{sum(expected.values())}")
    print(f"built {built[0]:.1f}-{built[-1]:.1f} s before the due instant")
    print(f"first message {accepted[0] - start:+.3f} s after the due instant; "
          f"{sum(1 for a in accepted if a < start)} sent before it")
    print(f"sent {len(accepted)} messages: {(len(accepted) - 1) / span:.2f} messages/s from "
          f"first to last ({span:.1f} s); last {accepted[-1] - start:.1f} s after the due instant")
    print(f"429 responses: {server.throttled_count}  lost: {lost}  duplicates: {duplicates}")


def main() -> None:
    """Parse arguments and run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=300)
    parser.add_argument("--processes", type=int, default=1, help="`briefbot run` processes")
    parser.add_argument("--url", help="database URL, empty (default: a fresh SQLite file)")
    parser.add_argument("--lead", type=float, default=75.0,
                        help="due at the first minute at least this many seconds away")
    parser.add_argument("--kill-after", type=int, default=0,
                        help="SIGKILL a process after this many messages (0: never)")
    parser.add_argument("--timeout", type=float, default=600.0,
                        help="give up this many seconds after the due instant")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        asyncio.run(run(url, Path(tmp), args))


if __name__ == "__main__":
    main()
