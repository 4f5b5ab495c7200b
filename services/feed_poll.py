"""One poll of one feed: fetch (conditionally), parse, find new or changed entries, load them.

Feed bytes are parsed in a worker process (feedparser leaks memory on some feeds, and a
hostile feed costs that process, not the bot); the pool is replaced after about
`PARSES_PER_WORKER` feeds per worker. At most `PARSE_WORKERS` parses are handed to the
pool at a time, so a parse's timeout counts from its start, not from its place in the queue. New entries are rendered as article pages (news.feeds) and
loaded through the one Ingestor, one feed at a time, in a thread: the event loop keeps
fetching other feeds meanwhile. An entry that carries only a teaser gets its linked page
fetched and read by the same reader uploads use.

Entry identity: a feed's entry is its GUID, else its link, else its content. A known entry
with the same content adds nothing; a changed one is loaded again (joining its story) and
its previous document deleted as `briefbot documents rm` does (its stories recounted). An
entry some other feed already loaded (same link or same content) adds nothing either.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import multiprocessing
import threading
import weakref
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from news.extract.readers import read_bytes
from news.feeds import (
    FeedEntry,
    FeedError,
    ParsedFeed,
    entry_document,
    parse_feed,
    plain_text,
    text_as_html,
)
from news.types import IngestError
from services.fetch import PAGE_ACCEPT, Fetched, Fetcher, FetchError
from storage.ingest.pipeline import Ingestor, IngestResult
from storage.records import FeedRecord
from storage.repositories import feeds as repo

logger = logging.getLogger(__name__)

PARSE_TIMEOUT = 120.0  # s for one feed document in the worker
PARSES_PER_WORKER = 200
PARSE_WORKERS = 2
BACKOFF_CAP = timedelta(hours=12)
PAGES_PER_POLL = 100  # teaser pages fetched per feed and poll; the rest wait for the next one

NEW, UNCHANGED, FAILED = "new", "unchanged", "failed"


@dataclass(slots=True)
class PollResult:
    """What one poll of one feed did."""

    id: int
    url: str
    status: str  # new | unchanged | failed
    items: int = 0  # items stored from new or changed entries
    entries: int = 0  # entries loaded as documents
    error: str | None = None
    kind: str | None = None  # the failure's short reason, for metrics
    entry_errors: list[str] = field(default_factory=list)  # entries that failed alone

    def as_json(self) -> dict[str, object]:
        """Return the stable JSON shape scripts rely on."""
        return {"id": self.id, "url": self.url, "status": self.status, "items": self.items,
                "error": self.error}


# ---- parsing in a worker process ----

_pool: ProcessPoolExecutor | None = None
_pool_parses = 0  # parses handed to the current pool
_pool_lock = threading.Lock()
# Parses running per event loop (the bot's, or each `asyncio.run` of the CLI).
_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary())


def _parse_pool() -> ProcessPoolExecutor:
    """Return the pool for the next parse, a fresh one after PARSES_PER_WORKER per worker.

    Not `max_tasks_per_child`: up to Python 3.13, a pool whose worker exits at that limit can
    stop running the tasks queued behind it (CPython gh-115634), and every one then times out.
    """
    global _pool, _pool_parses
    with _pool_lock:
        if _pool is not None and _pool_parses >= PARSES_PER_WORKER * PARSE_WORKERS:
            _pool.shutdown(wait=False)  # the parses it holds still finish; then its workers exit
            _pool = None
        if _pool is None:
            # spawn: forking a process that runs threads (and an event loop) is unsafe.
            _pool = ProcessPoolExecutor(PARSE_WORKERS, mp_context=multiprocessing.get_context("spawn"))
            _pool_parses = 0
        _pool_parses += 1
        return _pool


def _parse_slot() -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()
    slot = _slots.get(loop)
    if slot is None:
        slot = _slots[loop] = asyncio.Semaphore(PARSE_WORKERS)
    return slot


def shutdown_parse_pool() -> None:
    """Stop the parsing workers (they start again on the next parse)."""
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=False, cancel_futures=True)


async def parse_in_worker(fetched: Fetched) -> ParsedFeed:
    """Parse a fetched feed in a worker process; FeedError when it is not a usable feed."""
    loop = asyncio.get_running_loop()
    async with _parse_slot():  # queued here, so the timeout below counts the parse alone
        pool = _parse_pool()
        future = loop.run_in_executor(pool, _parse, fetched.body, fetched.url,
                                      fetched.content_type)
        try:
            return await asyncio.wait_for(future, PARSE_TIMEOUT)
        except TimeoutError:
            _retire(pool)  # its worker is stuck on this feed: later parses go to a fresh pool
            raise FeedError(f"the feed took over {PARSE_TIMEOUT:g} s to parse") from None
        except BrokenProcessPool:
            _retire(pool)  # a worker died (out of memory, killed): start afresh next time
            raise FeedError("the feed parser crashed on this feed") from None


def _retire(pool: ProcessPoolExecutor) -> None:
    """Stop handing parses to *pool* (unless it was replaced already)."""
    global _pool
    with _pool_lock:
        if _pool is not pool:
            return
        _pool = None
    pool.shutdown(wait=False)  # another parse it still holds ends as it would have


def _parse(data: bytes, url: str, content_type: str | None) -> ParsedFeed:
    return parse_feed(data, url=url, content_type=content_type)


# ---- one poll ----


def next_poll_after_failure(feed: FeedRecord, now: datetime, retry_after: float | None) -> datetime:
    """Return when to try a failing feed again: its interval doubled per failure, capped."""
    delay = min(timedelta(seconds=feed.interval_seconds) * 2 ** min(feed.failures, 20), BACKOFF_CAP)
    if retry_after is not None:
        delay = max(delay, timedelta(seconds=retry_after))
    return now + delay


@dataclass(slots=True)
class _Pending:
    entry: FeedEntry
    key: str
    link_hash: str | None
    content_hash: str
    replaces: int | None  # the document of the entry's previous version
    body_html: str | None = None


class FeedPoller:
    """Polls feeds with one Fetcher and loads their entries with one Ingestor."""

    def __init__(self, sessions: sessionmaker[Session], ingestor: Ingestor, fetcher: Fetcher,
                 clock: Callable[[], datetime]) -> None:
        self.sessions = sessions
        self.ingestor = ingestor
        self.fetcher = fetcher
        self.clock = clock
        self._ingest_lock = asyncio.Lock()  # one feed's entries at a time through the Ingestor

    async def poll(self, feed: FeedRecord) -> PollResult:
        """Poll one claimed feed and record the outcome; never raises for a bad feed."""
        try:
            result = await self._poll(feed)
        except (FetchError, FeedError) as exc:
            kind = getattr(exc, "kind", "not_a_feed")
            wait = getattr(exc, "retry_after", None)
            now = self.clock()
            await asyncio.to_thread(self._write, repo.record_failure, feed.id, now,
                                    next_poll_after_failure(feed, now, wait), str(exc), kind)
            logger.info("feed %d %s failed: %s", feed.id, feed.url, exc)
            return PollResult(feed.id, feed.url, FAILED, error=str(exc), kind=kind)
        return result

    async def _poll(self, feed: FeedRecord) -> PollResult:
        fetched = await self.fetcher.get(feed.url, etag=feed.etag, last_modified=feed.last_modified)
        result = PollResult(feed.id, feed.url, UNCHANGED)
        if not fetched.not_modified:
            parsed = await parse_in_worker(fetched)
            await self._load(feed, parsed, result)
        now = self.clock()
        # A 304 may leave out the validators: keep the ones we have.
        await asyncio.to_thread(self._write, repo.record_success, feed.id, now,
                                now + timedelta(seconds=feed.interval_seconds),
                                fetched.etag or feed.etag, fetched.last_modified or feed.last_modified)
        return result

    def _write(self, function: Callable, *args: object) -> None:
        with self.sessions.begin() as session:
            function(session, *args)

    async def _load(self, feed: FeedRecord, parsed: ParsedFeed, result: PollResult) -> None:
        pending = await asyncio.to_thread(self._new_entries, feed.id, parsed.entries)
        pending = await self._fetch_pages(pending)
        if not pending:
            return
        source = feed.name or parsed.title
        async with self._ingest_lock:  # until recorded: feeds polled alongside see these entries
            # Again under the lock: a feed polled alongside may have just loaded the same link.
            pending = await asyncio.to_thread(self._not_loaded_elsewhere, pending)
            documents = [(entry_document(p.entry, p.entry.source or source, p.body_html),
                          _document_name(feed, p.entry)) for p in pending]
            outcomes = await asyncio.to_thread(
                lambda: list(self.ingestor.ingest_documents(documents, loaded_by=f"feed:{feed.id}")))
            rows = [self._entry_row(p, outcome, result) for p, outcome in
                    zip(pending, outcomes, strict=True)]
            replaced = [p.replaces for p, r in zip(pending, rows, strict=True)
                        if p.replaces is not None and r.document_id not in (None, p.replaces)]
            await asyncio.to_thread(self._record, feed.id, rows, replaced)
        if result.entries:
            result.status = NEW

    @staticmethod
    def _entry_row(p: _Pending, outcome: IngestResult, result: PollResult) -> repo.EntryRow:
        """Count an entry's outcome into *result*; return what to remember of the entry."""
        if outcome.status == "loaded":
            result.items += outcome.items
            result.entries += 1
        elif outcome.status == "failed":
            result.entry_errors.append(f"{p.entry.link or p.entry.title[:60]}: {outcome.error}")
        loaded = outcome.status in ("loaded", "duplicate") and outcome.document_id is not None
        return repo.EntryRow(p.key, p.link_hash, p.content_hash,
                             outcome.document_id if loaded else None, outcome.error)

    def _new_entries(self, feed_id: int, entries: list[FeedEntry]) -> list[_Pending]:
        """Return the entries that are new to this feed or changed, and not loaded elsewhere."""
        unique: dict[str, _Pending] = {}
        for entry in entries:
            link_hash = _sha(entry.link) if entry.link else None
            unique.setdefault(entry.key, _Pending(entry, entry.key, link_hash, entry.content_hash, None))
        with self.sessions() as session:
            known = repo.known_entries(session, feed_id, unique)
        pending = []
        for key, p in unique.items():
            if key in known:
                if known[key].content_hash == p.content_hash:
                    continue  # seen, unchanged
                p.replaces = known[key].document_id
            pending.append(p)
        return self._not_loaded_elsewhere(pending)

    def _not_loaded_elsewhere(self, pending: list[_Pending]) -> list[_Pending]:
        """Drop the new entries another feed already loaded (same link or same content)."""
        fresh = [p for p in pending if p.replaces is None]
        if not fresh:
            return pending
        with self.sessions() as session:
            links, contents = repo.loaded_anywhere(
                session, [p.link_hash for p in fresh if p.link_hash], [p.content_hash for p in fresh])
        return [p for p in pending if p.replaces is not None
                or (p.link_hash not in links and p.content_hash not in contents)]

    async def _fetch_pages(self, pending: list[_Pending]) -> list[_Pending]:
        """Fetch the linked article of teaser entries; defer those past the per-poll budget."""
        teasers = [p for p in pending if p.entry.is_teaser and p.entry.link]
        deferred = {id(p) for p in teasers[PAGES_PER_POLL:]}
        await asyncio.gather(*(self._fetch_page(p) for p in teasers[:PAGES_PER_POLL]))
        return [p for p in pending if id(p) not in deferred]

    async def _fetch_page(self, p: _Pending) -> None:
        try:
            page = await self.fetcher.get(p.entry.link, accept=PAGE_ACCEPT)
            text = (await asyncio.to_thread(read_bytes, page.body, page.url)).text
        except (FetchError, IngestError) as exc:
            logger.info("article %s not fetched, keeping the feed's teaser: %s", p.entry.link, exc)
            return
        if len(text) > len(plain_text(p.entry.html)):
            p.body_html = text_as_html(text)

    def _record(self, feed_id: int, rows: list[repo.EntryRow], replaced: list[int]) -> None:
        with self.sessions.begin() as session:
            repo.record_entries(session, feed_id, rows, self.clock())
            repo.drop_documents(session, replaced, self.clock())


def _document_name(feed: FeedRecord, entry: FeedEntry) -> str:
    return (entry.link or f"{feed.url}#{entry.key[:12]}")[:500]


def _sha(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()
