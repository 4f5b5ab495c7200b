"""An in-memory window of recent stored items, by day, for story matching.

Story matching compares a new item with the stored items about the same countries within a few
days of it. Reading and decoding those from the database for every document was most of the
cost of ingest, so each day's items are loaded once, kept as arrays, and brought up to date by
reading only the rows stored since (ids above a high-water mark), which also picks up what
other processes stored. Memory is bounded by a row budget (least recently used days out
first), not by the store.

The window is a cache: a candidate it proposes is checked against the database before an item
is attached to its story, so items deleted meanwhile are never joined.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
from sqlalchemy.orm import Session

from news.similarity.batch import (
    FeatureMatrix,
    empty_matrix,
    feature_matrix,
    stack,
    take_rows,
    without_words,
    word_sets,
)
from news.similarity.features import StoryFeatures, minhash, signature_from_bytes, title_tokens
from news.similarity.word_index import (
    NAMESPACE_SHIFT,
    CodedSets,
    WordSets,
    coded,
    count_shared,
    merge_coded,
    merge_rows,
)
from storage.repositories.story_candidates import (
    matchable_items_after,
    matchable_items_of_day,
    max_item_id,
)

logger = logging.getLogger(__name__)

DAYS_AROUND = 2  # a story's reports come within two days of each other (same_story agrees)
# Days are kept while their items fit in this many rows (about 20 MB of arrays), least recently
# used out first. Documents arriving in date order touch a week at most, so a busy store keeps
# what it needs; a backfill in random date order keeps as many days as fit instead of reloading
# one from the database for every document. Memory is bounded by rows, not by the store.
MAX_ROWS_KEPT = 25_000
# A day no document has asked for in this many windows is dropped even when rows are free: in
# a store fed in date order, old days are never asked for again, so memory follows the few days
# in use rather than filling the budget. Reloading a day dropped too early costs one query.
IDLE_WINDOWS = 32
MAX_PARTS = 8  # encoded parts a day keeps before merging them into one
_NO_SIGNATURE = tuple(minhash(set()))  # for rows stored without one


@dataclass(slots=True)
class Entry:
    """One stored item as matching sees it."""

    id: int
    about: frozenset[str]
    features: StoryFeatures


@dataclass(slots=True)
class Window:
    """Stored items of one or several days as arrays, row i for item ids[i]."""

    ids: np.ndarray  # item ids
    matrix: FeatureMatrix
    # Per part, in row order: the rows' words and about-countries (on their day), coded.
    words: list[CodedSets]
    about: list[CodedSets]

    def candidates(self, about: WordSets, days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return (row, new item) pairs about a shared country within DAYS_AROUND days.

        The pairs come item by item, rows in order within an item.
        """
        # A country on each day around the item's is a word of its own: sharing one is being
        # about the same country near the same day.
        near = merge_rows([_on_days(about, days + n) for n in range(-DAYS_AROUND, DAYS_AROUND + 1)])
        # Pairs of the transposed mask come item by item; flatnonzero is cheaper than nonzero.
        flat = np.flatnonzero(count_shared(self.about, near).any(0).T)
        items, rows = np.divmod(flat, len(self.ids))
        return rows, items

    def rows(self, start: int, stop: int) -> Window:
        """Return a copy of rows start to stop of a one-part window (sharing its vocabularies)."""
        # Copies: a view would keep the whole encoded batch alive as long as any day holds it.
        return Window(self.ids[start:stop], take_rows(self.matrix, start, stop),
                      [self.words[0].rows(start, stop)], [self.about[0].rows(start, stop)])


def stack_windows(parts: list[Window]) -> Window:
    """Concatenate windows row-wise."""
    if not parts:
        return Window(np.zeros(0, dtype=np.int64), empty_matrix(), [], [])
    return Window(np.concatenate([p.ids for p in parts]), stack([p.matrix for p in parts]),
                  [w for p in parts for w in p.words], [a for p in parts for a in p.about])


def encode(entries: list[Entry], days: np.ndarray) -> Window:
    """Return *entries* as a one-part window, entry i stored on day days[i] (ordinal)."""
    matrix = feature_matrix([e.features for e in entries])
    about = _on_days(word_sets(e.about for e in entries), days)
    # The words are kept coded only: the matrix's own copy would be stacked for every window.
    return Window(np.array([e.id for e in entries], dtype=np.int64), without_words(matrix),
                  [coded(matrix.words)], [coded(about)])


@dataclass(slots=True)
class DayBucket:
    """The matchable items of one day: encoded parts, plus entries not yet encoded."""

    day: int  # ordinal
    last_used: int = 0  # the window() call that last asked for this day
    ids: set[int] = field(default_factory=set)
    pending: list[Entry] = field(default_factory=list)
    parts: list[Window] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.ids)

    def add(self, entry: Entry) -> None:
        """Add an entry unless it is already here."""
        if entry.id not in self.ids:
            self.ids.add(entry.id)
            self.pending.append(entry)

    def extend(self, part: Window) -> None:
        """Append encoded rows (the pending entries, in order)."""
        # Each document adds a few rows to several days: kept as parts, so earlier rows are
        # not copied every time, and merged now and then, so a window has few parts.
        self.parts.append(part)
        if len(self.parts) > MAX_PARTS:
            merged = stack_windows(self.parts)
            self.parts = [Window(merged.ids, merged.matrix, [merge_coded(merged.words)],
                                 [merge_coded(merged.about)])]


def _encode_pending(buckets: list[DayBucket]) -> None:
    """Encode the pending entries of all *buckets* at once and hand each its rows."""
    waiting = [b for b in buckets if b.pending]
    if not waiting:
        return
    # One encoding for all days: a document adds a few rows to each of several days, and
    # encoding costs mostly a fixed number of numpy calls.
    entries = [e for b in waiting for e in b.pending]
    days = np.repeat([b.day for b in waiting], [len(b.pending) for b in waiting])
    encoded, start = encode(entries, days), 0
    for bucket in waiting:
        stop = start + len(bucket.pending)
        bucket.extend(encoded.rows(start, stop) if len(waiting) > 1 else encoded)
        bucket.pending, start = [], stop


def _on_days(about: WordSets, days: np.ndarray) -> WordSets:
    """Return each row's countries as (day, country) words, the row's day given by *days*."""
    return WordSets(about.indices + (np.repeat(days, about.lengths) << NAMESPACE_SHIFT), about.indptr)


class StoryWindow:
    """Day buckets of recent items, loaded lazily and kept in step with the database."""

    def __init__(self, max_rows: int = MAX_ROWS_KEPT, idle_windows: int = IDLE_WINDOWS) -> None:
        self.max_rows = max_rows
        self.idle_windows = idle_windows
        self._calls = 0  # window() calls so far, the clock of idle days
        self.lock = threading.Lock()  # the bot ingests uploads in worker threads
        self._days: OrderedDict[date, DayBucket] = OrderedDict()
        self._high_water: int | None = None

    def refresh(self, session: Session) -> None:
        """Read what was stored since the last look into the days already loaded."""
        if self._high_water is None:
            self._high_water = max_item_id(session)
            return
        for row, codes, about in matchable_items_after(session, self._high_water):
            self._high_water = max(self._high_water, row.id)
            bucket = self._days.get(_day_of(row))
            if bucket is not None and row.id not in bucket.ids:
                bucket.add(_entry(row, codes, about))

    def window(self, session: Session, days: set[date]) -> Window:
        """Return the stored items within DAYS_AROUND days of any of *days*."""
        wanted = sorted({d + timedelta(days=n) for d in days
                         for n in range(-DAYS_AROUND, DAYS_AROUND + 1)})
        self._calls += 1
        buckets = [self._bucket(session, day) for day in wanted]
        self._evict(keep=len(wanted))
        _encode_pending(buckets)
        return stack_windows([part for bucket in buckets for part in bucket.parts])

    def remember(self, entries: list[tuple[date, Entry]], first_id: int, count: int) -> None:
        """Add items just stored here (*count* ids from *first_id*) without reading them back."""
        for day, entry in entries:
            bucket = self._days.get(day)
            if bucket is not None:
                bucket.add(entry)
        # Skip ahead only when our ids follow on without a gap: then nothing else was stored
        # meanwhile. Otherwise refresh reads the range (and skips what is already here).
        if self._high_water is not None and first_id == self._high_water + 1:
            self._high_water = first_id + count - 1

    def __len__(self) -> int:
        """Return how many stored items the window holds."""
        return sum(len(bucket) for bucket in self._days.values())

    def forget(self) -> None:
        """Drop everything held, so the next window reads the database afresh."""
        self._days.clear()
        self._high_water = None

    def _bucket(self, session: Session, day: date) -> DayBucket:
        bucket = self._days.get(day)
        if bucket is not None:
            self._days.move_to_end(day)
            bucket.last_used = self._calls
            return bucket
        bucket = DayBucket(day.toordinal(), self._calls)
        for row, codes, about in matchable_items_of_day(session, day):
            bucket.add(_entry(row, codes, about))
        self._days[day] = bucket
        return bucket

    def _evict(self, keep: int) -> None:
        """Drop idle days, then the least recently used until the rest fit; keep the *keep* newest."""
        days = self._days  # least recently used first
        while len(days) > keep and next(iter(days.values())).last_used < self._calls - self.idle_windows:
            days.popitem(last=False)
        rows = sum(len(bucket) for bucket in days.values())
        while rows > self.max_rows and len(days) > keep:
            rows -= len(days.popitem(last=False)[1])


def _day_of(row) -> date:
    return row.published or row.loaded_at.date()


def _entry(row, codes: tuple[str, ...], about: frozenset[str]) -> Entry:
    features = StoryFeatures(
        title_tokens=title_tokens(row.title),
        signature=signature_from_bytes(row.signature) if row.signature else _NO_SIGNATURE,
        published=row.published,
        countries=codes,
        keywords=frozenset((row.keywords or "").split()),
    )
    return Entry(row.id, about, features)
