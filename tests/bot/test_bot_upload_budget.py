"""End to end: an upload is parsed in a worker process under a time budget, so a document that
takes too long fails alone while the bot keeps answering other users."""

from __future__ import annotations

import asyncio
import random
import time

import pytest

from bench.corpus import newsletter
from tests.bot_harness import bot_running
from tests.bot_helpers_app import START

ADMIN = 760001
OTHER = 760002
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'bot.sqlite3'}"


async def test_a_slow_upload_fails_alone_while_other_users_are_answered(
        fake_telegram, sqlite_url, tmp_path) -> None:
    slow = newsletter(random.Random(99), 6000, START).encode()  # ~9 MB: seconds of parsing
    async with bot_running(fake_telegram, sqlite_url, tmp_path, admin_ids=[ADMIN],
                           ingest_workers=1, ingest_timeout_seconds=3) as (_app, ctx):
        # The first upload starts the workers' forkserver (seconds on a busy machine).
        small = newsletter(random.Random(1), 3, START).encode()
        fake_telegram.user_uploads(ADMIN, "small.txt", small, "text/plain")
        [first] = await fake_telegram.wait_for_messages(ADMIN, 1, timeout=60)
        fake_telegram.user_uploads(ADMIN, "slow.txt", slow, "text/plain")
        await asyncio.sleep(0.3)  # downloaded and handed to the worker
        started = time.monotonic()
        fake_telegram.user_sends(OTHER, "/help")
        [help_reply] = await fake_telegram.wait_for_messages(OTHER, 1, timeout=10)
        waited = time.monotonic() - started
        _, failed = await fake_telegram.wait_for_messages(ADMIN, 2, timeout=30)
        after = ctx.ingestor.ingest_bytes(newsletter(random.Random(2), 2, START).encode(), "b.txt")
    assert first["plain_text"].startswith("✅ Loaded small.txt")
    assert "/latest" in help_reply["plain_text"] and waited < 2.5
    order = [m["plain_text"] for m in fake_telegram.sent_messages()]
    assert order.index(help_reply["plain_text"]) < order.index(failed["plain_text"])
    assert failed["plain_text"].startswith("❌ Could not load slow.txt: took too long (over 3 s)")
    assert after.status == "loaded"  # a new worker took over
