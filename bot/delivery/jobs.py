"""JobQueue wiring: the scheduler tick every minute and the outbox sender every few seconds.

The sender job only starts a drain task when none is running (and returns at once), so a
long drain never piles up overlapping job runs; the drain stops claiming and gives rows back
as soon as the application stops. The sender uses `application.bot`, so command replies and
deliveries go through the same Bot (and its rate limiter, when one is set).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from telegram.ext import Application, ContextTypes

from bot.context import app_context
from bot.delivery.scheduler import run_tick
from bot.delivery.sender import OutboxSender

logger = logging.getLogger(__name__)

SCHEDULER_INTERVAL = 60.0  # s
SENDER_INTERVAL = 2.0  # s
STATE_KEY = "delivery"


@dataclass
class DeliveryState:
    """The application's one sender and its running drain, kept in bot_data."""

    sender: OutboxSender
    task: asyncio.Task | None = None


def register_delivery_jobs(application: Application) -> None:
    """Schedule the tick (at start, then every minute) and the outbox sender."""
    if application.job_queue is None:
        raise RuntimeError("python-telegram-bot[job-queue] is needed for scheduled delivery")
    # A repeating job added before the JobQueue starts loses `first=0` (APScheduler moves an
    # interval trigger's past start to its next multiple), so the tick at start is a run_once
    # that may run late: missed runs since the last stop are caught up right away.
    application.job_queue.run_once(scheduler_job, when=0, name="delivery:first-tick",
                                   job_kwargs={"misfire_grace_time": None})
    application.job_queue.run_repeating(scheduler_job, interval=SCHEDULER_INTERVAL,
                                        first=SCHEDULER_INTERVAL, name="delivery:scheduler")
    application.job_queue.run_repeating(sender_job, interval=SENDER_INTERVAL, first=1,
                                        name="delivery:sender")


async def scheduler_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Queue the briefings that are due now, then start sending them."""
    ctx = app_context(context)
    # Building briefings reads the store and renders: keep it off the event loop.
    result = await asyncio.to_thread(run_tick, ctx)
    if result.queued:
        start_drain(context.application)


async def sender_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Start draining the outbox unless a drain is already running."""
    start_drain(context.application)


def delivery_state(application: Application) -> DeliveryState:
    """Return the application's sender state, creating the sender on first use."""
    state = application.bot_data.get(STATE_KEY)
    if state is None:
        ctx = application.bot_data["ctx"]
        sender = OutboxSender(application.bot, ctx.sessions, clock=ctx.clock,
                              should_stop=lambda: not application.running)
        state = application.bot_data[STATE_KEY] = DeliveryState(sender)
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
