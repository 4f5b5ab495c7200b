"""What the schedule policy reads from the store: active subscribers and their booked runs.

The policy itself (due times, catch-up, stale runs) is `services.schedule`; this module only
loads plain data for it. Part of the outbox repository (`storage.repositories.deliveries`
re-exports these names).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time
from typing import Protocol

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from storage.clock import as_utc
from storage.models import Delivery, Subscriber, Subscription


@dataclass(frozen=True, slots=True)
class ScheduledSubscriber:
    """An active subscriber with a subscription: what the schedule policy needs to know."""

    id: int
    chat_id: int
    timezone: str
    delivery_time: time
    created_at: datetime | None  # aware UTC
    last_briefed_at: datetime | None  # aware UTC
    booked: frozenset[str] = frozenset()  # briefing keys (among those asked) already queued


class SkippedRun(Protocol):
    """A run the schedule policy will not send (a stale `services.schedule.DueRun`)."""

    @property
    def subscriber_id(self) -> int: ...
    @property
    def briefing_key(self) -> str: ...
    @property
    def due_at(self) -> datetime: ...
    @property
    def reason(self) -> str | None: ...


def scheduled_subscribers(session: Session, keys: Iterable[str]) -> list[ScheduledSubscriber]:
    """Return active subscribers with a subscription, each with which of *keys* it has queued."""
    has_subscription = exists().where(Subscription.subscriber_id == Subscriber.id)
    stmt = (
        select(Subscriber.id, Subscriber.chat_id, Subscriber.timezone, Subscriber.delivery_time,
               Subscriber.created_at, Subscriber.last_briefed_at)
        .where(Subscriber.active.is_(True), has_subscription)
        .order_by(Subscriber.id)
    )
    booked = _booked_keys(session, set(keys))
    return [ScheduledSubscriber(r.id, r.chat_id, r.timezone, r.delivery_time, _utc(r.created_at),
                                _utc(r.last_briefed_at), frozenset(booked.get(r.id, ())))
            for r in session.execute(stmt)]


def _booked_keys(session: Session, keys: set[str]) -> dict[int, set[str]]:
    if not keys:
        return {}
    stmt = select(Delivery.subscriber_id, Delivery.briefing_key).where(
        Delivery.briefing_key.in_(sorted(keys))
    )
    out: dict[int, set[str]] = defaultdict(set)
    for sid, key in session.execute(stmt):
        out[sid].add(key)
    return out


def _utc(value: datetime | None) -> datetime | None:
    return as_utc(value) if value is not None else None
