"""When daily briefings are due: the one schedule policy (pure: datetime and zoneinfo only).

A subscriber gets one daily briefing per local date (key ``daily:YYYY-MM-DD``) at their
delivery time in their IANA zone. `local_due_at` turns a local date and that time into a UTC
instant, daylight-saving changes included; the scheduler tick (`due_runs`) and `/time`
(`next_delivery`) both build on it, so `/time` shows exactly when the briefing arrives.

Punctuality: ticks fall on a fixed grid (`next_tick`: every wall-clock minute by default), and
each tick builds the runs due before the next one (`due_runs(..., ahead=...)`); their outbox
rows are not sent before their due instant, so sending starts at the due second instead of
after a tick's build.

Missed runs: only the newest one still inside the catch-up window is sent late; the others
come back stale (with a reason) so the tick records them as skipped.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

if TYPE_CHECKING:  # plain data loaded by the repository; no database here
    from storage.repositories.delivery_schedule import ScheduledSubscriber

logger = logging.getLogger(__name__)

DAILY_PREFIX = "daily:"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


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


def _has_come(due_at: datetime, now_utc: datetime) -> bool:
    """Tell whether a run due at *due_at* is due at *now_utc* (due at its instant exactly)."""
    return due_at <= now_utc


def next_delivery(now_utc: datetime, delivery_time: time, tz: ZoneInfo) -> datetime:
    """Return when the next daily briefing arrives, aware in *tz* (its real wall-clock time).

    The first local date whose run has not come yet: at the due instant itself that run is
    being sent, so the next one is the following day's. Compare it as ``.astimezone(UTC)``:
    ``==`` between zones is always False for a time in a fold.
    """
    # Start at yesterday, like the tick's candidates: comparing instants, never wall clocks,
    # keeps folds and gaps right (02:15 after a fall-back is past a 02:30 sent an hour ago).
    day = now_utc.astimezone(tz).date() - timedelta(days=1)
    due = local_due_at(day, delivery_time, tz)
    while _has_come(due, now_utc):
        day += timedelta(days=1)
        due = local_due_at(day, delivery_time, tz)
    return due.astimezone(tz)


def next_tick(now_utc: datetime, interval: float) -> datetime:
    """Return the first instant after *now_utc* on the tick grid (UTC).

    The grid is every whole multiple of *interval* seconds since the Unix epoch: with 60 s,
    every wall-clock minute (hh:mm:00), so a tick meets the minute a subscriber chose.
    """
    step = max(1, round(interval * 1_000_000))  # microseconds: exact, unlike float seconds
    elapsed = (now_utc.astimezone(UTC) - EPOCH) // timedelta(microseconds=1)
    return EPOCH + timedelta(microseconds=(elapsed // step + 1) * step)


def recent_daily_keys(now_utc: datetime) -> set[str]:
    """Return every key a subscriber's yesterday or today can have at *now_utc*, in any zone.

    A UTC offset is always less than a day, so a local date is the UTC date or one next to it.
    """
    utc_date = now_utc.astimezone(UTC).date()
    return {daily_key(utc_date + timedelta(days=n)) for n in (-2, -1, 0, 1)}


def due_runs(subscribers: Iterable[ScheduledSubscriber], now_utc: datetime,
             grace: timedelta, ahead: timedelta = timedelta(0)) -> list[DueRun]:
    """Return the runs due by *now_utc* + *ahead* that have no outbox row: fresh and stale.

    For each subscriber, the local dates of that horizon and the day before are candidates
    (yesterday's matters when a run late in the evening was missed across midnight). The
    latest run inside the *grace* window is fresh (a run not due yet is too: it is built
    ahead, and its row waits for its due instant); older ones are flagged stale with a
    reason (only runs after the subscriber was created: a new subscriber is not told about
    briefings from before they joined). *subscribers* carry the keys already in the outbox
    (`booked`), loaded for `recent_daily_keys(now_utc + ahead)`.
    """
    now_utc = now_utc.astimezone(UTC)
    horizon = now_utc + ahead
    out: list[DueRun] = []
    for sub in subscribers:
        open_runs = [r for r in _candidate_runs(sub, horizon) if r.briefing_key not in sub.booked]
        out.extend(_classify(open_runs, sub, now_utc, grace))
    return out


def _candidate_runs(sub: ScheduledSubscriber, horizon: datetime) -> list[DueRun]:
    tz = zone_of(sub.timezone)
    today = horizon.astimezone(tz).date()
    runs = []
    for day in (today - timedelta(days=1), today):
        due = local_due_at(day, sub.delivery_time, tz)
        if _has_come(due, horizon):
            runs.append(DueRun(sub.id, sub.chat_id, sub.timezone, day, due, sub.last_briefed_at))
    return runs


def _classify(runs: list[DueRun], sub: ScheduledSubscriber, now_utc: datetime,
              grace: timedelta) -> list[DueRun]:
    # Only the newest missed run can still be sent: the briefing window (since the last
    # briefing) already covers whatever an older one would have said.
    out: list[DueRun] = []
    for position, run in enumerate(sorted(runs, key=lambda r: r.due_at, reverse=True)):
        late = now_utc - run.due_at
        if position == 0 and late <= grace:
            out.append(run)
        elif sub.created_at is None or run.due_at >= sub.created_at:
            reason = "superseded by a later briefing" if position else (
                f"missed by {_hours(late)}, beyond the {_hours(grace)} catch-up window")
            out.append(_stale(run, reason))
    return out


def _stale(run: DueRun, reason: str) -> DueRun:
    return DueRun(run.subscriber_id, run.chat_id, run.timezone, run.local_date, run.due_at,
                  run.last_briefed_at, stale=True, reason=reason)


def _hours(delta: timedelta) -> str:
    return f"{delta.total_seconds() / 3600:.1f}h"
