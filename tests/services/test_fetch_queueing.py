"""The fetcher's limits: requests queued behind a busy host neither hold up other hosts nor
spend their timeout waiting."""

from __future__ import annotations

import asyncio
import time

import pytest
from aiohttp import web

from services.fetch import Fetcher

SLOW = 0.4  # s each request to the busy host takes


@pytest.fixture
async def two_hosts():
    """Serve /slow and /fast on 127.0.0.1 and 127.0.0.2 (one port)."""
    async def slow(request):
        await asyncio.sleep(SLOW)
        return web.Response(text="slow")

    app = web.Application()
    app.router.add_get("/slow", slow)
    app.router.add_get("/fast", _fast)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    await web.TCPSite(runner, "127.0.0.2", port).start()
    yield port
    await runner.cleanup()


async def _fast(request: web.Request) -> web.Response:
    return web.Response(text="fast")


async def test_a_busy_host_does_not_hold_up_the_others(two_hosts) -> None:
    port = two_hosts
    async with Fetcher(max_bytes=1024, allow_private=True, timeout=SLOW * 2.5, per_host=1,
                       total=2) as fetcher:
        started = time.perf_counter()
        busy = [asyncio.create_task(fetcher.get(f"http://127.0.0.1:{port}/slow"))
                for _ in range(4)]
        await asyncio.sleep(0)  # the busy host's requests are queued first
        await fetcher.get(f"http://127.0.0.2:{port}/fast")
        other_host = time.perf_counter() - started
        # Four requests one after another take 4 x SLOW: longer than the timeout, which counts
        # each request from its start, not from its place in the host's queue.
        fetched = await asyncio.gather(*busy)
    assert other_host < SLOW, other_host
    assert [f.body for f in fetched] == [b"slow"] * 4
