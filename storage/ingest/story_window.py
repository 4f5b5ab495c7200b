"""An in-memory window of recent stored items, by day, for story matching.

Story matching compares a new item with the stored items about the same countries within a few
days of it. Reading and decoding those from the database for every document was most of the
cost of ingest, so each day's items are loaded once, kept as arrays, and brought up to date by
reading only the rows stored since (ids above a high-water mark), which also picks up what
other processes stored. Memory is bounded by the number of days kept, not by the store.

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

from briefs.similarity import StoryFeatures, minhash, signature_from_bytes, title_tokens
from briefs.similarity_batch import (
    FeatureMatrix,
    WordSets,
    empty_matrix,
    feature_matrix,
    shared_words,
    stack,
    stack_sets,
    word_sets,
)
from storage.repositories.story_candidates import (
    matchable_items_after,
    matchable_items_of_day,
    max_item_id,
)

logger = logging.getLogger(__name__)

DAYS_AROUND = 2  # a story's reports come within two days of each other (same_story agrees)
MAX_DAYS_KEPT = 40
_NO_SIGNATURE = tuple(minhash(set()))  # for rows stored without one


@dataclass(slots=True)
class Entry:
    """One stored item as matching sees it."""

    id: int
    about: frozenset[str]
    features: StoryFeatures


@dataclass(slots=True)
class DayBucket:
    """The matchable items of one day: arrays, plus entries not yet encoded into them."""

    ids: set[int] = field(default_factory=set)
    _pending: list[Entry] = field(default_factory=list)
    _item_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    _matrix: FeatureMatrix | None = None
    _about: WordSets | None = None

    def __len__(self) -> int:
        return len(self.ids)

    def add(self, entry: Entry) -> None:
        """Add an entry unless it is already here."""
        if entry.id not in self.ids:
            self.ids.add(entry.id)
            self._pending.append(entry)

    def arrays(self) -> tuple[np.ndarray, FeatureMatrix, WordSets]:
        """Return item ids, features and about-countries as arrays, encoding new entries."""
        if self._pending or self._matrix is None or self._about is None:
            # Only the arrays are kept: Python sets and tuples per item would cost kilobytes.
            fresh, self._pending = self._pending, []
            matrix = feature_matrix([e.features for e in fresh])
            about = word_sets(e.about for e in fresh)
            ids = np.array([e.id for e in fresh], dtype=np.int64)
            if self._matrix is not None and self._about is not None:
                matrix = stack([self._matrix, matrix])
                about = stack_sets([self._about, about])
                ids = np.concatenate([self._item_ids, ids])
            self._item_ids, self._matrix, self._about = ids, matrix, about
        return self._item_ids, self._matrix, self._about


@dataclass(slots=True)
class Window:
    """Stored items of several days as one set of arrays, row i for item ids[i]."""

    ids: np.ndarray  # item ids
    matrix: FeatureMatrix
    about: WordSets  # the countries each row is about
    days: np.ndarray  # each row's day (ordinal): its date, or its load date when undated

    def candidates(self, about: WordSets, days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return (row, new item) pairs about a shared country within DAYS_AROUND days."""
        near = np.abs(self.days[:, None] - days[None, :]) <= DAYS_AROUND
        return np.nonzero(near & (shared_words(self.about, about) > 0))


class StoryWindow:
    """Day buckets of recent items, loaded lazily and kept in step with the database."""

    def __init__(self, max_days: int = MAX_DAYS_KEPT) -> None:
        self.max_days = max_days
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
        ids, matrices, abouts, day_rows = [], [], [], []
        for day in wanted:
            bucket = self._bucket(session, day)
            if len(bucket):
                bucket_ids, matrix, about = bucket.arrays()
                ids.append(bucket_ids)
                matrices.append(matrix)
                abouts.append(about)
                day_rows.append(np.full(len(bucket_ids), day.toordinal(), dtype=np.int64))
        if not ids:
            return Window(np.zeros(0, dtype=np.int64), empty_matrix(), word_sets([]),
                          np.zeros(0, dtype=np.int64))
        return Window(np.concatenate(ids), stack(matrices), stack_sets(abouts),
                      np.concatenate(day_rows))

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

    def _bucket(self, session: Session, day: date) -> DayBucket:
        bucket = self._days.get(day)
        if bucket is not None:
            self._days.move_to_end(day)
            return bucket
        bucket = DayBucket()
        for row, codes, about in matchable_items_of_day(session, day):
            bucket.add(_entry(row, codes, about))
        self._days[day] = bucket
        while len(self._days) > self.max_days:
            self._days.popitem(last=False)
        return bucket


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
