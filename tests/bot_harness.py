"""Run the real briefbot Application against the fake Telegram server in tests.

Usage::

    async with bot_running(fake_telegram, db_url, tmp_path, admin_ids=(7,)) as (app, ctx):
        fake_telegram.user_sends(CHAT, "/start")
        [reply] = await fake_telegram.wait_for_messages(CHAT, 1)
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from telegram.ext import Application

from bot.app import build_application
from bot.context import AppContext
from bot.settings import load_settings
from bot.telegram.throttle import BOT_DATA_KEY, Throttle
from tests.fake_telegram.server import FakeTelegramServer

logger = logging.getLogger(__name__)


def make_context(
    fake_telegram: FakeTelegramServer,
    db_url: str,
    tmp_path: Path,
    *,
    admin_ids: Iterable[int] = (),
    clock: Callable[[], datetime] | None = None,
    **overrides: Any,
) -> AppContext:
    """Build an AppContext whose settings point at the fake server and the test database."""
    settings = load_settings(
        telegram_bot_token=fake_telegram.token,
        telegram_api_url=fake_telegram.url,
        database_url=db_url,
        data_dir=tmp_path,
        admin_ids=frozenset(admin_ids),
        **overrides,
    )
    return AppContext(settings) if clock is None else AppContext(settings, clock=clock)


@contextlib.asynccontextmanager
async def bot_running(
    fake_telegram: FakeTelegramServer,
    db_url: str,
    tmp_path: Path,
    *,
    admin_ids: Iterable[int] = (),
    clock: Callable[[], datetime] | None = None,
    throttle: Throttle | None = None,
    **overrides: Any,
) -> AsyncIterator[tuple[Application, AppContext]]:
    """Run the briefbot Application (long polling, poll_interval=0); stop it cleanly after.

    Tests type at machine speed: unless a throttle is given, a user may send 1,000 commands at
    once (tests/bot/test_bot_abuse.py runs the real per-user throttle).
    """
    ctx = make_context(fake_telegram, db_url, tmp_path, admin_ids=admin_ids, clock=clock,
                       **overrides)
    application = build_application(ctx)
    application.bot_data[BOT_DATA_KEY] = throttle or Throttle(rate=1000, burst=1000)
    await application.initialize()
    if application.post_init is not None:  # run_polling() would call it here
        await application.post_init(application)
    await application.start()
    await application.updater.start_polling(poll_interval=0)
    try:
        yield application, ctx
    finally:
        await application.updater.stop()
        await application.stop()
        await application.shutdown()
        ctx.close()  # the ingest workers
        if "engine" in vars(ctx):  # only dispose an engine that was really built
            ctx.engine.dispose()
