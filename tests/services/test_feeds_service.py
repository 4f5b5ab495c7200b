"""Feeds end to end against a real HTTP server on loopback: polling, politeness, bad input."""

from __future__ import annotations

import asyncio
import gzip
import socket
from datetime import timedelta

import pytest
from aiohttp import web
from sqlalchemy import select

from services.feeds import FeedRefused, FeedService, load_link
from services.fetch import retry_after_seconds
from storage.db import make_engine, make_session_factory, upgrade
from storage.ingest.pipeline import Ingestor
from storage.models import Item

PARAGRAPH = ("The {topic} council approved a new plan on Monday after months of debate, "
             "and officials said the first works would begin in the spring in {place}. ")


def article(topic: str, place: str = "the north", words: int = 4) -> str:
    return "".join(f"<p>{PARAGRAPH.format(topic=topic, place=place)}</p>" for _ in range(words))


def rss(entries: list[tuple[str, str, str]], title: str = "Loopback Wire") -> bytes:
    items = "".join(
        f"<item><title>{t}</title><link>{link}</link><guid>{link}</guid>"
        f"<pubDate>Tue, 07 May 2024 10:00:00 GMT</pubDate><description><![CDATA[{body}]]>"
        f"</description></item>" for t, link, body in entries)
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>{title}</title><link>http://wire.test/</link>{items}</channel></rss>").encode()


class Server:
    """A loopback HTTP server whose routes the test sets; it remembers request headers."""

    def __init__(self) -> None:
        self.routes: dict[str, object] = {}
        self.seen: list[tuple[str, dict]] = []
        self.base = ""

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.seen.append((request.path, dict(request.headers)))
        route = self.routes.get(request.path)
        if route is None:
            return web.Response(status=404)
        return await route(request) if asyncio.iscoroutinefunction(route) else route(request)

    def url(self, path: str) -> str:
        return self.base + path


@pytest.fixture
async def server():
    srv = Server()
    app = web.Application()
    app.router.add_route("GET", "/{tail:.*}", srv.handle)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    srv.base = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"
    yield srv
    await runner.cleanup()


@pytest.fixture
def feeds(tmp_path) -> FeedService:
    engine = make_engine(f"sqlite:///{tmp_path / 'feeds.sqlite3'}")
    upgrade(engine)
    sessions = make_session_factory(engine)
    yield FeedService(sessions, Ingestor(sessions, max_bytes=2 * 1024 * 1024),
                      max_bytes=2 * 1024 * 1024, allow_private=True, timeout=1.5)
    engine.dispose()


def feed_route(body: bytes, etag: str = '"v1"', modified: str = "Tue, 07 May 2024 10:00:00 GMT"):
    def route(request):
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304)
        return web.Response(body=body, content_type="application/rss+xml",
                            headers={"ETag": etag, "Last-Modified": modified})
    return route


def redirect(location: str) -> web.Response:
    return web.Response(status=302, headers={"Location": location})


def items_of(service: FeedService) -> list[Item]:
    with service.sessions() as session:
        return list(session.scalars(select(Item).order_by(Item.id)))


async def add(service: FeedService, url: str) -> int:
    return (await service.add_feed(url)).feed.id


async def test_new_then_304_unchanged_with_validators_sent(server, feeds):
    server.routes["/rss"] = feed_route(rss([
        ("Harbour plan approved", "http://wire.test/a1", article("harbour")),
        ("School reform passes", "http://wire.test/a2", article("school", "the south"))]))
    feed_id = await add(feeds, server.url("/rss"))
    [first] = await feeds.poll_feeds([feed_id])
    assert (first.status, first.items, first.error) == ("new", 2, None)
    stored = items_of(feeds)
    assert {i.url for i in stored} == {"http://wire.test/a1", "http://wire.test/a2"}
    assert {i.source for i in stored} == {"Loopback Wire"}
    assert all(i.published.isoformat() == "2024-05-07" for i in stored)
    [second] = await feeds.poll_feeds([feed_id])
    assert (second.status, second.items) == ("unchanged", 0)
    headers = server.seen[-1][1]
    assert headers["If-None-Match"] == '"v1"'
    assert headers["If-Modified-Since"] == "Tue, 07 May 2024 10:00:00 GMT"
    assert len(items_of(feeds)) == 2
    [listed] = feeds.list_feeds()
    assert listed.items == 2 and listed.last_success_at is not None and listed.failures == 0


async def test_repoll_without_304_adds_nothing_and_changed_entry_replaces_its_item(server, feeds):
    entries = [("Bridge closed for repairs", "http://wire.test/b1", article("bridge"))]
    server.routes["/rss"] = lambda r: web.Response(body=rss(entries), content_type="text/xml")
    feed_id = await add(feeds, server.url("/rss"))
    assert (await feeds.poll_feeds([feed_id]))[0].items == 1
    assert (await feeds.poll_feeds([feed_id]))[0].status == "unchanged"
    old = items_of(feeds)
    entries[0] = ("Bridge closed for repairs until June", "http://wire.test/b1",
                  article("bridge") + "<p>Repairs will now last until June, the city said.</p>")
    [changed] = await feeds.poll_feeds([feed_id])
    assert (changed.status, changed.items) == ("new", 1)
    [now] = items_of(feeds)
    assert now.title == "Bridge closed for repairs until June" and "until June" in now.body
    assert now.url == "http://wire.test/b1" and now.story_id == old[0].story_id


async def test_same_link_in_another_feed_adds_nothing(server, feeds):
    body = rss([("Dam opens", "http://wire.test/d1", article("dam"))])
    server.routes["/one"] = lambda r: web.Response(body=body, content_type="text/xml")
    server.routes["/two"] = lambda r: web.Response(body=body.replace(b"Loopback Wire", b"Other"),
                                                   content_type="text/xml")
    ids = [await add(feeds, server.url("/one")), await add(feeds, server.url("/two"))]
    results = await feeds.poll_feeds(ids)
    assert sorted(r.items for r in results) == [0, 1]
    assert len(items_of(feeds)) == 1


async def test_teaser_entry_loads_the_linked_article(server, feeds):
    page = (f"<html><head><title>Tunnel works</title></head><body><nav>Home | World</nav>"
            f"<article><h1>Tunnel works start</h1>{article('tunnel', words=6)}</article></body></html>")
    server.routes["/article"] = lambda r: web.Response(text=page, content_type="text/html")
    server.routes["/rss"] = lambda r: web.Response(body=rss([
        ("Tunnel works start", server.url("/article"), "Works start.")]), content_type="text/xml")
    [result] = await feeds.poll_feeds([await add(feeds, server.url("/rss"))])
    assert result.status == "new"
    [item] = items_of(feeds)
    assert "tunnel council approved" in item.body and "Home | World" not in item.body
    assert item.url == server.url("/article") and item.title == "Tunnel works start"


async def test_add_discovers_the_feed_of_a_site(server, feeds):
    server.routes["/"] = lambda r: web.Response(
        text='<html><head><link rel="alternate" type="application/rss+xml" href="/feed"></head>'
             "<body>Welcome</body></html>", content_type="text/html")
    server.routes["/feed"] = feed_route(rss([]))
    added = await feeds.add_feed(server.url("/"), interval=3600)
    assert added.feed.url == server.url("/feed") and added.discovered_from == server.url("/")
    assert added.feed.name == "Loopback Wire" and added.feed.interval_seconds == 3600
    assert not (await feeds.add_feed(server.url("/feed"))).created
    with pytest.raises(FeedRefused, match="announces none"):
        server.routes["/plain"] = lambda r: web.Response(text="<html>no feed</html>",
                                                         content_type="text/html")
        await feeds.add_feed(server.url("/plain"))


def _two_gigabytes():
    async def route(request):
        response = web.StreamResponse(headers={"Content-Type": "application/rss+xml"})
        await response.prepare(request)
        chunk = b"<item>" + b"x" * 65536
        for _ in range(2 * 1024 * 16):  # 2 GB, never all sent: the client stops at its limit
            await response.write(chunk)
        return response
    return route


async def _never_answers(request):
    await asyncio.sleep(30)
    return web.Response(text="late")


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


BAD = {
    "/notxml": (lambda r: web.Response(text="hello, world", content_type="text/plain"), "not a feed"),
    "/truncated": (lambda r: web.Response(body=b'<?xml version="1.0"?><rss version="2.0"><chan',
                                          content_type="text/xml"), "broken feed"),
    "/laughs": (lambda r: web.Response(body=(
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;'
        b'&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><rss version="2.0">'
        b"<channel><title>&c;</title></channel></rss>"), content_type="text/xml"), "entities"),
    "/pdf": (lambda r: web.Response(body=b"%PDF-1.7\n" + b"0" * 5000, content_type="application/pdf"),
             "PDF"),
    "/huge": (_two_gigabytes(), "too large"),
    "/loop": (lambda r: redirect("/loop2"), "too many redirects"),
    "/loop2": (lambda r: redirect("/loop"), None),
    "/slow": (_never_answers, "timed out"),
    "/forbidden": (lambda r: web.Response(status=403, text="no"), "HTTP 403"),
    "/gzip-bomb": (lambda r: web.Response(body=gzip.compress(b"<rss>" + b" " * (40 * 1024 * 1024)),
                                          headers={"Content-Encoding": "gzip",
                                                   "Content-Type": "text/xml"}), "too large"),
}


async def test_bad_feeds_each_fail_alone_with_one_line(server, feeds):
    good = rss([("Canal reopens", "http://wire.test/c1", article("canal"))])
    server.routes["/good"] = lambda r: web.Response(body=good, content_type="text/xml")
    for path, (route, _) in BAD.items():
        server.routes[path] = route
    urls = {server.url(p): reason for p, (_, reason) in BAD.items() if reason}
    urls[f"http://127.0.0.1:{_closed_port()}/rss"] = "cannot connect"
    ids = {}
    with feeds.sessions.begin() as session:  # added directly: adding checks the feed first
        from storage.repositories.feeds import add_feed
        for url in [*urls, server.url("/good")]:
            ids[add_feed(session, url, None, 900, feeds.clock())[0].id] = url
    results = {r.url: r for r in await feeds.poll_feeds(list(ids))}
    assert results[server.url("/good")].status == "new"
    for url, reason in urls.items():
        result = results[url]
        assert result.status == "failed", url
        assert reason in result.error and "\n" not in result.error, (url, result.error)
    assert len(items_of(feeds)) == 1
    failing = {f.url: f for f in feeds.list_feeds() if f.last_error}
    assert set(failing) == set(urls) and all(f.failures == 1 for f in failing.values())


async def test_retry_after_and_backoff_push_the_next_poll(server, feeds):
    server.routes["/busy"] = lambda r: web.Response(status=429, headers={"Retry-After": "7200"})
    server.routes["/down"] = lambda r: web.Response(status=500)
    busy, down = await _add_unchecked(feeds, server.url("/busy"), server.url("/down"))
    before = feeds.clock()
    await feeds.poll_feeds([busy, down])
    by_id = {f.id: f for f in feeds.list_feeds()}
    assert by_id[busy].next_poll_at >= before + timedelta(seconds=7200)
    assert by_id[busy].error_kind == "http_429"
    first_wait = by_id[down].next_poll_at - before
    assert timedelta(minutes=14) < first_wait <= timedelta(minutes=16)
    await feeds.poll_feeds([down])
    await feeds.poll_feeds([down])
    again = next(f for f in feeds.list_feeds() if f.id == down)
    assert again.failures == 3
    assert again.next_poll_at - feeds.clock() > timedelta(minutes=55)  # 15 min doubled twice
    server.routes["/down"] = feed_route(rss([]))
    [ok] = await feeds.poll_feeds([down])
    healed = next(f for f in feeds.list_feeds() if f.id == down)
    assert ok.status == "unchanged" and healed.failures == 0 and healed.last_error is None


async def _add_unchecked(feeds: FeedService, *urls: str) -> list[int]:
    from storage.repositories.feeds import add_feed
    with feeds.sessions.begin() as session:
        return [add_feed(session, url, None, 900, feeds.clock())[0].id for url in urls]


async def test_private_addresses_refused_unless_allowed(server, feeds):
    feeds.allow_private = False
    for url in (server.url("/rss"), "http://localhost:1/rss", "http://10.1.2.3/feed",
                "http://169.254.169.254/latest/meta-data", "http://[::ffff:127.0.0.1]/x",
                "file:///etc/passwd", "ftp://example.com/feed", "http://user:pw@example.com/"):
        with pytest.raises(FeedRefused, match="refused"):
            await feeds.add_feed(url)
    assert server.seen == []  # refused before any connection
    # Checked again after every redirect: a hop to the metadata address or to file: is refused.
    feeds.allow_private = True
    server.routes["/to-metadata"] = lambda r: redirect("http://169.254.169.254/latest/")
    server.routes["/to-file"] = lambda r: redirect("file:///etc/passwd")
    ids = await _add_unchecked(feeds, server.url("/to-metadata"), server.url("/to-file"))
    results = await feeds.poll_feeds(ids)
    assert [r.status for r in results] == ["failed", "failed"]
    assert "link-local" in results[0].error and "only http and https" in results[1].error
    assert {f.error_kind for f in feeds.list_feeds()} == {"refused"}


def test_retry_after_header_forms():
    assert retry_after_seconds("120") == 120
    assert retry_after_seconds("999999999") == 24 * 3600
    assert retry_after_seconds("nonsense") is None
    assert 0 <= retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") <= 1


async def test_link_sent_in_chat_is_loaded_or_offered_as_feed(server, feeds):
    server.routes["/"] = lambda r: web.Response(
        text='<html><head><link rel="alternate" type="application/rss+xml" href="/feed"></head>'
             "<body>Home</body></html>", content_type="text/html")
    server.routes["/feed"] = feed_route(rss([]))
    server.routes["/story"] = lambda r: web.Response(
        text=f"<html><head><title>Ferry strike</title></head><body><article><h1>Ferry strike</h1>"
             f"{article('ferry', words=5)}</article></body></html>", content_type="text/html")
    assert (await load_link(feeds, server.url("/"))).kind == "site"
    assert (await load_link(feeds, server.url("/feed"))).kind == "feed"
    story = await load_link(feeds, server.url("/story"), loaded_by="admin")
    assert story.kind == "article" and story.ingest.status == "loaded"
    with pytest.raises(FeedRefused, match="HTTP 404"):
        await load_link(feeds, server.url("/missing"))


async def test_opml_import_and_export(server, feeds):
    opml = (b'<?xml version="1.0"?><opml version="2.0"><body>'
            b'<outline text="A" xmlUrl="http://a.test/rss"/>'
            b'<outline text="Folder"><outline text="B" xmlUrl="http://b.test/atom"/></outline>'
            b'<outline text="Bad" xmlUrl="gopher://c.test/"/></body></opml>')
    results = feeds.import_opml(opml)
    assert [r.status for r in results] == ["added", "added", "failed"]
    assert [r.status for r in feeds.import_opml(opml)][:2] == ["exists", "exists"]
    exported = feeds.export_opml()
    assert b'xmlUrl="http://a.test/rss"' in exported and b'title="B"' in exported
    with pytest.raises(FeedRefused):
        feeds.import_opml(b"not xml at all")
