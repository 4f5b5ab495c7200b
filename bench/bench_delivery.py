"""Outbox drain throughput through the fake Bot API enforcing 30 messages/s (target >= 28/s).

N subscribers each get one queued briefing of M messages; the real OutboxSender (real PTB Bot,
real HTTP on loopback, wall-clock pacing) drains the outbox. Prints messages/s over the whole
drain, the 429 count, and lost / duplicated messages (compared with what was queued).
With --senders 2 (PostgreSQL) two senders with their own engines share the outbox, each with
half the budget (the budget is split statically; a database-coordinated budget is issue 5).

    python bench/bench_delivery.py [--subscribers 3000] [--messages 1] [--senders 1] [--url ...]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from telegram import Bot  # noqa: E402

from bot.delivery.pacing import DEFAULT_RATE, RatePacer  # noqa: E402
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


async def drain(url: str, server: FakeTelegramServer, rate: float) -> int:
    """Drain with one sender (own engine, own Bot); return messages sent."""
    engine = make_engine(url)
    async with Bot(server.token, base_url=server.base_url) as bot:
        sender = OutboxSender(bot, make_session_factory(engine), clock=lambda: NOW,
                              pacer=RatePacer(rate), config=SenderConfig())
        stats = await sender.drain()
    engine.dispose()
    return stats.messages_sent


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


async def run(url: str, subscribers: int, messages: int, senders: int) -> None:
    """Fill, drain and print the figures."""
    expected = fill(url, subscribers, messages)
    with ServerThread() as server:
        started = time.perf_counter()
        sent = await asyncio.gather(*(drain(url, server, DEFAULT_RATE / senders)
                                      for _ in range(senders)))
        elapsed = time.perf_counter() - started
        got = Counter((m["chat_id"], m["plain_text"]) for m in server.sent_messages())
    lost = sum((expected - got).values())
    duplicates = sum((got - expected).values())
    total = sum(got.values())
    print(f"database: {url.split(':')[0]}  senders: {senders}  subscribers: {subscribers}  "
          f"messages per briefing: {messages}")
    print(f"sent {total} messages in {elapsed:.1f} s: {total / elapsed:.2f} messages/s "
          f"(per sender: {', '.join(map(str, sent))})")
    print(f"429 responses: {server.throttled_count}  lost: {lost}  duplicates: {duplicates}")


def main() -> None:
    """Parse arguments and run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=3000)
    parser.add_argument("--messages", type=int, default=1, help="messages per briefing")
    parser.add_argument("--senders", type=int, default=1)
    parser.add_argument("--url", help="database URL (default: a fresh SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        asyncio.run(run(url, args.subscribers, args.messages, args.senders))


if __name__ == "__main__":
    main()
