"""The scheduler tick: find due subscribers, build their briefings, write the outbox.

Each subscriber gets one daily briefing per local date (key ``daily:YYYY-MM-DD``) at their
delivery time in their IANA zone. The briefing covers the stories first seen since their
previous briefing (``last_briefed_at``, at most `MAX_WINDOW` back; 24 hours for a first
briefing), so a newsletter about last week loaded this morning still reaches them tomorrow.

Subscribers with the same zone, window and subscription set share one build: the tick groups
them and asks the briefing service for all groups of a (zone, window) at once.

An empty briefing is still sent: a short "nothing new about ... since ..." note (rendered by
the briefing templates). A silent bot looks broken, and the note reminds people what they
follow; it costs one message a day.

Missed runs inside `settings.catch_up_hours` are sent late; older ones get a `skipped` row
with the reason and are never sent.

Built ahead: a tick also builds the runs due before the next tick (`ahead`, one tick interval
by default), so a briefing is in the outbox before its minute comes; the row's `due_at` is its
not-before time (the sender claims nothing earlier). Its window closes when it is built: a
story loaded in the minute before the due time goes into the next briefing instead.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.context import AppContext
from news.language import using_language
from services import schedule
from services.briefings import Interests
from services.schedule import DueRun, zone_of
from services.subscriptions import interests_of
from storage.clock import as_utc
from storage.repositories import deliveries as outbox
from storage.repositories.subscribers import languages_of, subscriptions_by_subscriber

logger = logging.getLogger(__name__)

MAX_WINDOW = timedelta(days=7)
FIRST_WINDOW = timedelta(hours=24)

# (zone name, window start, language) -> subscription set -> runs
Batches = dict[tuple[str, datetime, str | None], dict[Interests, list[DueRun]]]


@dataclass(slots=True)
class TickResult:
    """What one tick did."""

    queued: int = 0
    skipped: int = 0
    builds: int = 0  # distinct briefings built


def briefing_window_start(run: DueRun, now: datetime) -> datetime:
    """Return where a run's briefing window starts (its previous briefing, bounded)."""
    if run.last_briefed_at is None:
        return now - FIRST_WINDOW
    return max(as_utc(run.last_briefed_at), now - MAX_WINDOW)


def run_tick(ctx: AppContext, now: datetime | None = None, *,
             ahead: timedelta | None = None) -> TickResult:
    """Queue every briefing due by *now* + *ahead* and record stale runs as skipped.

    *ahead* defaults to the tick interval: the runs due before the next tick are built now.
    """
    now = as_utc(now or ctx.clock())
    ahead = timedelta(seconds=ctx.settings.tick_seconds) if ahead is None else ahead
    grace = timedelta(hours=ctx.settings.catch_up_hours)
    result = TickResult()
    with ctx.sessions() as session:
        keys = schedule.recent_daily_keys(now + ahead)
        subscribers = outbox.scheduled_subscribers(session, keys)
        runs = schedule.due_runs(subscribers, now, grace, ahead)
        result.skipped = sum(outbox.record_skipped(session, r, now) for r in runs if r.stale)
        fresh = [r for r in runs if not r.stale]
        subscriptions = subscriptions_by_subscriber(session, [r.subscriber_id for r in fresh])
        languages = languages_of(session, [r.subscriber_id for r in fresh])
        session.commit()
    interests = {sid: interests_of(subs) for sid, subs in subscriptions.items()}
    for (zone, since, language), groups in group_runs(fresh, interests, now, languages).items():
        with using_language(language):  # the chat's /language; the default when never chosen
            result.queued += _queue_batch(ctx, zone, since, groups, now)
        result.builds += len(groups)
    if result.queued or result.skipped:
        logger.info("tick %s: %d queued, %d skipped, %d builds", now.isoformat(),
                    result.queued, result.skipped, result.builds)
    return result


def group_runs(runs: list[DueRun], interests: dict[int, Interests], now: datetime,
               languages: dict[int, str | None] | None = None) -> Batches:
    """Group runs by zone, window and language, then by subscription set."""
    batches: Batches = defaultdict(lambda: defaultdict(list))
    for run in runs:
        language = (languages or {}).get(run.subscriber_id)
        key = (run.timezone, briefing_window_start(run, now), language)
        batches[key][interests.get(run.subscriber_id, Interests())].append(run)
    return batches


def _queue_batch(ctx: AppContext, zone: str, since: datetime,
                 groups: dict[Interests, list[DueRun]], now: datetime) -> int:
    members = {i: [r.subscriber_id for r in runs] for i, runs in groups.items()}
    messages = ctx.briefings.personal_messages_batch(members, since, now, zone_of(zone))
    queued: list[int] = []
    with ctx.sessions() as session:
        for group, runs in groups.items():
            for run in runs:
                # False: another scheduler queued this run first; its window stands.
                if outbox.enqueue_delivery(session, run.subscriber_id, run.briefing_key,
                                           messages[group], run.due_at, now=now):
                    queued.append(run.subscriber_id)
        # The window closes at `now` for everyone in the batch, so tomorrow they share a
        # window start again and keep sharing builds.
        outbox.set_last_briefed(session, queued, now)
        session.commit()
    return len(queued)
