"""The feed parsing pool: recycled without stalling the parses queued behind a retired worker."""

from __future__ import annotations

import asyncio

import pytest

from services import feed_poll
from services.fetch import Fetched


def _feed(n: int) -> Fetched:
    body = (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Feed {n}</title>'
            f"<item><title>Entry {n}</title><link>http://feed{n}.test/1</link>"
            f"<description>Story {n}</description></item></channel></rss>").encode()
    return Fetched(f"http://feed{n}.test/rss", 200, body, "application/rss+xml", None, None)


@pytest.fixture
def small_pool(monkeypatch):
    """One worker, replaced every two parses: the limit is reached many times over."""
    feed_poll.shutdown_parse_pool()
    monkeypatch.setattr(feed_poll, "PARSE_WORKERS", 1)
    monkeypatch.setattr(feed_poll, "PARSES_PER_WORKER", 2)
    yield
    feed_poll.shutdown_parse_pool()


async def test_many_parses_past_the_per_worker_limit_all_finish(small_pool) -> None:
    # With ProcessPoolExecutor(max_tasks_per_child=...) on Python 3.11-3.13, the parses queued
    # behind the first retired worker never ran (CPython gh-115634): each timed out.
    parsed = await asyncio.wait_for(
        asyncio.gather(*(feed_poll.parse_in_worker(_feed(n)) for n in range(7))), 120)
    assert [p.title for p in parsed] == [f"Feed {n}" for n in range(7)]


async def test_parses_wait_for_a_worker_before_their_timeout_starts(small_pool,
                                                                    monkeypatch) -> None:
    started: list[int] = []
    real_pool = feed_poll._parse_pool

    def counting_pool():
        started.append(len(started))
        assert len(started) - finished[0] <= feed_poll.PARSE_WORKERS, "more parses than workers"
        return real_pool()

    finished = [0]

    async def parse(n: int) -> None:
        await feed_poll.parse_in_worker(_feed(n))
        finished[0] += 1

    monkeypatch.setattr(feed_poll, "_parse_pool", counting_pool)
    await asyncio.wait_for(asyncio.gather(*(parse(n) for n in range(4))), 120)
    assert len(started) == 4
