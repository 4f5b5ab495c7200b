"""JobQueue wiring for feeds: every `tick_seconds`, poll the feeds that are due.

Every `briefbot run` process runs the job: feeds are claimed with a lease (SKIP LOCKED on
PostgreSQL), so processes share them without polling one twice. A pass that is still running
when the next tick comes is left alone (no overlapping passes); the pass runs as a task on
the application's loop, its fetches async, its ingest in a thread.
"""

from __future__ import annotations

import asyncio
import logging

from telegram.ext import Application, ContextTypes

from bot.context import app_context
from bot.delivery.jobs import on_stop

logger = logging.getLogger(__name__)

TASK_KEY = "feeds:task"


def register_feed_jobs(application: Application) -> None:
    """Schedule the feed poll pass (soon after start, then every `tick_seconds`)."""
    if application.job_queue is None:
        raise RuntimeError("python-telegram-bot[job-queue] is needed for feed polling")
    interval = application.bot_data["ctx"].settings.tick_seconds
    application.job_queue.run_repeating(feeds_job, interval=interval, first=5, name="feeds:poll")
    on_stop(application, stop_feed_pass)


async def feeds_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Start a poll pass over the due feeds unless one is still running."""
    application = context.application
    task = application.bot_data.get(TASK_KEY)
    if task is not None and not task.done():
        return
    if application.running:
        application.bot_data[TASK_KEY] = application.create_task(
            _poll_pass(app_context(context)), name="feeds:poll-pass")


async def _poll_pass(ctx) -> None:
    try:
        results = await ctx.feeds.poll_feeds()
    except Exception:  # a database outage must not kill the job: the next tick tries again
        logger.exception("feed poll pass failed")
        return
    new = sum(r.items for r in results)
    failed = [r for r in results if r.status == "failed"]
    if results:
        logger.info("feeds polled: %d, items loaded: %d, failed: %d", len(results), new, len(failed))


async def stop_feed_pass(application: Application) -> None:
    """Cancel a running poll pass (at shutdown); its claimed feeds come back after the lease."""
    task = application.bot_data.get(TASK_KEY)
    if task is not None and not task.done():
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
