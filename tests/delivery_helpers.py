"""Helpers for the delivery tests: subscribers in the store, virtual time, outbox reads."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Delivery, Subscriber, Subscription

CREATED = datetime(2025, 1, 1, tzinfo=UTC)


def add_subscriber(session: Session, chat_id: int, tz: str = "UTC", at: time = time(7, 30), *,
                   kinds: tuple[tuple[str, str], ...] = (("daily", ""),), active: bool = True,
                   created_at: datetime = CREATED,
                   last_briefed_at: datetime | None = None) -> Subscriber:
    """Add a subscriber with subscriptions (default: the daily briefing) and flush."""
    sub = Subscriber(chat_id=chat_id, timezone=tz, delivery_time=at, active=active,
                     created_at=created_at, last_briefed_at=last_briefed_at)
    session.add(sub)
    session.flush()
    for kind, value in kinds:
        session.add(Subscription(subscriber_id=sub.id, kind=kind, value=value, created_at=created_at))
    session.flush()
    return sub


def rows(session: Session) -> list[Delivery]:
    """Return every outbox row, oldest first."""
    session.expire_all()
    return list(session.scalars(select(Delivery).order_by(Delivery.id)))


def sent_ids(row: Delivery) -> list[int]:
    """Return the Telegram message ids recorded on a row."""
    return json.loads(row.sent_message_ids)


class VirtualTime:
    """One virtual clock for the sender (datetime and monotonic) and the fake server's timer.

    `sleep(d)` moves time to at least the sleeper's wake-up instant and yields, so waits
    cost no wall-clock time; `slept` keeps every wait for assertions.
    """

    def __init__(self, start: datetime) -> None:
        self.start = start
        self.offset = 0.0
        self.slept: list[float] = []

    def now(self) -> datetime:
        """Return the virtual UTC time."""
        return self.start + timedelta(seconds=self.offset)

    def monotonic(self) -> float:
        """Return virtual seconds since the start."""
        return self.offset

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        self.offset += seconds

    def set(self, when: datetime) -> None:
        """Jump to a later instant."""
        self.offset = max(self.offset, (when - self.start).total_seconds())

    async def sleep(self, seconds: float) -> None:
        """Wait virtually: time jumps to the wake-up instant."""
        self.slept.append(seconds)
        target = self.offset + max(0.0, seconds)
        await asyncio.sleep(0)
        self.offset = max(self.offset, target)
