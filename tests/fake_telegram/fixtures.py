"""Pytest fixture and PTB helpers for the fake Telegram server.

Import into tests/conftest.py with::

    from tests.fake_telegram.fixtures import fake_telegram  # noqa: F401
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

import pytest_asyncio
from telegram.ext import Application, ApplicationBuilder

from .server import FakeTelegramServer

logger = logging.getLogger(__name__)


@pytest_asyncio.fixture
async def fake_telegram() -> AsyncIterator[FakeTelegramServer]:
    """Run a fake Bot API server on a free loopback port for one test."""
    server = FakeTelegramServer()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


def ptb_builder(server: FakeTelegramServer) -> ApplicationBuilder:
    """Return an ApplicationBuilder pointed at ``server`` (token and both base URLs set)."""
    return (
        Application.builder()
        .token(server.token)
        .base_url(server.base_url)
        .base_file_url(server.base_file_url)
    )


@contextlib.asynccontextmanager
async def running_application(
    app: Application, **polling_kwargs: object
) -> AsyncIterator[Application]:
    """Initialize, start and poll ``app``; stop and shut it down cleanly afterwards."""
    polling_kwargs.setdefault("poll_interval", 0)
    await app.initialize()
    await app.start()
    await app.updater.start_polling(**polling_kwargs)
    try:
        yield app
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
