"""Feeds as sources: add (with discovery), list, pause, remove, poll, OPML import and export.

The one service the CLI, the Telegram handlers and the bot's polling job call. Every method
returns plain records (storage.records.FeedRecord, PollResult, AddResult, ImportResult);
the async ones fetch over the network (services.fetch) and must be awaited on an event loop
(the CLI wraps them in `asyncio.run`). A refused or unusable URL raises `FeedRefused` with a
one-line reason to show as is.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from aiohttp.abc import AbstractResolver
from sqlalchemy.orm import Session, sessionmaker

from news.feeds import FeedError, discover_feeds, looks_like_feed
from news.opml import OpmlFeed, parse_opml, render_opml
from services.durations import parse_duration
from services.feed_poll import FeedPoller, PollResult, parse_in_worker
from services.fetch import PAGE_ACCEPT, Fetched, Fetcher, FetchError, check_url
from storage.clock import utcnow
from storage.ingest.pipeline import Ingestor, IngestResult
from storage.records import FeedRecord
from storage.repositories import feeds as repo

logger = logging.getLogger(__name__)

DEFAULT_INTERVAL = 15 * 60  # s
MIN_INTERVAL = 60
MAX_INTERVAL = 7 * 24 * 3600
POLL_LEASE = timedelta(minutes=10)  # a claimed feed another process may take after this
POLL_BATCH = 500  # feeds claimed per pass


class FeedRefused(Exception):
    """A feed that cannot be added; the message is one line to show as is."""


@dataclass(frozen=True, slots=True)
class AddResult:
    """A feed added, or found already there."""

    feed: FeedRecord
    created: bool
    discovered_from: str | None = None  # the page whose <link rel=alternate> named the feed


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What became of one feed an OPML file listed."""

    url: str
    status: str  # added | exists | failed
    id: int | None = None
    error: str | None = None

    def as_json(self) -> dict[str, object]:
        """Return the JSON shape scripts rely on."""
        return {"url": self.url, "status": self.status, "id": self.id, "error": self.error}


def parse_interval(text: str) -> int:
    """Parse "90s", "15m", "2h", "1d" (a bare number is minutes) into seconds; ValueError if not."""
    interval = parse_duration(text, bare_unit="m")
    if interval is None:
        raise ValueError(f"not an interval (like 15m, 2h, 1d): {(text or '')[:40]!r}")
    seconds = int(interval.total_seconds())
    if not MIN_INTERVAL <= seconds <= MAX_INTERVAL:
        raise ValueError("an interval must be from 1 minute to 7 days")
    return seconds


class FeedService:
    """Feed sources for one store: settings, sessions and the Ingestor shared with uploads."""

    def __init__(self, sessions: sessionmaker[Session], ingestor: Ingestor, *, max_bytes: int,
                 allow_private: bool = False, timeout: float = 30.0,
                 clock: Callable[[], datetime] = utcnow,
                 resolver: AbstractResolver | None = None) -> None:
        self.sessions = sessions
        self.ingestor = ingestor
        self.max_bytes = max_bytes
        self.allow_private = allow_private
        self.timeout = timeout
        self.clock = clock
        self.resolver = resolver  # name resolution for the fetcher (benchmarks); None: the system's

    def fetcher(self) -> Fetcher:
        """Return a new HTTP client with this service's limits (use with `async with`)."""
        return Fetcher(max_bytes=self.max_bytes, allow_private=self.allow_private,
                       timeout=self.timeout, resolver=self.resolver)

    # ---- managing feeds ----

    async def add_feed(self, url: str, *, name: str | None = None,
                       interval: int = DEFAULT_INTERVAL) -> AddResult:
        """Add a feed URL, or the feed a site's page announces; FeedRefused says why not."""
        try:
            url = check_url(url, self.allow_private)
            async with self.fetcher() as fetcher:
                fetched, page = await self._find_feed(fetcher, url)
                parsed = await parse_in_worker(fetched)
        except (FetchError, FeedError) as exc:
            raise FeedRefused(str(exc)) from None
        with self.sessions.begin() as session:
            feed, created = repo.add_feed(session, fetched.url, name or parsed.title,
                                          interval, self.clock())
        return AddResult(feed, created, page)

    async def _find_feed(self, fetcher: Fetcher, url: str) -> tuple[Fetched, str | None]:
        """Fetch *url*; when it is an HTML page, fetch the first feed it announces instead."""
        fetched = await fetcher.get(url)
        if looks_like_feed(fetched.body):
            return fetched, None
        found = discover_feeds(fetched.body, fetched.url)
        if not found:
            raise FeedError("not a feed, and the page announces none (<link rel=\"alternate\">)")
        return await fetcher.get(found[0]), fetched.url

    def list_feeds(self) -> list[FeedRecord]:
        """Return every feed with its status and how many entries it loaded."""
        with self.sessions() as session:
            return repo.list_feeds(session)

    def find_feed(self, ref: str | int) -> FeedRecord | None:
        """Return the feed named by its id or its URL."""
        with self.sessions() as session:
            if isinstance(ref, int) or str(ref).isdigit():
                return repo.feed_by_id(session, int(ref))
            return repo.feed_by_url(session, str(ref).strip())

    def remove_feed(self, ref: str | int) -> FeedRecord | None:
        """Remove a feed (by id or URL); what it loaded stays. Return it, or None if unknown."""
        feed = self.find_feed(ref)
        if feed is not None:
            with self.sessions.begin() as session:
                repo.remove_feed(session, feed.id)
        return feed

    def set_paused(self, feed_id: int, paused: bool) -> bool:
        """Pause or resume a feed; tell whether it exists."""
        with self.sessions.begin() as session:
            return repo.set_paused(session, feed_id, paused, self.clock())

    # ---- polling ----

    async def poll_feeds(self, ids: Sequence[int] | None = None) -> list[PollResult]:
        """Poll the due feeds (or the feeds *ids*, due or not) once; one result per feed.

        Feeds another process is polling right now are skipped (and so left out).
        """
        with self.sessions.begin() as session:
            claimed = repo.claim_feeds(session, self.clock(), len(ids) if ids else POLL_BATCH,
                                       POLL_LEASE, ids=list(ids) if ids else None)
        if not claimed:
            return []
        async with self.fetcher() as fetcher:
            poller = FeedPoller(self.sessions, self.ingestor, fetcher, self.clock)
            return list(await asyncio.gather(*(poller.poll(feed) for feed in claimed)))

    # ---- OPML ----

    def import_opml(self, data: bytes, interval: int = DEFAULT_INTERVAL) -> list[ImportResult]:
        """Add every feed an OPML file lists (checked, not fetched: the first poll tells)."""
        try:
            listed = parse_opml(data)
        except FeedError as exc:
            raise FeedRefused(str(exc)) from None
        return [self._import_one(item, interval) for item in listed]

    def _import_one(self, item: OpmlFeed, interval: int) -> ImportResult:
        try:
            url = check_url(item.url, self.allow_private)
        except FetchError as exc:
            return ImportResult(item.url, "failed", error=str(exc))
        with self.sessions.begin() as session:
            feed, created = repo.add_feed(session, url, item.title, interval, self.clock())
        return ImportResult(url, "added" if created else "exists", feed.id)

    def export_opml(self) -> bytes:
        """Return every feed as an OPML 2.0 document."""
        feeds = [OpmlFeed(f.url, f.name) for f in self.list_feeds()]
        return render_opml(feeds, now=self.clock())

    async def fetch_page(self, url: str) -> Fetched:
        """Fetch one page (a link sent in chat) with the feeds' safety rules; FeedRefused if not."""
        try:
            async with self.fetcher() as fetcher:
                return await fetcher.get(check_url(url, self.allow_private), accept=PAGE_ACCEPT)
        except FetchError as exc:
            raise FeedRefused(str(exc)) from None


@dataclass(frozen=True, slots=True)
class LinkResult:
    """What a link sent in chat turned out to be, and what was done with it."""

    url: str
    kind: str  # feed | site | article
    feed_url: str | None = None  # the feed itself, or the one the page announces
    ingest: IngestResult | None = None  # the article loaded like an upload


async def load_link(service: FeedService, url: str, loaded_by: str | None = None) -> LinkResult:
    """Fetch a link: a feed or a site's home page is reported (to offer adding it as a feed),
    an article is loaded like an upload. FeedRefused when it cannot be fetched."""
    fetched = await service.fetch_page(url)
    if looks_like_feed(fetched.body):
        return LinkResult(fetched.url, "feed", fetched.url)
    announced = discover_feeds(fetched.body, fetched.url)
    feed_url = announced[0] if announced else None
    if feed_url and urlsplit(fetched.url).path in ("", "/"):
        return LinkResult(fetched.url, "site", feed_url)
    result = await asyncio.to_thread(service.ingestor.ingest_bytes, fetched.body, fetched.url,
                                     loaded_by=loaded_by)
    return LinkResult(fetched.url, "article", feed_url, result)
