"""Feed polling: N feeds of M entries served from loopback with 50-300 ms of latency per request.

Pass 1 finds every entry new (fetch, parse in the worker process, ingest); passes 2..P find
every feed unchanged (each answers 304 to the conditional GET). Feeds are spread over 50
loopback addresses (127.0.0.2-51, ten feeds each) so the per-host limit applies as it would
to real publishers. Prints each pass's wall time and the process's resident memory after it.

    .venv/bin/python -m bench.bench_feeds [--feeds 500] [--entries 50] [--passes 10]
"""

from __future__ import annotations

import argparse
import asyncio
import html
import random
import resource
import tempfile
import time
from pathlib import Path

from aiohttp import web

from bench.synthetic import make_body
from services.feed_poll import shutdown_parse_pool
from services.feeds import FeedService
from storage.db import make_engine, make_session_factory, upgrade
from storage.ingest.pipeline import Ingestor
from storage.repositories.feeds import add_feed

HOSTS = 50
LATENCY = (0.05, 0.30)  # s per request


def feed_xml(n: int, entries: int, rng: random.Random) -> bytes:
    """Return feed *n*: *entries* distinct invented articles."""
    items = []
    for e in range(entries):
        body = "".join(f"<p>{html.escape(p)}</p>" for p in make_body(rng, 800, 2500).split("\n") if p)
        items.append(f"<item><title>Feed {n} story {e}: {html.escape(make_body(rng, 40, 80)[:70])}"
                     f"</title><link>http://feed{n}.test/{e}</link><guid>f{n}-{e}</guid>"
                     f"<pubDate>Tue, 07 May 2024 10:{e % 60:02d}:00 GMT</pubDate>"
                     f"<description>{html.escape(body)}</description></item>")
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>Bench feed {n}</title>{''.join(items)}</channel></rss>").encode()


async def serve(feeds: dict[str, bytes]) -> web.AppRunner:
    """Serve every feed at /<n>.xml on all loopback hosts, with latency and ETags."""
    rng = random.Random(7)

    async def handle(request: web.Request) -> web.Response:
        await asyncio.sleep(rng.uniform(*LATENCY))
        body = feeds.get(request.path)
        if body is None:
            return web.Response(status=404)
        etag = f'"{hash(body) & 0xFFFFFFFF:x}"'
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        return web.Response(body=body, content_type="application/rss+xml", headers={"ETag": etag})

    app = web.Application()
    app.router.add_get("/{name}", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    return runner


def rss_mb() -> float:
    """Return this process's resident memory now, in MB."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize() / 2**20


async def run(n_feeds: int, entries: int, passes: int, folder: Path) -> None:
    rng = random.Random(42)
    started = time.perf_counter()
    feeds = {f"/{n}.xml": feed_xml(n, entries, rng) for n in range(n_feeds)}
    print(f"{n_feeds} feeds x {entries} entries, {sum(map(len, feeds.values())) / 2**20:.1f} MB "
          f"of XML, made in {time.perf_counter() - started:.1f} s")
    runner = await serve(feeds)
    port = 18_000 + random.Random().randrange(1000)
    for h in range(HOSTS):
        await web.TCPSite(runner, f"127.0.0.{h + 2}", port).start()
    engine = make_engine(f"sqlite:///{folder / 'bench.sqlite3'}")
    upgrade(engine)
    sessions = make_session_factory(engine)
    service = FeedService(sessions, Ingestor(sessions, max_bytes=20 * 2**20),
                          max_bytes=20 * 2**20, allow_private=True, timeout=30)
    with sessions.begin() as session:
        for n in range(n_feeds):
            add_feed(session, f"http://127.0.0.{n % HOSTS + 2}:{port}/{n}.xml", None, 900,
                     service.clock())
    ids = list(range(1, n_feeds + 1))
    try:
        for p in range(1, passes + 1):
            t0 = time.perf_counter()
            results = await service.poll_feeds(ids)
            wall = time.perf_counter() - t0
            statuses = {s: sum(r.status == s for r in results) for s in ("new", "unchanged", "failed")}
            items = sum(r.items for r in results)
            entries = sum(r.entries for r in results)
            rate = f" ({entries / wall:.1f}/s)" if entries else ""
            print(f"pass {p:2d}: {wall:7.2f} s  {statuses}  items {items:6d}  "
                  f"entries {entries:6d}{rate}  "
                  f"rss {rss_mb():6.1f} MB  peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:6.1f} MB")
            for error in sorted({r.error for r in results if r.error})[:3]:
                print(f"         failed: {error}")
    finally:
        shutdown_parse_pool()
        await runner.cleanup()
        engine.dispose()


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=500)
    parser.add_argument("--entries", type=int, default=50)
    parser.add_argument("--passes", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(run(args.feeds, args.entries, args.passes, Path(folder)))


if __name__ == "__main__":
    main()
