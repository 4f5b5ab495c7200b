"""JobQueue wiring: the scheduler tick (every `tick_seconds`) and the outbox sender (every 2 s).

Punctual delivery: the tick runs on the wall-clock grid (`services.schedule.next_tick`: hh:mm:00
with the default minute) and builds the briefings due before the next tick into the outbox,
each row not to be sent before its due instant. After each tick and each sender run, a
process arms a wake-up at the outbox's next due instant (`arm_wake`), which starts a drain at
that second: a minute's briefings start leaving at the minute, not at the next sender run.

Several `briefbot run` processes may share one PostgreSQL database: each runs the sender
(rows are claimed with SKIP LOCKED, the send budget is shared through the database), but only
the scheduler leader (see `bot.delivery.leader`) runs the tick. Every process tries for the
lead at each tick, so a follower takes over within one tick interval after the leader dies.

The sender job only starts a drain task when none is running (and returns at once), so a
long drain never piles up overlapping job runs; the drain stops claiming and gives rows back
as soon as the application stops. The sender uses `application.bot`, so command replies and
deliveries go through the same Bot (and its rate limiter, when one is set).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from telegram.ext import Application, ContextTypes

from bot.context import app_context
from bot.delivery.budget import SharedBudgetPacer
from bot.delivery.leader import LEADER_KEY, SchedulerLeadership
from bot.delivery.scheduler import run_tick
from bot.delivery.sender import OutboxSender
from services.schedule import next_tick
from storage.repositories.deliveries import next_due_at

logger = logging.getLogger(__name__)

SENDER_INTERVAL = 2.0  # s
WAKE_EARLY_CHECK = 0.005  # s: re-check step when a wake-up arrives a hair before its instant
STATE_KEY = "delivery"
# bot_data: when this process's tick job last ran (UTC, the context's clock), leader or not:
# a follower's tick is alive too (it is ready to take over). /healthz reads it.
LAST_TICK_KEY = "last_tick"


@dataclass
class DeliveryState:
    """The application's one sender, its running drain and its scheduler lead, in bot_data."""

    sender: OutboxSender
    leadership: SchedulerLeadership
    task: asyncio.Task | None = None
    wake: asyncio.Task | None = None  # sleeps until wake_at, then starts a drain
    wake_at: datetime | None = None


def register_delivery_jobs(application: Application) -> None:
    """Schedule the tick (at start, then on the `tick_seconds` grid) and the outbox sender."""
    if application.job_queue is None:
        raise RuntimeError("python-telegram-bot[job-queue] is needed for scheduled delivery")
    interval = application.bot_data["ctx"].settings.tick_seconds
    # A repeating job added before the JobQueue starts loses `first=0` (APScheduler moves an
    # interval trigger's past start to its next multiple), so the tick at start is a run_once
    # that may run late: missed runs since the last stop are caught up right away.
    application.job_queue.run_once(scheduler_job, when=0, name="delivery:first-tick",
                                   job_kwargs={"misfire_grace_time": None})
    # The grid is the wall clock's (the JobQueue runs on it); a start later than `first`
    # keeps the grid, as APScheduler moves a past start on by whole intervals. A tick held up
    # (a busy loop) still runs within half an interval instead of being dropped as misfired.
    application.job_queue.run_repeating(
        scheduler_job, interval=interval, first=next_tick(datetime.now(UTC), interval),
        name="delivery:scheduler", job_kwargs={"misfire_grace_time": max(1, int(interval / 2))})
    application.job_queue.run_repeating(sender_job, interval=SENDER_INTERVAL, first=1,
                                        name="delivery:sender")
    on_stop(application, _stop_delivery)


def on_stop(application: Application, hook: Callable[[Application], Awaitable[None]]) -> None:
    """Run *hook* when the application stops, before any post_stop set earlier."""
    previous = application.post_stop

    async def post_stop(app: Application) -> None:
        await hook(app)
        if previous is not None:
            await previous(app)

    application.post_stop = post_stop


async def _stop_delivery(app: Application) -> None:
    # run_polling / run_webhook call post_stop: give the lead up there, so a follower takes
    # over at its next tick instead of after this process's connection times out.
    _cancel_wake(app)
    await release_scheduler_lead(app)


async def scheduler_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Queue the briefings that are due now (scheduler leader only), then start sending."""
    application = context.application
    ctx = app_context(context)
    state = delivery_state(application)
    leading = await asyncio.to_thread(state.leadership.check)
    application.bot_data[LEADER_KEY] = leading
    if leading:
        # Building briefings reads the store and renders: keep it off the event loop.
        result = await asyncio.to_thread(run_tick, ctx)
        if result.queued:
            start_drain(application)
    application.bot_data[LAST_TICK_KEY] = ctx.clock()
    await arm_wake(application)


async def sender_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Start draining the outbox unless a drain is already running; wake for the next rows."""
    start_drain(context.application)
    await arm_wake(context.application)


async def arm_wake(application: Application) -> None:
    """Start a drain at the outbox's next due instant, if it comes before the next tick.

    Every process arms its own (followers too, they share the sending); the earliest instant
    wins. Rows due later are found by a later call, at the latest by the tick before them.
    """
    ctx = application.bot_data["ctx"]
    state = delivery_state(application)
    now = ctx.clock()
    horizon = now + timedelta(seconds=2 * ctx.settings.tick_seconds)
    when = await asyncio.to_thread(_next_due, ctx, now, horizon)
    armed = state.wake is not None and not state.wake.done()
    if when is None or not application.running or (armed and state.wake_at <= when):
        return
    _cancel_wake(application)
    state.wake_at = when
    # A plain task, not application.create_task: stopping awaits those, and a wake-up may
    # sleep most of a minute. post_stop cancels it.
    state.wake = asyncio.get_running_loop().create_task(_wake(application, when),
                                                        name="delivery:wake")


def _next_due(ctx, now: datetime, horizon: datetime) -> datetime | None:
    with ctx.sessions() as session:
        return next_due_at(session, now, horizon)


async def _wake(application: Application, when: datetime) -> None:
    clock = application.bot_data["ctx"].clock
    while (left := (when - clock()).total_seconds()) > 0:
        await asyncio.sleep(max(left, WAKE_EARLY_CHECK))
    running = delivery_state(application).task
    task = start_drain(application)
    if task is not None and task is running:
        # A drain already running claims the new rows as its deliveries finish; should it
        # be ending right now, start another one after it.
        await asyncio.wait([task])
        start_drain(application)


def _cancel_wake(application: Application) -> None:
    state = application.bot_data.get(STATE_KEY)
    if state is not None and state.wake is not None:
        state.wake.cancel()
        state.wake = state.wake_at = None


def is_scheduler_leader(application: Application) -> bool:
    """Tell whether this process led the scheduler at its last tick (for /healthz)."""
    return bool(application.bot_data.get(LEADER_KEY, False))


def last_tick_at(application: Application) -> datetime | None:
    """Return when this process's tick job last ran, leading or not (None: not yet)."""
    return application.bot_data.get(LAST_TICK_KEY)


async def release_scheduler_lead(application: Application) -> None:
    """Give up the scheduler lead (at shutdown); a follower takes over at its next tick."""
    state = application.bot_data.get(STATE_KEY)
    if state is not None:
        await asyncio.to_thread(state.leadership.release)
    application.bot_data[LEADER_KEY] = False


def delivery_state(application: Application) -> DeliveryState:
    """Return the application's delivery state, creating sender and leadership on first use."""
    state = application.bot_data.get(STATE_KEY)
    if state is None:
        ctx = application.bot_data["ctx"]
        sender = OutboxSender(application.bot, ctx.sessions, clock=ctx.clock,
                              pacer=SharedBudgetPacer(ctx.sessions),
                              should_stop=lambda: not application.running)
        state = DeliveryState(sender, SchedulerLeadership(ctx.engine))
        application.bot_data[STATE_KEY] = state
    return state


def start_drain(application: Application) -> asyncio.Task | None:
    """Start a drain task if none is running; return the running task."""
    state = delivery_state(application)
    if state.task is not None and not state.task.done():
        return state.task
    if not application.running:
        return None
    state.task = application.create_task(_drain(state.sender), name="delivery:drain")
    return state.task


async def _drain(sender: OutboxSender) -> None:
    stats = await sender.drain()
    if stats.messages_sent or stats.deliveries_failed or stats.throttled:
        logger.info("outbox drained: %d messages, %d deliveries sent, %d failed, %d throttled",
                    stats.messages_sent, stats.deliveries_sent, stats.deliveries_failed,
                    stats.throttled)
