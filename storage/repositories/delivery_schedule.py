"""When subscribers are due: local delivery times in IANA zones, catch-up window, stale runs.

Part of the outbox repository (`storage.repositories.deliveries` re-exports these names).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from storage.clock import as_utc
from storage.models import Delivery, Subscriber, Subscription

logger = logging.getLogger(__name__)

DAILY_PREFIX = "daily:"


@dataclass(frozen=True, slots=True)
class DueRun:
    """One subscriber's scheduled briefing for one local date that has no outbox row yet."""

    subscriber_id: int
    chat_id: int
    timezone: str
    local_date: date
    due_at: datetime  # UTC
    last_briefed_at: datetime | None
    stale: bool = False  # past the catch-up window (or superseded): record as skipped
    reason: str | None = None

    @property
    def briefing_key(self) -> str:
        """Return the outbox key: one daily briefing per subscriber and local date."""
        return daily_key(self.local_date)


def daily_key(local_date: date) -> str:
    """Return the briefing key of the daily briefing of a local date."""
    return f"{DAILY_PREFIX}{local_date.isoformat()}"


def zone_of(name: str) -> ZoneInfo:
    """Return the subscriber's zone; a name that no longer resolves falls back to UTC."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        logger.warning("unknown timezone %r on a subscriber; using UTC", name)
        return ZoneInfo("UTC")


def local_due_at(local_date: date, delivery_time: time, tz: ZoneInfo) -> datetime:
    """Return when *delivery_time* on *local_date* in *tz* happens, in UTC.

    A time skipped by a spring-forward change (02:30 on 9 March 2025 in New York) fires at
    the same instant as the pre-change offset says (03:30 local); a time that occurs twice
    on a fall-back day fires at its first occurrence (fold=0).
    """
    naive = datetime.combine(local_date, delivery_time.replace(tzinfo=None))
    return naive.replace(tzinfo=tz, fold=0).astimezone(UTC)


def due_subscribers(session: Session, now_utc: datetime, grace: timedelta) -> list[DueRun]:
    """Return the runs due by *now_utc* that have no outbox row: fresh ones and stale ones.

    For each active subscriber with at least one subscription, today's and yesterday's
    local dates are candidates (yesterday's matters when a run late in the evening was
    missed across midnight). The latest run inside the *grace* window is fresh; older ones
    are flagged stale with a reason (only runs after the subscriber was created: a new
    subscriber is not told about briefings from before they joined).
    """
    now_utc = as_utc(now_utc)
    subscribers = _active_subscribers(session)
    candidates = {sub.id: _candidate_runs(sub, now_utc) for sub in subscribers}
    keys = {run.briefing_key for runs in candidates.values() for run in runs}
    existing = _existing_keys(session, keys)
    out: list[DueRun] = []
    for sub in subscribers:
        open_runs = [r for r in candidates[sub.id] if (sub.id, r.briefing_key) not in existing]
        out.extend(_classify(open_runs, sub, now_utc, grace))
    return out


def _active_subscribers(session: Session) -> list[Subscriber]:
    has_subscription = exists().where(Subscription.subscriber_id == Subscriber.id)
    stmt = select(Subscriber).where(Subscriber.active.is_(True), has_subscription)
    return list(session.scalars(stmt.order_by(Subscriber.id)))


def _candidate_runs(sub: Subscriber, now_utc: datetime) -> list[DueRun]:
    tz = zone_of(sub.timezone)
    today = now_utc.astimezone(tz).date()
    last = as_utc(sub.last_briefed_at) if sub.last_briefed_at else None
    runs = []
    for day in (today - timedelta(days=1), today):
        due = local_due_at(day, sub.delivery_time, tz)
        if due <= now_utc:
            runs.append(DueRun(sub.id, sub.chat_id, sub.timezone, day, due, last))
    return runs


def _existing_keys(session: Session, keys: set[str]) -> set[tuple[int, str]]:
    if not keys:
        return set()
    stmt = select(Delivery.subscriber_id, Delivery.briefing_key).where(
        Delivery.briefing_key.in_(sorted(keys))
    )
    return {(sid, key) for sid, key in session.execute(stmt)}


def _classify(runs: list[DueRun], sub: Subscriber, now_utc: datetime,
              grace: timedelta) -> list[DueRun]:
    # Only the newest missed run can still be sent: the briefing window (since the last
    # briefing) already covers whatever an older one would have said.
    created = as_utc(sub.created_at) if sub.created_at else None
    out: list[DueRun] = []
    for position, run in enumerate(sorted(runs, key=lambda r: r.due_at, reverse=True)):
        late = now_utc - run.due_at
        if position == 0 and late <= grace:
            out.append(run)
        elif created is None or run.due_at >= created:
            reason = "superseded by a later briefing" if position else (
                f"missed by {_hours(late)}, beyond the {_hours(grace)} catch-up window")
            out.append(_stale(run, reason))
    return out


def _stale(run: DueRun, reason: str) -> DueRun:
    return DueRun(run.subscriber_id, run.chat_id, run.timezone, run.local_date, run.due_at,
                  run.last_briefed_at, stale=True, reason=reason)


def _hours(delta: timedelta) -> str:
    return f"{delta.total_seconds() / 3600:.1f}h"
