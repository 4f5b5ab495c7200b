"""Run the Application by hand: long polling or a webhook, with the HTTP server beside it.

PTB's `run_webhook` serves only the webhook, so the bot runs the way PTB documents for a
custom webhook server: `initialize`, `post_init`, `start`, then either the updater's long
polling or our aiohttp route feeding `application.update_queue`; `set_webhook` is called
once the server listens. SIGINT and SIGTERM stop everything in reverse order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator
from dataclasses import dataclass

from telegram import Update
from telegram.ext import Application

from bot.web.app import Webhook, WebServer

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ServeOptions:
    """How to run: polling unless webhook_url; the HTTP server unless port is None."""

    listen: str = "0.0.0.0"
    port: int | None = 8080  # 0 = any free port (tests); None = no HTTP server
    webhook_url: str | None = None
    webhook_path: str = "/"
    webhook_secret: str | None = None

    def __repr__(self) -> str:  # keep the secret out of logs and tracebacks
        return (f"ServeOptions(listen={self.listen!r}, port={self.port!r}, "
                f"webhook_url={self.webhook_url!r})")


@contextlib.asynccontextmanager
async def bot_serving(application: Application,
                      options: ServeOptions) -> AsyncIterator[WebServer | None]:
    """Run the bot and its HTTP server for the duration of the block; yield the server."""
    await application.initialize()
    try:
        if application.post_init is not None:  # run_polling() would call it here
            await application.post_init(application)
        await application.start()
        try:
            async with _transport(application, options) as server:
                yield server
        finally:
            await application.stop()
            if application.post_stop is not None:
                await application.post_stop(application)
    finally:
        await application.shutdown()
        if application.post_shutdown is not None:
            await application.post_shutdown(application)


@contextlib.asynccontextmanager
async def _transport(application: Application,
                     options: ServeOptions) -> AsyncIterator[WebServer | None]:
    webhook = _webhook(options)
    server = None if options.port is None else WebServer(application, webhook)
    if webhook is None:
        await application.updater.start_polling(poll_interval=0,
                                                allowed_updates=Update.ALL_TYPES)
    try:
        if server is not None:
            await server.start(options.listen, options.port)
        if webhook is not None:
            await application.bot.set_webhook(
                options.webhook_url, secret_token=webhook.secret,
                allowed_updates=Update.ALL_TYPES, drop_pending_updates=False)
            logger.info("webhook set: Telegram posts updates to %s", options.webhook_url)
        yield server
    finally:
        if server is not None:
            await server.stop()
        if application.updater is not None and application.updater.running:
            await application.updater.stop()


def _webhook(options: ServeOptions) -> Webhook | None:
    if options.webhook_url is None:
        return None
    if options.port is None or not options.webhook_secret:
        raise ValueError("webhook mode needs a port and a secret token")
    return Webhook(options.webhook_path, options.webhook_secret)


def serve_forever(application: Application, options: ServeOptions) -> None:
    """Run the bot until SIGINT or SIGTERM."""
    asyncio.run(_serve_until_signal(application, options))


async def _serve_until_signal(application: Application, options: ServeOptions) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with bot_serving(application, options):
        await stop.wait()
    logger.info("stopped")
