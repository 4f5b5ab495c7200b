"""The delivery outbox: which subscribers are due, queued briefings, claims, outcomes.

Several processes may share one outbox: rows are claimed with a lease
(`next_attempt_at` pushed forward) in one UPDATE whose candidate SELECT uses
`FOR UPDATE SKIP LOCKED` on PostgreSQL; on SQLite the single UPDATE statement holds the
write lock, so the same row can never be claimed twice while its lease runs (both in
`storage.dialect`).
A row's `due_at` is its not-before time: the scheduler builds briefings ahead of their minute,
and nobody claims a row before `due_at` (`next_due_at` tells a sender when to wake for it).
Sessions are opened and committed by the caller.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from storage.clock import as_utc
from storage.dialect import dialect_of
from storage.models import Delivery, Subscriber
from storage.repositories.delivery_schedule import (  # noqa: F401 - part of this module's API
    ScheduledSubscriber,
    SkippedRun,
    scheduled_subscribers,
)

logger = logging.getLogger(__name__)

PENDING, SENT, FAILED, SKIPPED = "pending", "sent", "failed", "skipped"
STATUSES = (PENDING, SENT, FAILED, SKIPPED)
CHAT_GAP = timedelta(seconds=1.05)  # Telegram: one message per chat per second


@dataclass(frozen=True, slots=True)
class ClaimedDelivery:
    """An outbox row leased to one sender."""

    id: int
    subscriber_id: int
    chat_id: int
    briefing_key: str
    messages: list[str]
    sent_count: int
    attempts: int  # including this claim
    thread_id: int = 0  # the forum topic the briefing goes to (0: the chat itself)


def enqueue_delivery(session: Session, subscriber_id: int, briefing_key: str,
                     messages: Sequence[str], due_at: datetime, *,
                     now: datetime | None = None, status: str = PENDING,
                     reason: str | None = None) -> bool:
    """Queue a briefing unless this subscriber already has one with this key; tell if new."""
    now = as_utc(now or due_at)
    values = dict(
        subscriber_id=subscriber_id, briefing_key=briefing_key, status=status,
        messages=json.dumps(list(messages)), sent_count=0, sent_message_ids="[]", attempts=0,
        last_error=reason, due_at=as_utc(due_at), created_at=now,
        finished_at=now if status != PENDING else None,
    )
    new_row = dialect_of(session).insert_or_ignore(Delivery, ["subscriber_id", "briefing_key"])
    stmt = new_row.values(**values).returning(Delivery.id)
    # RETURNING, not rowcount: the ORM session may not report rowcount for an insert.
    return session.execute(stmt).scalar() is not None


def record_skipped(session: Session, run: SkippedRun, now: datetime) -> bool:
    """Record a run that will not be sent (stale), so it is neither retried nor re-examined."""
    return enqueue_delivery(session, run.subscriber_id, run.briefing_key, [], run.due_at,
                            now=now, status=SKIPPED, reason=run.reason or "skipped")


def set_last_briefed(session: Session, subscriber_ids: Sequence[int], at: datetime) -> None:
    """Remember when these subscribers' briefing window last closed."""
    if subscriber_ids:
        session.execute(update(Subscriber).where(Subscriber.id.in_(list(subscriber_ids)))
                        .values(last_briefed_at=as_utc(at)))


def claim_deliveries(session: Session, now: datetime, limit: int,
                     lease: timedelta = timedelta(minutes=2)) -> list[ClaimedDelivery]:
    """Lease up to *limit* due pending rows to the caller (commit right after)."""
    now = as_utc(now)
    candidates = (
        select(Delivery.id)
        .join(Subscriber, Subscriber.id == Delivery.subscriber_id)
        .where(Delivery.status == PENDING, Delivery.due_at <= now, Subscriber.active.is_(True),
               or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= now),
               ~_chat_busy(now))
        .order_by(Delivery.due_at, Delivery.id)
        .limit(limit)
    )
    candidates = dialect_of(session).skip_locked(candidates, of=Delivery)
    claimed = session.scalars(
        update(Delivery)
        .where(Delivery.id.in_(candidates.scalar_subquery()))
        .values(next_attempt_at=now + lease, attempts=Delivery.attempts + 1)
        .returning(Delivery.id)
        .execution_options(synchronize_session=False)
    ).all()
    return _claimed_rows(session, claimed)


def next_due_at(session: Session, after: datetime, until: datetime) -> datetime | None:
    """Return the earliest not-before time of a pending row in (*after*, *until*], or None."""
    stmt = select(func.min(Delivery.due_at)).where(
        Delivery.status == PENDING, Delivery.due_at > as_utc(after),
        Delivery.due_at <= as_utc(until))
    found = session.scalar(stmt)
    return as_utc(found) if found is not None else None


def _chat_busy(now: datetime):
    """Match rows whose chat has an older pending row, or a delivery finished a moment ago.

    One row per subscriber at a time, oldest first: so two processes never send to one chat
    at once (each paces its own chats only), and a chat's briefings arrive in order.
    """
    other = aliased(Delivery)
    older_pending = and_(other.status == PENDING, or_(
        other.due_at < Delivery.due_at, and_(other.due_at == Delivery.due_at, other.id < Delivery.id)))
    just_sent = and_(other.status.in_((SENT, FAILED)), other.finished_at > now - CHAT_GAP)
    return exists().where(other.subscriber_id == Delivery.subscriber_id, other.id != Delivery.id,
                          or_(older_pending, just_sent))


def _claimed_rows(session: Session, ids: Sequence[int]) -> list[ClaimedDelivery]:
    if not ids:
        return []
    stmt = (
        select(Delivery.id, Delivery.subscriber_id, Subscriber.chat_id, Delivery.briefing_key,
               Delivery.messages, Delivery.sent_count, Delivery.attempts, Subscriber.thread_id)
        .join(Subscriber, Subscriber.id == Delivery.subscriber_id)
        .where(Delivery.id.in_(list(ids)))
        .order_by(Delivery.due_at, Delivery.id)
    )
    return [ClaimedDelivery(r.id, r.subscriber_id, r.chat_id, r.briefing_key,
                            json.loads(r.messages), r.sent_count, r.attempts, r.thread_id)
            for r in session.execute(stmt)]


def renew_leases(session: Session, delivery_ids: Sequence[int], until: datetime) -> int:
    """Extend the leases of pending rows a live sender holds to *until* (never shorten one)."""
    until = as_utc(until)
    result = session.execute(update(Delivery).where(
        Delivery.id.in_(list(delivery_ids)), Delivery.status == PENDING,
        Delivery.next_attempt_at < until).values(next_attempt_at=until))
    return result.rowcount


def record_message_sent(session: Session, delivery_id: int, index: int, message_id: int,
                        *, now: datetime | None = None,
                        lease: timedelta = timedelta(minutes=2)) -> bool:
    """Record that message *index* went out (and renew the lease); False if already recorded."""
    current = session.scalar(select(Delivery.sent_message_ids).where(
        Delivery.id == delivery_id, Delivery.sent_count == index))
    if current is None:
        return False
    values: dict = {"sent_count": index + 1,
                    "sent_message_ids": json.dumps([*json.loads(current), message_id])}
    if now is not None:
        values["next_attempt_at"] = as_utc(now) + lease
    result = session.execute(update(Delivery).where(
        Delivery.id == delivery_id, Delivery.sent_count == index).values(**values))
    return result.rowcount == 1


def _finish(session: Session, delivery_id: int, status: str, now: datetime,
            error: str | None) -> None:
    values: dict = {"status": status, "finished_at": as_utc(now), "next_attempt_at": None}
    if error is not None:
        values["last_error"] = error[:2000]
    session.execute(update(Delivery).where(Delivery.id == delivery_id).values(**values))


def mark_sent(session: Session, delivery_id: int, now: datetime) -> None:
    """Mark a delivery as completely sent."""
    _finish(session, delivery_id, SENT, now, None)


def mark_failed(session: Session, delivery_id: int, error: str, now: datetime) -> None:
    """Mark a delivery as failed for good, with the reason."""
    _finish(session, delivery_id, FAILED, now, error)


def mark_retry(session: Session, delivery_id: int, error: str | None,
               next_attempt_at: datetime) -> None:
    """Keep a delivery pending, noting the error; nobody claims it before *next_attempt_at*."""
    values: dict = {"next_attempt_at": as_utc(next_attempt_at)}
    if error is not None:
        values["last_error"] = error[:2000]
    session.execute(update(Delivery).where(Delivery.id == delivery_id, Delivery.status == PENDING)
                    .values(**values))


def mark_subscriber_inactive(session: Session, subscriber_id: int,
                             now: datetime | None = None) -> int:
    """Deactivate a subscriber (they blocked the bot) and skip their pending deliveries."""
    session.execute(update(Subscriber).where(Subscriber.id == subscriber_id).values(active=False))
    values: dict = {"status": SKIPPED, "last_error": "subscriber inactive", "next_attempt_at": None}
    if now is not None:
        values["finished_at"] = as_utc(now)
    result = session.execute(update(Delivery).where(
        Delivery.subscriber_id == subscriber_id, Delivery.status == PENDING).values(**values))
    return result.rowcount


def delivery_counts_since(session: Session, since: datetime) -> dict[str, int]:
    """Return how many deliveries finished (or were queued, if pending) since *since*, by status."""
    when = func.coalesce(Delivery.finished_at, Delivery.created_at)
    stmt = (select(Delivery.status, func.count()).where(when >= as_utc(since))
            .group_by(Delivery.status))
    counts = dict.fromkeys(STATUSES, 0)
    counts.update({status: n for status, n in session.execute(stmt)})
    return counts



