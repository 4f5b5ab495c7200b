"""Outbox drain throughput through the fake Bot API enforcing 30 messages/s (target >= 28/s).

N subscribers each get one queued briefing of M messages; real OutboxSenders (real PTB Bot,
real HTTP on loopback, wall-clock pacing) drain the outbox. With --senders N each sender is a
separate OS process with its own engine, all under the one send budget kept in the database
(`bot.delivery.budget.SharedBudgetPacer`, as `briefbot run` uses). Prints messages/s (between
the server's first and last accepted send, and over the whole run including process start),
the 429 count, lost / duplicated messages (compared with what was queued) and, per sender,
its messages, late slots given up and waits for the one-second window.

    python bench/bench_delivery.py [--subscribers 3000] [--messages 1] [--senders 2] [--url ...]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from telegram import Bot  # noqa: E402

from bot.delivery.budget import SharedBudgetPacer  # noqa: E402
from bot.delivery.sender import OutboxSender, SenderConfig  # noqa: E402
from storage.db import make_engine, make_session_factory, upgrade  # noqa: E402
from storage.models import Subscriber  # noqa: E402
from storage.repositories import deliveries as outbox  # noqa: E402
from tests.fake_telegram.server import FakeTelegramServer  # noqa: E402

NOW = datetime(2025, 5, 1, 7, 30, tzinfo=UTC)


def fill(url: str, subscribers: int, messages: int) -> dict[tuple[int, str], int]:
    """Queue one briefing per subscriber; return the expected (chat, text) counts."""
    engine = make_engine(url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    expected: Counter[tuple[int, str]] = Counter()
    with sessions() as session:
        subs = [Subscriber(chat_id=10_000 + n, timezone="UTC") for n in range(subscribers)]
        session.add_all(subs)
        session.flush()
        for sub in subs:
            texts = [f"<b>Briefing</b> for {sub.chat_id}, part {i + 1}" for i in range(messages)]
            outbox.enqueue_delivery(session, sub.id, "daily:2025-05-01", texts, NOW, now=NOW)
            expected.update((sub.chat_id, t.replace("<b>", "").replace("</b>", "")) for t in texts)
        session.commit()
    engine.dispose()
    return expected


async def drain(url: str, token: str, base_url: str) -> tuple[int, int, int]:
    """Drain with one sender (own engine, own Bot); return messages, late slots, window waits."""
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    pacer = SharedBudgetPacer(sessions)
    async with Bot(token, base_url=base_url) as bot:
        sender = OutboxSender(bot, sessions, clock=lambda: NOW, pacer=pacer, config=SenderConfig())
        stats = await sender.drain()
    await pacer.settle()
    engine.dispose()
    return stats.messages_sent, pacer.late_slots, pacer.token_waits


def sender_process(url: str, token: str, base_url: str, results) -> None:
    """One sender process: drain, then report its figures."""
    results.put(asyncio.run(drain(url, token, base_url)))


def run_senders(url: str, server: FakeTelegramServer, senders: int) -> list[tuple[int, int, int]]:
    """Run *senders* sender processes to completion; return their figures."""
    spawn = multiprocessing.get_context("spawn")
    results = spawn.Queue()
    procs = [spawn.Process(target=sender_process, args=(url, server.token, server.base_url,
                                                        results)) for _ in range(senders)]
    for proc in procs:
        proc.start()
    figures = [results.get() for _ in procs]
    for proc in procs:
        proc.join()
    return figures


class ServerThread:
    """The fake Bot API on its own event loop and thread, as Telegram is another system:
    sharing the sender's loop would let every stall of the sender delay (and bunch up) the
    server's clock readings."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.server = FakeTelegramServer(global_limit=30, per_chat_limit=1)

    def __enter__(self) -> FakeTelegramServer:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.server.start(), self.loop).result()
        return self.server

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.server.stop(), self.loop).result()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()


def run(url: str, subscribers: int, messages: int, senders: int) -> None:
    """Fill, drain and print the figures."""
    expected = fill(url, subscribers, messages)
    with ServerThread() as server:
        started = time.perf_counter()
        figures = run_senders(url, server, senders)
        elapsed = time.perf_counter() - started
        got = Counter((m["chat_id"], m["plain_text"]) for m in server.sent_messages())
        accepted = [r.at for r in server.calls("sendMessage") if r.status == 200]
    lost = sum((expected - got).values())
    duplicates = sum((got - expected).values())
    total = sum(got.values())
    span = accepted[-1] - accepted[0] if len(accepted) > 1 else float("nan")
    print(f"database: {url.split(':')[0]}  sender processes: {senders}  subscribers: "
          f"{subscribers}  messages per briefing: {messages}")
    print(f"sent {total} messages: {(len(accepted) - 1) / span:.2f} messages/s from first to "
          f"last send ({span:.1f} s); {total / elapsed:.2f}/s over {elapsed:.1f} s with start-up")
    print("per sender (messages, late slots, window waits): "
          + ", ".join(str(f) for f in figures))
    print(f"429 responses: {server.throttled_count}  lost: {lost}  duplicates: {duplicates}")


def main() -> None:
    """Parse arguments and run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=3000)
    parser.add_argument("--messages", type=int, default=1, help="messages per briefing")
    parser.add_argument("--senders", type=int, default=2, help="sender processes")
    parser.add_argument("--url", help="database URL (default: a fresh SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        run(url, args.subscribers, args.messages, args.senders)


if __name__ == "__main__":
    main()
