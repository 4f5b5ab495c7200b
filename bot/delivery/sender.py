"""Drain the delivery outbox to Telegram within its limits, recording every outcome.

Crash safety: each message's success is committed before the next is sent, so after a crash
or a kill the row resumes at the first unrecorded message once its lease expires; only the
message that was in flight can arrive twice. Outcomes:
- RetryAfter: wait what Telegram says (the lease is extended first), then send again;
- Forbidden (blocked, or removed from the chat): the delivery fails, every subscriber of the
  chat becomes inactive, no retry;
- ChatMigrated (a group became a supergroup): the chat's subscribers move to the new id and
  the row is sent again there at once;
- BadRequest: the delivery fails with Telegram's description, no retry;
- TimedOut / NetworkError: the row goes back to the outbox with exponential backoff, and
  fails after `max_attempts` claims.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from sqlalchemy.orm import Session, sessionmaker
from telegram import Bot, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from bot.delivery.pacing import Pacer, RatePacer, Sleep
from bot.metrics import count_message_sent, count_throttled
from storage.clock import utcnow
from storage.repositories import chats
from storage.repositories import deliveries as outbox
from storage.repositories.deliveries import ClaimedDelivery

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SenderConfig:
    """Tuning of the sender."""

    batch_size: int = 100  # rows claimed per query
    # Deliveries in flight, each paced per chat (1 message per 1.05 s): 64 keep 29 messages/s
    # going with multi-message briefings, and a killed process strands at most that many
    # claimed rows until their lease runs out.
    concurrency: int = 64
    # A live sender renews the leases of its claimed rows every third of a lease, however
    # long they wait for the send budget; a killed one's rows come back within one lease.
    lease: timedelta = timedelta(seconds=30)
    max_attempts: int = 5  # claims of one row before it fails for good
    backoff: timedelta = timedelta(seconds=30)  # doubled after each failed attempt
    max_throttle_waits: int = 5  # RetryAfter waits per message before giving the row back


@dataclass(slots=True)
class DrainStats:
    """What one drain did (also the sender's running totals)."""

    messages_sent: int = 0
    deliveries_sent: int = 0
    deliveries_failed: int = 0
    retries_scheduled: int = 0
    throttled: int = 0  # 429 answers
    blocked: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, other: DrainStats) -> None:
        """Add another drain's figures to these."""
        for name in ("messages_sent", "deliveries_sent", "deliveries_failed",
                     "retries_scheduled", "throttled", "blocked"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.errors.extend(other.errors)


class Outcome(Enum):
    """What became of one message."""

    SENT = "sent"
    STOP = "stop"  # the row is finished or given back; stop this delivery


def retry_seconds(exc: RetryAfter) -> float:
    """Return RetryAfter's wait in seconds (PTB 22 may give int or timedelta)."""
    value: Any = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class OutboxSender:
    """Claims outbox rows and sends their messages in order, one chat at a time."""

    def __init__(self, bot: Bot, sessions: sessionmaker[Session], *,
                 clock: Callable[[], datetime] = utcnow, pacer: Pacer | None = None,
                 sleep: Sleep = asyncio.sleep, config: SenderConfig = SenderConfig(),
                 should_stop: Callable[[], bool] = lambda: False) -> None:
        self.bot = bot
        self.sessions = sessions
        self.clock = clock
        self.pacer = pacer or RatePacer(sleep=sleep)
        self.sleep = sleep
        self.config = config
        self.should_stop = should_stop
        self.totals = DrainStats()
        self._stats = DrainStats()
        self._chat_locks: dict[int, asyncio.Lock] = {}
        self._held: set[int] = set()  # claimed rows whose delivery task is running

    async def _db(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        # In a worker thread: a commit per message must not stall the other chats' sends.
        return await asyncio.to_thread(self._db_sync, fn, *args, **kwargs)

    def _db_sync(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        with self.sessions() as session:
            result = fn(session, *args, **kwargs)
            session.commit()
            return result

    async def drain(self) -> DrainStats:
        """Send everything due now; return when the outbox has nothing claimable left."""
        self._stats = stats = DrainStats()
        in_flight: set[asyncio.Task] = set()
        renewing = asyncio.create_task(self._renew_leases())
        try:
            while True:
                room = self.config.concurrency - len(in_flight)
                if room > 0 and not self.should_stop():
                    for claimed in await self._claim(min(room, self.config.batch_size)):
                        in_flight.add(asyncio.create_task(self._deliver(claimed)))
                if not in_flight:
                    break
                done, in_flight = await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
                _log_failures(done)
        finally:
            renewing.cancel()
            for task in in_flight:  # cancelled from outside: a crash, as far as rows go
                task.cancel()
        self.totals.add(stats)
        return stats

    async def _renew_leases(self) -> None:
        # Real time, not the injected sleep: this is a heartbeat, not part of the pacing.
        period = self.config.lease.total_seconds() / 3
        while True:
            await asyncio.sleep(period)
            if self._held:
                try:
                    await self._db(outbox.renew_leases, sorted(self._held),
                                   self.clock() + self.config.lease)
                except Exception:  # noqa: BLE001 - the next beat tries again
                    logger.warning("could not renew %d leases", len(self._held), exc_info=True)

    async def _claim(self, limit: int) -> list[ClaimedDelivery]:
        return await self._db(outbox.claim_deliveries, self.clock(), limit, self.config.lease)

    async def _deliver(self, claimed: ClaimedDelivery) -> None:
        self._held.add(claimed.id)
        try:
            async with self._chat_lock(claimed.chat_id):
                try:
                    await self._deliver_locked(claimed)
                except Exception as exc:  # noqa: BLE001 - one bad row must not stop the drain
                    logger.exception("delivery %s crashed", claimed.id)
                    await self._retry_or_fail(claimed, f"{type(exc).__name__}: {exc}")
        finally:
            self._held.discard(claimed.id)

    async def _deliver_locked(self, claimed: ClaimedDelivery) -> None:
        if claimed.attempts > self.config.max_attempts:
            await self._fail(claimed, f"gave up after {claimed.attempts - 1} attempts")
            return
        for index in range(claimed.sent_count, len(claimed.messages)):
            if self.should_stop():
                # Shutting down: give the row back at once instead of waiting out the lease.
                await self._db(outbox.mark_retry, claimed.id, None, self.clock())
                return
            if await self._send_one(claimed, index) is Outcome.STOP:
                return
        await self._db(outbox.mark_sent, claimed.id, self.clock())
        self._stats.deliveries_sent += 1

    @contextlib.asynccontextmanager
    async def _chat_lock(self, chat_id: int):
        lock = self._chat_locks.setdefault(chat_id, asyncio.Lock())
        try:
            async with lock:
                yield
        finally:
            if not lock.locked() and self._chat_locks.get(chat_id) is lock:
                del self._chat_locks[chat_id]

    async def _send_one(self, claimed: ClaimedDelivery, index: int) -> Outcome:
        for _ in range(self.config.max_throttle_waits + 1):
            await self.pacer.acquire(claimed.chat_id)
            try:
                message = await self.bot.send_message(
                    claimed.chat_id, claimed.messages[index], parse_mode=ParseMode.HTML,
                    link_preview_options=LinkPreviewOptions(is_disabled=True),
                    message_thread_id=claimed.thread_id or None)
            except RetryAfter as exc:
                await self._wait_out(claimed, exc)
                continue
            except TelegramError as exc:
                return await self._on_error(claimed, index, exc)
            finally:
                self.pacer.sent(claimed.chat_id)
            await self._db(outbox.record_message_sent, claimed.id, index, message.message_id,
                     now=self.clock(), lease=self.config.lease)
            self._stats.messages_sent += 1
            count_message_sent()
            return Outcome.SENT
        await self._retry_or_fail(claimed, "still throttled after repeated RetryAfter waits")
        return Outcome.STOP

    async def _wait_out(self, claimed: ClaimedDelivery, exc: RetryAfter) -> None:
        wait = retry_seconds(exc)
        self._stats.throttled += 1
        count_throttled()
        logger.info("429 for chat %s: waiting %.1fs", claimed.chat_id, wait)
        until = self.clock() + timedelta(seconds=wait) + self.config.lease
        await self._db(outbox.mark_retry, claimed.id, f"RetryAfter: waited {wait:g}s", until)
        await self.sleep(wait)

    async def _on_error(self, claimed: ClaimedDelivery, index: int, exc: TelegramError) -> Outcome:
        error = f"{type(exc).__name__} at message {index + 1}: {exc.message}"
        if isinstance(exc, ChatMigrated):
            await self._db(chats.migrate_chat, claimed.chat_id, exc.new_chat_id)
            await self._db(outbox.mark_retry, claimed.id, error, self.clock())
        elif isinstance(exc, Forbidden):
            await self._fail(claimed, error)
            await self._db(chats.set_chat_active, claimed.chat_id, False, self.clock())
            self._stats.blocked += 1
        elif isinstance(exc, BadRequest):  # BadRequest is a NetworkError in PTB: test it first
            await self._fail(claimed, error)
        elif isinstance(exc, NetworkError):  # TimedOut included
            await self._retry_or_fail(claimed, error)
        else:
            await self._fail(claimed, error)
        return Outcome.STOP

    async def _fail(self, claimed: ClaimedDelivery, error: str) -> None:
        logger.warning("delivery %s to chat %s failed: %s", claimed.id, claimed.chat_id, error)
        await self._db(outbox.mark_failed, claimed.id, error, self.clock())
        self._stats.deliveries_failed += 1
        self._stats.errors.append(error)

    async def _retry_or_fail(self, claimed: ClaimedDelivery, error: str) -> None:
        if claimed.attempts >= self.config.max_attempts:
            await self._fail(claimed, f"{error} (after {claimed.attempts} attempts)")
            return
        delay = self.config.backoff * (2 ** (claimed.attempts - 1))
        await self._db(outbox.mark_retry, claimed.id, error, self.clock() + delay)
        self._stats.retries_scheduled += 1
        logger.info("delivery %s retried in %s: %s", claimed.id, delay, error)


def _log_failures(done: set[asyncio.Task]) -> None:
    # A delivery task only raises when even recording its failure failed (database down);
    # its lease then runs out and another drain picks the row up again.
    for task in done:
        if not task.cancelled() and task.exception() is not None:
            logger.error("delivery task failed", exc_info=task.exception())
