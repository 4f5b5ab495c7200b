"""Repository functions for figures about the store: counts, coverage per day."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import Delivery, Document, Item, ItemCountry, Story, Subscriber


@dataclass(frozen=True, slots=True)
class StoreCounts:
    """Headline figures for /stats."""

    documents: int
    items: int
    stories: int
    subscribers: int  # active ones
    deliveries_sent: int  # finished since the given moment
    deliveries_failed: int
    deliveries_pending: int  # waiting in the outbox now


def _count(session: Session, stmt) -> int:
    return session.scalar(stmt) or 0


def store_counts(session: Session, since: datetime) -> StoreCounts:
    """Return store totals plus the deliveries sent and failed since *since*."""
    def finished(status: str):
        return (select(func.count(Delivery.id)).where(Delivery.status == status)
                .where(Delivery.finished_at >= since))

    return StoreCounts(
        documents=_count(session, select(func.count(Document.id))),
        items=_count(session, select(func.count(Item.id))),
        stories=_count(session, select(func.count(Story.id))),
        subscribers=_count(session, select(func.count(Subscriber.id)).where(Subscriber.active)),
        deliveries_sent=_count(session, finished("sent")),
        deliveries_failed=_count(session, finished("failed")),
        deliveries_pending=_count(
            session, select(func.count(Delivery.id)).where(Delivery.status == "pending")),
    )


def country_counts_by_day(
    session: Session, since: date, until: date, limit: int = 5
) -> dict[str, dict[date, int]]:
    """Return {country: {day: items}} for the *limit* most covered countries in [since, until]."""
    day = func.coalesce(Item.published, func.date(Item.loaded_at))
    base = (select(ItemCountry.country, func.count()).join(Item)
            .where(Item.duplicate_of_id.is_(None), day >= since, day <= until)
            .group_by(ItemCountry.country))
    top = [code for code, _ in session.execute(
        base.order_by(func.count().desc(), ItemCountry.country).limit(limit))]
    if not top:
        return {}
    rows = session.execute(
        select(ItemCountry.country, day, func.count()).join(Item)
        .where(Item.duplicate_of_id.is_(None), day >= since, day <= until,
               ItemCountry.country.in_(top))
        .group_by(ItemCountry.country, day))
    series: dict[str, dict[date, int]] = defaultdict(dict)
    for code, when, count in rows:
        series[code][_as_date(when)] = count
    return {code: series[code] for code in top}


def _as_date(value: date | datetime | str) -> date:
    # SQLite's date() returns text; PostgreSQL returns a date.
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])
