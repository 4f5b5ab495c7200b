"""Repository functions for subscribers and their subscriptions."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import time

from sqlalchemy import case, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.models import Subscriber, Subscription
from storage.repositories.items import country_item_counts

logger = logging.getLogger(__name__)

KINDS = ("daily", "country", "topic")
# Daily first, then countries, then topics: the order people read their list in.
_KIND_ORDER = case({kind: rank for rank, kind in enumerate(KINDS)}, value=Subscription.kind, else_=99)


def subscriber_by_chat(session: Session, chat_id: int) -> Subscriber | None:
    """Return the subscriber of a chat, or None."""
    return session.scalars(select(Subscriber).where(Subscriber.chat_id == chat_id)).first()


def get_or_create_subscriber(
    session: Session, chat_id: int, *, username: str | None, timezone: str, delivery_time: time
) -> Subscriber:
    """Return the chat's subscriber, creating it with the given defaults when new."""
    found = subscriber_by_chat(session, chat_id)
    if found is not None:
        if username and found.username != username:
            found.username = username
        return found
    subscriber = Subscriber(
        chat_id=chat_id, username=username, timezone=timezone, delivery_time=delivery_time, active=True
    )
    try:
        # A savepoint, so a concurrent insert of the same chat does not spoil the caller's transaction.
        with session.begin_nested():
            session.add(subscriber)
    except IntegrityError:
        logger.info("subscriber for chat %s was created concurrently", chat_id)
        return subscriber_by_chat(session, chat_id)  # type: ignore[return-value]
    return subscriber


def find_subscription(session: Session, subscriber: Subscriber, kind: str, value: str = "") -> Subscription | None:
    """Return the subscriber's subscription of this kind and value, or None."""
    stmt = select(Subscription).where(
        Subscription.subscriber_id == subscriber.id, Subscription.kind == kind, Subscription.value == value
    )
    return session.scalars(stmt).first()


def subscription_of(session: Session, subscriber: Subscriber, subscription_id: int) -> Subscription | None:
    """Return one of the subscriber's subscriptions by id (None if gone or someone else's)."""
    stmt = select(Subscription).where(
        Subscription.id == subscription_id, Subscription.subscriber_id == subscriber.id
    )
    return session.scalars(stmt).first()


def create_subscription(
    session: Session, subscriber: Subscriber, kind: str, value: str = ""
) -> tuple[Subscription, bool]:
    """Subscribe to a kind/value; return the subscription and whether it is new."""
    if kind not in KINDS:
        raise ValueError(f"unknown subscription kind {kind!r}")
    existing = find_subscription(session, subscriber, kind, value)
    if existing is not None:
        return existing, False
    subscription = Subscription(subscriber_id=subscriber.id, kind=kind, value=value)
    try:
        with session.begin_nested():
            session.add(subscription)
    except IntegrityError:
        # Two clicks on the same button can race; the other one won.
        return find_subscription(session, subscriber, kind, value), False  # type: ignore[return-value]
    return subscription, True


def delete_subscription(session: Session, subscriber: Subscriber, subscription_id: int) -> bool:
    """Delete one of the subscriber's subscriptions; return whether it existed."""
    result = session.execute(
        delete(Subscription).where(
            Subscription.id == subscription_id, Subscription.subscriber_id == subscriber.id
        )
    )
    session.expire(subscriber, ["subscriptions"])
    return result.rowcount > 0


def delete_all_subscriptions(session: Session, subscriber: Subscriber) -> int:
    """Delete every subscription of the subscriber; return how many there were."""
    result = session.execute(delete(Subscription).where(Subscription.subscriber_id == subscriber.id))
    session.expire(subscriber, ["subscriptions"])
    return result.rowcount


def subscriptions_of(session: Session, subscriber: Subscriber) -> list[Subscription]:
    """Return the subscriber's subscriptions: daily, then countries, then topics."""
    stmt = (
        select(Subscription)
        .where(Subscription.subscriber_id == subscriber.id)
        .order_by(_KIND_ORDER, Subscription.value, Subscription.id)
    )
    return list(session.scalars(stmt))


def subscriptions_by_subscriber(session: Session, subscriber_ids: Sequence[int]) -> dict[int, list[Subscription]]:
    """Return the subscriptions of many subscribers at once, keyed by subscriber id."""
    found: dict[int, list[Subscription]] = {sid: [] for sid in subscriber_ids}
    if not found:
        return found
    stmt = (
        select(Subscription)
        .where(Subscription.subscriber_id.in_(list(found)))
        .order_by(Subscription.subscriber_id, _KIND_ORDER, Subscription.value)
    )
    for subscription in session.scalars(stmt):
        found[subscription.subscriber_id].append(subscription)
    return found


def set_delivery_time(session: Session, subscriber: Subscriber, delivery_time: time) -> None:
    """Set the local time of day at which the subscriber gets briefings."""
    subscriber.delivery_time = delivery_time.replace(second=0, microsecond=0, tzinfo=None)
    session.flush()


def set_timezone(session: Session, subscriber: Subscriber, timezone: str) -> None:
    """Set the subscriber's IANA timezone (the caller validates the name)."""
    subscriber.timezone = timezone
    session.flush()


def set_active(session: Session, subscriber: Subscriber, active: bool) -> None:
    """Mark the subscriber active or inactive (e.g. after they blocked the bot)."""
    subscriber.active = active
    session.flush()


def count_subscribers(session: Session, active_only: bool = True) -> int:
    """Return how many subscribers there are (only active ones by default)."""
    stmt = select(func.count()).select_from(Subscriber)
    if active_only:
        stmt = stmt.where(Subscriber.active.is_(True))
    return session.scalar(stmt) or 0


def country_choices(session: Session, limit: int) -> list[tuple[str, int]]:
    """Return (country code, item count) for the countries the store covers most."""
    return country_item_counts(session, limit=limit)
