"""Repository functions for subscribers and their subscriptions.

Callers get SubscriberRecord and SubscriptionRecord dataclasses and hand back the record (only
its id is read); every change is a statement here, so no ORM row leaves storage.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import time

from sqlalchemy import case, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.models import Subscriber, Subscription
from storage.records import SubscriberRecord, SubscriptionRecord
from storage.repositories.items import country_item_counts

logger = logging.getLogger(__name__)

KINDS = ("daily", "country", "topic")
# Daily first, then countries, then topics: the order people read their list in.
_KIND_ORDER = case({kind: rank for rank, kind in enumerate(KINDS)}, value=Subscription.kind, else_=99)


_SUBSCRIBER_COLUMNS = (Subscriber.id, Subscriber.chat_id, Subscriber.username, Subscriber.timezone,
                       Subscriber.delivery_time, Subscriber.active, Subscriber.created_at,
                       Subscriber.last_briefed_at, Subscriber.thread_id, Subscriber.chat_kind,
                       Subscriber.language)
_SUBSCRIPTION_COLUMNS = (Subscription.id, Subscription.subscriber_id, Subscription.kind,
                         Subscription.value)


def _subscriber(session: Session, *where) -> SubscriberRecord | None:
    row = session.execute(select(*_SUBSCRIBER_COLUMNS).where(*where)).first()
    return SubscriberRecord(*row) if row else None


def _subscription(session: Session, *where) -> SubscriptionRecord | None:
    row = session.execute(select(*_SUBSCRIPTION_COLUMNS).where(*where)).first()
    return SubscriptionRecord(*row) if row else None


def subscriber_by_chat(session: Session, chat_id: int, thread_id: int = 0) -> SubscriberRecord | None:
    """Return the subscriber of a chat (or of one forum topic in it), or None."""
    return _subscriber(session, Subscriber.chat_id == chat_id, Subscriber.thread_id == thread_id)


def get_or_create_subscriber(
    session: Session, chat_id: int, *, username: str | None, timezone: str, delivery_time: time,
    thread_id: int = 0, kind: str | None = None,
) -> SubscriberRecord:
    """Return the chat's (or topic's) subscriber, creating it with the given defaults when new."""
    found = subscriber_by_chat(session, chat_id, thread_id)
    if found is not None:
        changes = {"username": username} if username and found.username != username else {}
        if kind and found.chat_kind != kind:  # a group became a supergroup
            changes["chat_kind"] = kind
        return _update(session, found, **changes) if changes else found
    kind = kind or ("private" if chat_id > 0 else "group")  # Telegram's groups have negative ids
    row = {"chat_id": chat_id, "thread_id": thread_id, "chat_kind": kind,
           "username": username, "timezone": timezone, "delivery_time": delivery_time,
           "active": True}
    try:
        # A savepoint, so a concurrent insert of the same chat does not spoil the caller's transaction.
        with session.begin_nested():
            created = session.execute(insert(Subscriber).values(row).returning(*_SUBSCRIBER_COLUMNS)).one()
    except IntegrityError:
        logger.info("subscriber for chat %s was created concurrently", chat_id)
        return subscriber_by_chat(session, chat_id, thread_id)  # type: ignore[return-value]
    return SubscriberRecord(*created)


def find_subscription(session: Session, subscriber: SubscriberRecord, kind: str,
                      value: str = "") -> SubscriptionRecord | None:
    """Return the subscriber's subscription of this kind and value, or None."""
    return _subscription(session, Subscription.subscriber_id == subscriber.id,
                         Subscription.kind == kind, Subscription.value == value)


def subscription_of(session: Session, subscriber: SubscriberRecord,
                    subscription_id: int) -> SubscriptionRecord | None:
    """Return one of the subscriber's subscriptions by id (None if gone or someone else's)."""
    return _subscription(session, Subscription.id == subscription_id,
                         Subscription.subscriber_id == subscriber.id)


def create_subscription(
    session: Session, subscriber: SubscriberRecord, kind: str, value: str = ""
) -> tuple[SubscriptionRecord, bool]:
    """Subscribe to a kind/value; return the subscription and whether it is new."""
    if kind not in KINDS:
        raise ValueError(f"unknown subscription kind {kind!r}")
    existing = find_subscription(session, subscriber, kind, value)
    if existing is not None:
        return existing, False
    row = {"subscriber_id": subscriber.id, "kind": kind, "value": value}
    try:
        with session.begin_nested():
            new_id = session.execute(insert(Subscription).values(row).returning(Subscription.id)).scalar_one()
    except IntegrityError:
        # Two clicks on the same button can race; the other one won.
        return find_subscription(session, subscriber, kind, value), False  # type: ignore[return-value]
    return SubscriptionRecord(new_id, subscriber.id, kind, value), True


def delete_subscription(session: Session, subscriber: SubscriberRecord, subscription_id: int) -> bool:
    """Delete one of the subscriber's subscriptions; return whether it existed."""
    result = session.execute(
        delete(Subscription).where(
            Subscription.id == subscription_id, Subscription.subscriber_id == subscriber.id
        )
    )
    return result.rowcount > 0


def delete_all_subscriptions(session: Session, subscriber: SubscriberRecord) -> int:
    """Delete every subscription of the subscriber; return how many there were."""
    result = session.execute(delete(Subscription).where(Subscription.subscriber_id == subscriber.id))
    return result.rowcount


def subscriptions_of(session: Session, subscriber: SubscriberRecord) -> list[SubscriptionRecord]:
    """Return the subscriber's subscriptions: daily, then countries, then topics."""
    stmt = (
        select(*_SUBSCRIPTION_COLUMNS)
        .where(Subscription.subscriber_id == subscriber.id)
        .order_by(_KIND_ORDER, Subscription.value, Subscription.id)
    )
    return [SubscriptionRecord(*row) for row in session.execute(stmt)]


def subscriptions_by_subscriber(session: Session,
                                subscriber_ids: Sequence[int]) -> dict[int, list[SubscriptionRecord]]:
    """Return the subscriptions of many subscribers at once, keyed by subscriber id."""
    found: dict[int, list[SubscriptionRecord]] = {sid: [] for sid in subscriber_ids}
    if not found:
        return found
    stmt = (
        select(*_SUBSCRIPTION_COLUMNS)
        .where(Subscription.subscriber_id.in_(list(found)))
        .order_by(Subscription.subscriber_id, _KIND_ORDER, Subscription.value)
    )
    for row in session.execute(stmt):
        found[row.subscriber_id].append(SubscriptionRecord(*row))
    return found


def _update(session: Session, subscriber: SubscriberRecord, **values: object) -> SubscriberRecord:
    session.execute(update(Subscriber).where(Subscriber.id == subscriber.id).values(**values))
    return replace(subscriber, **values)


def set_delivery_time(session: Session, subscriber: SubscriberRecord,
                      delivery_time: time) -> SubscriberRecord:
    """Set the local time of day at which the subscriber gets briefings; return the new record."""
    at = delivery_time.replace(second=0, microsecond=0, tzinfo=None)
    return _update(session, subscriber, delivery_time=at)


def set_timezone(session: Session, subscriber: SubscriberRecord, timezone: str) -> SubscriberRecord:
    """Set the subscriber's IANA timezone (the caller validates the name); return the new record."""
    return _update(session, subscriber, timezone=timezone)


def set_active(session: Session, subscriber: SubscriberRecord, active: bool) -> SubscriberRecord:
    """Mark the subscriber active or inactive (e.g. after they blocked the bot); return the new record."""
    if subscriber.active == active:
        return subscriber
    return _update(session, subscriber, active=active)


def set_chat_language(session: Session, subscriber: SubscriberRecord,
                      language: str | None) -> SubscriberRecord:
    """Set the language the chat is answered in (None: follow each sender's); return the new record."""
    return _update(session, subscriber, language=language)


def languages_of(session: Session, subscriber_ids: Sequence[int]) -> dict[int, str | None]:
    """Return the chosen language of each subscriber id (None when never chosen)."""
    if not subscriber_ids:
        return {}
    stmt = select(Subscriber.id, Subscriber.language).where(Subscriber.id.in_(list(subscriber_ids)))
    return {row.id: row.language for row in session.execute(stmt)}


def country_choices(session: Session, limit: int) -> list[tuple[str, int]]:
    """Return (country code, item count) for the countries the store covers most."""
    return country_item_counts(session, limit=limit)
