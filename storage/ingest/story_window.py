"""Recent stories in memory, for story matching by content, kept in step with the database.

Story matching compares a new item with the profiles of recent stories (the sum of their
members' event terms, news/similarity/events.py), found through an index from terms to stories
(news/similarity/event_index.py). The profiles are rebuilt from each stored item's event terms
(items.event_terms): at the first look from the newest LOAD_ITEMS items, then from the rows
stored since (ids above a high-water mark), which also picks up what other processes stored.
Memory is bounded by the number of stories held (the least recently touched go first), not by
the store.

The window is a cache: a story it proposes is checked against the database before an item
joins it, so a story whose items were all deleted meanwhile is never joined.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable

from sqlalchemy.orm import Session

from news.similarity.event_index import MAX_STORIES, EventIndex, Match
from news.similarity.events import THRESHOLD, EventTerms, decode_terms
from storage.repositories.story_candidates import (
    EventRow,
    event_rows_after,
    event_rows_between,
    max_item_id,
)

logger = logging.getLogger(__name__)

# The first look reads the stories of the newest items (at most this many rows): enough for the
# stories a new document can still join (a dated item no longer joins one 100 days older), and
# about a second of reading at most, once per process.
LOAD_ITEMS = 20_000


class StoryWindow:
    """The profiles of recent stories and their term index, loaded lazily from the store."""

    def __init__(self, max_stories: int = MAX_STORIES, load_items: int = LOAD_ITEMS) -> None:
        self.load_items = load_items
        self.index = EventIndex(max_stories)
        self.lock = threading.Lock()  # the bot ingests uploads in worker threads
        self._high_water: int | None = None
        self._mine: set[int] = set()  # ids remembered here above the high-water mark

    def refresh(self, session: Session) -> None:
        """Read what was stored since the last look (at the first look: the newest items)."""
        if self._high_water is None:
            top = max_item_id(session)
            self._add_rows(event_rows_between(session, max(0, top - self.load_items), top))
            self._high_water = top
            return
        rows = event_rows_after(session, self._high_water)
        self._add_rows(row for row in rows if row.id not in self._mine)
        if rows:
            self._high_water = max(self._high_water, rows[-1].id)
        self._mine = {i for i in self._mine if i > self._high_water}

    def match(self, items: list[EventTerms], threshold: float = THRESHOLD) -> list[Match | None]:
        """Return, per item, the story it fits best and those it absorbs, if any fits."""
        return [self.index.match(item, threshold) if item.vector else None for item in items]

    def remember(self, members: list[tuple[int, EventTerms, str]], first_id: int, count: int,
                 merges: Iterable[tuple[int, int]] = ()) -> None:
        """Add items just stored here, as (story id, terms, encoded terms), without reading them back.

        The stored items have *count* ids from *first_id*, *members* being the originals among
        them; *merges* are the (story, absorbed story) pairs their document merged.
        """
        if self._high_water is None:
            return  # nothing loaded yet: the first refresh reads these from the store
        for into, other in merges:
            self.index.merge(into, other)
        for story_id, terms, encoded in members:
            self.index.add(story_id, terms, encoded)
        # Skip ahead only when our ids follow on without a gap: then nothing else was stored
        # meanwhile. Otherwise refresh reads the range and skips the ids remembered here.
        if first_id == self._high_water + 1:
            self._high_water = first_id + count - 1
        else:
            self._mine.update(range(first_id, first_id + count))

    def discard(self, story_ids: Iterable[int]) -> None:
        """Forget stories that are gone from the store."""
        for story_id in story_ids:
            self.index.discard(story_id)

    def __len__(self) -> int:
        """Return how many stories the window holds."""
        return len(self.index)

    def forget(self) -> None:
        """Drop everything held, so the next refresh reads the database afresh."""
        self.index = EventIndex(self.index.max_stories)
        self._high_water = None
        self._mine = set()

    def _add_rows(self, rows: Iterable[EventRow]) -> None:
        for row in rows:
            self.index.add(row.story_id, decode_terms(row.event_terms, row.published), row.event_terms)
