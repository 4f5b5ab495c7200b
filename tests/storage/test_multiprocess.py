"""Two real `briefbot run` processes on one PostgreSQL database and one fake Bot API.

The fake server (in this test's process) enforces Telegram's 30 messages/s overall and one
message per chat per second. Every message must arrive exactly once with no 429; then the
scheduler leader is killed (SIGKILL) and the other process must take the scheduler over.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from storage.db import make_engine, make_session_factory, upgrade
from storage.models import Delivery
from storage.repositories import deliveries as outbox
from storage.repositories.coordination import advisory_lock_holder
from tests.conftest import new_postgres_database
from tests.delivery_helpers import add_subscriber
from tests.fake_telegram.server import FakeTelegramServer

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

BRIEFBOT = Path(sys.executable).parent / "briefbot"
DAILY = range(5000, 5090)  # chats due for their daily briefing at start: one message each
MULTI = {chat: [f"chat {chat} part {n}" for n in range(1, 4)] for chat in range(6000, 6015)}
LATE_CHAT = 7000  # subscribes after the leader died: only a new leader can brief them


@pytest.fixture
def fresh_pg() -> Iterator[str]:
    """Yield the URL of a new, upgraded PostgreSQL database (skip when unreachable)."""
    with new_postgres_database("briefbot_mp", "several processes share work only on PostgreSQL") as url:
        yield url


def add_due_subscriber(sessions, chat: int, now: datetime) -> None:
    """Add a daily subscriber whose delivery time passed a minute ago (in UTC)."""
    due = now - timedelta(minutes=1)
    with sessions() as session:
        add_subscriber(session, chat, "UTC", due.time().replace(microsecond=0),
                       created_at=now - timedelta(days=2))
        session.commit()


def fill(sessions, now: datetime) -> None:
    """Daily subscribers due now, plus queued three-message deliveries (per-chat pacing)."""
    for chat in DAILY:
        add_due_subscriber(sessions, chat, now)
    with sessions() as session:
        for chat, parts in MULTI.items():
            sub = add_subscriber(session, chat, kinds=())  # no subscription: never scheduled
            outbox.enqueue_delivery(session, sub.id, "test:multi", parts, now, now=now)
        session.commit()


def start_bot(url: str, server: FakeTelegramServer, tmp_path: Path, n: int):
    """Start one `briefbot run` with a 1 s scheduler tick and no health server."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("BRIEFBOT_") and k != "TELEGRAM_BOT_TOKEN"}
    env.update(TELEGRAM_BOT_TOKEN=server.token, BRIEFBOT_DATABASE_URL=url,
               BRIEFBOT_TELEGRAM_API_URL=server.url, BRIEFBOT_TICK_SECONDS="1",
               BRIEFBOT_DATA_DIR=str(tmp_path))
    log = open(tmp_path / f"bot{n}.log", "wb")  # noqa: SIM115 - closed with the process
    return asyncio.create_subprocess_exec(str(BRIEFBOT), "run", "--health-port", "0",
                                          cwd=tmp_path, env=env, stdout=log, stderr=log)


def pending(sessions) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).where(Delivery.status == "pending")) or 0


def leader_pid(engine) -> int | None:
    """Return the OS pid of the process holding the scheduler lock (from application_name)."""
    with engine.connect() as conn:
        holder = advisory_lock_holder(conn)
    return int(holder.rsplit(":", 1)[1]) if holder else None


async def wait_for(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.1)
    return True


async def stop(proc) -> None:
    if proc.returncode is None:
        proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), 15)
        except TimeoutError:
            proc.kill()
            await proc.wait()


def throttle_report(server: FakeTelegramServer) -> str:
    """Describe each 429: the chat's earlier sends and the overall sends in the second before."""
    calls = server.calls("sendMessage")
    lines = []
    for call in (c for c in calls if c.status == 429):
        chat = call.params["chat_id"]
        mine = [round(call.at - c.at, 3) for c in calls
                if c.params["chat_id"] == chat and c.status == 200 and 0 <= call.at - c.at < 2]
        window = sum(1 for c in calls if c.status == 200 and 0 <= call.at - c.at < 1)
        gaps = sorted(round(call.at - c.at, 3) for c in calls if 0 <= call.at - c.at < 1)
        lines.append(f"chat {chat}: same chat {mine} s before; {window} sends in the last "
                     f"second {gaps}")
    return "; ".join(lines)


def sends_per_second(server: FakeTelegramServer) -> float:
    times = [r.at for r in server.calls("sendMessage") if r.status == 200]
    return (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else 0.0


async def test_two_processes_send_everything_once_and_hand_over_the_scheduler(
        fresh_pg, tmp_path) -> None:
    engine = make_engine(fresh_pg)
    upgrade(engine)
    sessions = make_session_factory(engine)
    now = datetime.now(UTC)
    fill(sessions, now)
    expected = len(DAILY) + sum(map(len, MULTI.values()))
    async with FakeTelegramServer(per_chat_limit=1, global_limit=30) as server:
        procs = [await start_bot(fresh_pg, server, tmp_path, n) for n in (1, 2)]
        try:
            assert await server.wait_until(lambda: len(server.sent_messages()) >= expected, 45), (
                f"{len(server.sent_messages())} of {expected} messages arrived")
            assert await wait_for(lambda: pending(sessions) == 0, 10)
            await asyncio.sleep(1.5)  # anything sent twice would arrive now
            got = Counter(m["chat_id"] for m in server.sent_messages())
            assert got == Counter({**dict.fromkeys(DAILY, 1),
                                   **{c: len(p) for c, p in MULTI.items()}})
            for chat, parts in MULTI.items():
                assert [m["plain_text"] for m in server.sent_messages(chat)] == parts
            assert server.throttled_count == 0, throttle_report(server)
            print(f"two processes: {expected} messages at {sends_per_second(server):.1f}/s")

            pids = {p.pid: p for p in procs}
            leader = leader_pid(engine)
            assert leader in pids, "one of the two processes leads the scheduler"
            pids[leader].kill()  # SIGKILL: no clean shutdown, the lock goes with the connection
            await pids[leader].wait()
            killed_at = time.monotonic()
            add_due_subscriber(sessions, LATE_CHAT, datetime.now(UTC))
            [survivor] = [pid for pid in pids if pid != leader]
            assert await wait_for(lambda: leader_pid(engine) == survivor, 60), "no takeover"
            takeover = time.monotonic() - killed_at
            [note] = await server.wait_for_messages(LATE_CHAT, 1, timeout=30)
            print(f"takeover after {takeover:.1f} s (tick 1 s)")
        finally:
            for proc in procs:
                await stop(proc)
            engine.dispose()
    assert takeover < 60 and note["plain_text"].startswith("No new stories since")
    assert server.throttled_count == 0
