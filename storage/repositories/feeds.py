"""Feeds and their entries: adding, listing, claiming due feeds, recording polls and entries.

Several `briefbot run` processes (and `briefbot feeds poll` from cron) may share the feeds:
a feed is claimed for polling with a lease (`next_poll_at` pushed forward) in one UPDATE
whose candidate SELECT skips rows another transaction is claiming (`FOR UPDATE SKIP LOCKED`
on PostgreSQL, the write lock on SQLite; both in `storage.dialect`), as the outbox does.
Sessions are opened and committed by the caller.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime, timedelta

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from storage.clock import as_utc
from storage.dialect import dialect_of
from storage.models import Feed, FeedEntry
from storage.records import FeedRecord
from storage.repositories.documents import delete_documents

logger = logging.getLogger(__name__)

_FEED_COLUMNS = [Feed.__table__.c[f.name] for f in fields(FeedRecord) if f.name != "items"]
_DATES = ("next_poll_at", "last_polled_at", "last_success_at", "failing_since", "created_at")


@dataclass(frozen=True, slots=True)
class KnownEntry:
    """An entry this feed delivered before: its content then, and the document it became."""

    content_hash: str
    document_id: int | None


@dataclass(frozen=True, slots=True)
class EntryRow:
    """What a poll records about one entry."""

    entry_key: str
    link_hash: str | None
    content_hash: str
    document_id: int | None
    error: str | None = None


def _record(row, items: int = 0) -> FeedRecord:
    values = dict(zip((c.name for c in _FEED_COLUMNS), row, strict=False))
    for name in _DATES:
        if values.get(name) is not None:
            values[name] = as_utc(values[name])
    return FeedRecord(**values, items=items)


def add_feed(session: Session, url: str, name: str | None, interval_seconds: int,
             now: datetime) -> tuple[FeedRecord, bool]:
    """Add a feed due now; return (the feed, True), or (the feed already there, False)."""
    known = feed_by_url(session, url)
    if known is not None:
        return known, False
    stmt = insert(Feed).values(url=url, name=name, interval_seconds=interval_seconds,
                               paused=False, next_poll_at=as_utc(now), failures=0, polls=0,
                               created_at=as_utc(now)).returning(*_FEED_COLUMNS)
    return _record(session.execute(stmt).one()), True


def feed_by_url(session: Session, url: str) -> FeedRecord | None:
    """Return the feed with this URL, if any."""
    row = session.execute(select(*_FEED_COLUMNS).where(Feed.url == url)).first()
    return _record(row) if row else None


def feed_by_id(session: Session, feed_id: int) -> FeedRecord | None:
    """Return the feed with this id, if any."""
    row = session.execute(select(*_FEED_COLUMNS).where(Feed.id == feed_id)).first()
    return _record(row) if row else None


def list_feeds(session: Session) -> list[FeedRecord]:
    """Return every feed, oldest first, with how many entries each loaded."""
    loaded = (select(FeedEntry.feed_id, func.count().label("n"))
              .where(FeedEntry.document_id.is_not(None)).group_by(FeedEntry.feed_id).subquery())
    stmt = (select(*_FEED_COLUMNS, func.coalesce(loaded.c.n, 0))
            .outerjoin(loaded, loaded.c.feed_id == Feed.id).order_by(Feed.id))
    return [_record(row[:-1], row[-1]) for row in session.execute(stmt)]


def remove_feed(session: Session, feed_id: int) -> bool:
    """Delete a feed and its entry list (the documents it loaded stay); tell if it existed."""
    session.execute(delete(FeedEntry).where(FeedEntry.feed_id == feed_id))
    return session.execute(delete(Feed).where(Feed.id == feed_id)).rowcount == 1


def set_paused(session: Session, feed_id: int, paused: bool, now: datetime) -> bool:
    """Pause or resume a feed (a resumed one is due now); tell if it exists."""
    values: dict = {"paused": paused}
    if not paused:
        values["next_poll_at"] = as_utc(now)
    return session.execute(update(Feed).where(Feed.id == feed_id).values(**values)).rowcount == 1


def claim_feeds(session: Session, now: datetime, limit: int, lease: timedelta,
                ids: Sequence[int] | None = None) -> list[FeedRecord]:
    """Lease due, active feeds (or the feeds *ids*, due or not) to the caller; commit right after."""
    now = as_utc(now)
    candidates = select(Feed.id).order_by(Feed.next_poll_at, Feed.id).limit(limit)
    if ids is None:
        candidates = candidates.where(Feed.paused.is_(False), Feed.next_poll_at <= now)
    else:
        candidates = candidates.where(Feed.id.in_(list(ids)))
    candidates = dialect_of(session).skip_locked(candidates, of=Feed)
    claimed = session.execute(
        update(Feed).where(Feed.id.in_(candidates.scalar_subquery()))
        .values(next_poll_at=now + lease, last_polled_at=now, polls=Feed.polls + 1)
        .returning(*_FEED_COLUMNS).execution_options(synchronize_session=False))
    return sorted((_record(row) for row in claimed), key=lambda f: f.id)


def next_due_at(session: Session) -> datetime | None:
    """Return when the next active feed is due (None: no active feed)."""
    due = session.scalar(select(func.min(Feed.next_poll_at)).where(Feed.paused.is_(False)))
    return as_utc(due) if due is not None else None


def record_success(session: Session, feed_id: int, now: datetime, next_poll_at: datetime,
                   etag: str | None, last_modified: str | None) -> None:
    """Record a poll that worked (new entries or not modified): errors cleared."""
    session.execute(update(Feed).where(Feed.id == feed_id).values(
        last_success_at=as_utc(now), next_poll_at=as_utc(next_poll_at), etag=etag,
        last_modified=last_modified, last_error=None, error_kind=None, failing_since=None,
        failures=0))


def record_failure(session: Session, feed_id: int, now: datetime, next_poll_at: datetime,
                   error: str, kind: str) -> None:
    """Record a failed poll: its reason, one more consecutive failure, when to try again."""
    session.execute(update(Feed).where(Feed.id == feed_id).values(
        last_error=error[:2000], error_kind=kind[:32], failures=Feed.failures + 1,
        failing_since=func.coalesce(Feed.failing_since, as_utc(now)),
        next_poll_at=as_utc(next_poll_at)))


def known_entries(session: Session, feed_id: int, keys: Iterable[str]) -> dict[str, KnownEntry]:
    """Return the entries of this feed among *keys* that were seen before."""
    keys = list(keys)
    if not keys:
        return {}
    stmt = (select(FeedEntry.entry_key, FeedEntry.content_hash, FeedEntry.document_id)
            .where(FeedEntry.feed_id == feed_id, FeedEntry.entry_key.in_(keys)))
    return {key: KnownEntry(content, doc) for key, content, doc in session.execute(stmt)}


def loaded_anywhere(session: Session, link_hashes: Iterable[str],
                    content_hashes: Iterable[str]) -> tuple[set[str], set[str]]:
    """Return which links and which contents some feed already loaded as a document."""
    links, contents = list(set(link_hashes)), list(set(content_hashes))
    loaded = FeedEntry.document_id.is_not(None)
    found_links = set(session.scalars(select(FeedEntry.link_hash).where(
        loaded, FeedEntry.link_hash.in_(links)))) if links else set()
    found_contents = set(session.scalars(select(FeedEntry.content_hash).where(
        loaded, FeedEntry.content_hash.in_(contents)))) if contents else set()
    return found_links, found_contents


def record_entries(session: Session, feed_id: int, rows: Sequence[EntryRow],
                   now: datetime) -> None:
    """Remember these entries of a feed (replacing what was known of the same entries)."""
    if not rows:
        return
    session.execute(delete(FeedEntry).where(FeedEntry.feed_id == feed_id,
                                            FeedEntry.entry_key.in_([r.entry_key for r in rows])))
    session.execute(insert(FeedEntry), [
        {"feed_id": feed_id, "entry_key": r.entry_key, "link_hash": r.link_hash,
         "content_hash": r.content_hash, "document_id": r.document_id,
         "error": r.error and r.error[:2000], "seen_at": as_utc(now)} for r in rows])


def drop_documents(session: Session, document_ids: Sequence[int], now: datetime) -> int:
    """Delete the documents of entries' previous versions, unless another entry still has one."""
    ids = [i for i in document_ids if i is not None]
    if ids:
        shared = set(session.scalars(select(FeedEntry.document_id).where(
            FeedEntry.document_id.in_(ids))))
        ids = [i for i in ids if i not in shared]
    return len(delete_documents(session, ids, now).documents) if ids else 0


@dataclass(frozen=True, slots=True)
class FeedHealth:
    """Store-wide feed figures for /metrics and /healthz."""

    active: int
    paused: int
    failing: int
    polls: int  # polls of all feeds, all time
    entries_loaded: int
    failures_by_kind: dict[str, int]
    oldest_success: datetime | None  # the active feed whose last success is the oldest
    failing_since: list[tuple[int, str, datetime]]  # (id, url, since) of failing feeds


def feed_health(session: Session) -> FeedHealth:
    """Return the feed figures /metrics and /healthz show."""
    active, paused, polls, oldest = session.execute(select(
        func.count().filter(Feed.paused.is_(False)), func.count().filter(Feed.paused.is_(True)),
        func.coalesce(func.sum(Feed.polls), 0),
        func.min(Feed.last_success_at).filter(Feed.paused.is_(False)))).one()
    kinds = dict(session.execute(select(Feed.error_kind, func.count()).where(
        Feed.error_kind.is_not(None)).group_by(Feed.error_kind)).all())
    loaded = session.scalar(select(func.count()).select_from(FeedEntry)
                            .where(FeedEntry.document_id.is_not(None)))
    failing = [(i, url, as_utc(since)) for i, url, since in session.execute(
        select(Feed.id, Feed.url, Feed.failing_since).where(
            Feed.failing_since.is_not(None), Feed.paused.is_(False)).order_by(Feed.failing_since))]
    return FeedHealth(active or 0, paused or 0, len(failing), int(polls), loaded or 0, kinds,
                      as_utc(oldest) if oldest is not None else None, failing)
