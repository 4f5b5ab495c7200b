"""Write a matched document's items, stories and countries in a few batched statements.

Several writers at once (processes on one PostgreSQL database) must never fail a document on a
deadlock. A transaction writes several documents, a savepoint each, and an item joining a
stored story bumps the story's row (item count, newest date). Bumped document by document, two
transactions joining the same stories in different orders would each wait for the other. So a
document only notes the counts (session.info) and the transaction writes them all just before
it commits, in story id order: every writer locks story rows in one order, and only briefly.
A savepoint the server still picks to break a deadlock (some other lock, another program) is
rolled back and written again, a few times (document_savepoints).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, SessionTransaction

from news.enrich import EnrichedItem
from news.similarity.events import EventTerms
from storage.dialect import dialect_of
from storage.ingest.stories import Decision
from storage.repositories.items import (
    insert_item_countries,
    insert_items,
    link_duplicates,
)
from storage.repositories.stories import add_to_stories, create_stories, move_story_items
from storage.repositories.story_candidates import merge_band_keys

logger = logging.getLogger(__name__)

ATTEMPTS = 4  # per document: the first write and three more after a broken deadlock
_COUNTS = "briefbot.story_counts"  # session.info key of the transaction's _StoryCounts


@dataclass(slots=True)
class _StoryCounts:
    """Items a transaction added to stories stored before it, written at its commit."""

    added: dict[int, tuple[int, date | None]] = field(default_factory=dict)  # (n, newest date)
    now: datetime | None = None

    def add(self, story: int, published: object, now: datetime) -> None:
        n, newest = self.added.get(story, (0, None))
        self.added[story] = (n + 1, _later(newest, published))
        self.now = now if self.now is None else max(self.now, now)

    def move(self, story: int, into: int, moved: int, newest: date | None, now: datetime) -> None:
        """Count the *moved* items of *story* (newest date *newest*) into story *into* instead.

        *moved* includes what this transaction added to *story* (not counted in its row yet):
        *into* gains them all, and *story* loses those its row counted.
        """
        n, mine = self.added.pop(story, (0, None))
        m, theirs = self.added.get(into, (0, None))
        self.added[into] = (m + moved, _later(_later(theirs, mine), newest))
        self.added[story] = (n - moved, None)
        self.now = now if self.now is None else max(self.now, now)

    def copy(self) -> _StoryCounts:
        return _StoryCounts(dict(self.added), self.now)


class _Savepoint:
    """One attempt at writing a document: a savepoint, rolled back with its story counts."""

    def __init__(self, session: Session, last: bool) -> None:
        self.session, self.last, self.done = session, last, False

    def __enter__(self) -> _Savepoint:
        self._counts = _story_counts(self.session).copy()
        self._nested = self.session.begin_nested()
        return self

    def __exit__(self, kind: type | None, exc: BaseException | None, _tb: object) -> bool:
        if exc is None:
            self._nested.commit()
            self.done = True
            return False
        self._nested.rollback()
        self.session.info[_COUNTS] = self._counts  # the document's counts go with it
        if self.last or not isinstance(exc, DBAPIError):
            return False
        if not dialect_of(self.session).worth_retrying(exc):
            return False
        logger.warning("the database broke a deadlock with this document: writing it again")
        return True  # swallowed: document_savepoints runs the block again


def document_savepoints(session: Session) -> Iterator[_Savepoint]:
    """Yield attempts at one document's write: `for a in document_savepoints(s): with a: ...`.

    The block runs once in a savepoint; when the database broke a deadlock (or a
    serialization conflict) with it, it is rolled back and runs again, at most ATTEMPTS times,
    after a short random pause that lets the other transaction finish first.
    """
    for attempt in range(1, ATTEMPTS + 1):
        savepoint = _Savepoint(session, last=attempt == ATTEMPTS)
        yield savepoint
        if savepoint.done:
            return
        time.sleep(random.uniform(0.02, 0.1) * attempt)


def write_items(session: Session, document_id: int, items: list[EnrichedItem],
                decisions: list[Decision], now: datetime) -> list[tuple[int, int]]:
    """Store *items* of document *document_id* as *decisions* say; return (id, story) pairs."""
    story_of = _stories(session, items, decisions, now)
    rows = [dict(item.row, document_id=document_id, story_id=story, duplicate_of_id=d.duplicate_of_id)
            for item, story, d in zip(items, story_of, decisions, strict=True)]
    ids = insert_items(session, rows)
    _merge(session, decisions, now)
    link_duplicates(session, _copies_within(decisions, ids))
    insert_item_countries(session, [
        (item_id, t.code, t.mentions, t.about, t.score, rank)
        for item_id, item in zip(ids, items, strict=True) for rank, t in enumerate(item.countries)])
    merge_band_keys(session)  # now and then: see migration 0006
    return list(zip(ids, story_of, strict=True))


def matchable(items: list[EnrichedItem], decisions: list[Decision],
              stored: list[tuple[int, int]]) -> list[tuple[int, EventTerms, str]]:
    """Return the stored originals (not copies) as (story id, event terms, encoded), for the story window."""
    return [(story_id, item.match.terms, str(item.row["event_terms"]))
            for item, d, (_, story_id) in zip(items, decisions, stored, strict=True)
            if d.duplicate_of_id is None and d.same_as is None]


def merges(decisions: list[Decision]) -> list[tuple[int, int]]:
    """Return the (story, absorbed story) pairs a document's decisions merged, for the story window."""
    return list(dict.fromkeys((d.story_id, other) for d in decisions if d.story_id is not None
                              for other in d.absorbs))


def _merge(session: Session, decisions: list[Decision], now: datetime) -> None:
    """Merge the stories the items showed to be one event; their counts are written anew."""
    pairs = merges(decisions)
    if not pairs:
        return
    counts = _story_counts(session)
    for into, other in pairs:
        moved, newest = move_story_items(session, other, into)
        counts.move(other, into, moved, newest, now)


def _stories(session: Session, items: list[EnrichedItem], decisions: list[Decision],
             now: datetime) -> list[int]:
    """Create the new stories and count the others' new items; return each item's story id."""
    starters = [j for j, d in enumerate(decisions) if not d.joins]
    created = create_stories(session, [
        {"title": str(items[j].row["title"])[:500], "published": items[j].row["published"],
         "first_seen": now, "updated_at": now, "item_count": 1} for j in starters])
    story_of: list[int] = [d.story_id or 0 for d in decisions]
    for j, story_id in zip(starters, created, strict=True):
        story_of[j] = story_id
    counts = _story_counts(session)
    for j, d in enumerate(decisions):
        if d.same_as is not None:
            story_of[j] = story_of[d.same_as]
        if d.joins:
            counts.add(story_of[j], items[j].row["published"], now)
    return story_of


def _story_counts(session: Session) -> _StoryCounts:
    counts = session.info.get(_COUNTS)
    if counts is None:
        counts = session.info[_COUNTS] = _StoryCounts()
    return counts


@event.listens_for(Session, "before_commit")
def _write_story_counts(session: Session) -> None:
    """Bump the stories the transaction's items joined, in id order, as it commits."""
    if session.in_nested_transaction():  # a savepoint's release: the transaction goes on
        return
    counts = session.info.pop(_COUNTS, None)
    if counts is not None and counts.added:
        add_to_stories(session, counts.added, counts.now)


@event.listens_for(Session, "after_transaction_end")
def _forget_story_counts(session: Session, transaction: SessionTransaction) -> None:
    """Drop the counts of a transaction rolled back as a whole."""
    if transaction.parent is None:
        session.info.pop(_COUNTS, None)


def _copies_within(decisions: list[Decision], ids: list[int]) -> dict[int, int]:
    """Map items repeating an earlier item of the same document to that item's original."""
    links = {}
    for j, d in enumerate(decisions):
        if d.same_as is not None:
            first = decisions[d.same_as]
            links[ids[j]] = first.duplicate_of_id or ids[d.same_as]
    return links


def _later(a: date | None, b: object) -> date | None:
    if not isinstance(b, date):
        return a
    return b if a is None or b > a else a
