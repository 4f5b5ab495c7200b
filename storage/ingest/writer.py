"""Write a matched document's items, stories and countries in a few batched statements."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from news.enrich import EnrichedItem
from news.similarity.events import EventTerms
from storage.ingest.stories import Decision
from storage.repositories.items import (
    insert_item_countries,
    insert_items,
    link_duplicates,
)
from storage.repositories.stories import add_to_stories, create_stories
from storage.repositories.story_candidates import merge_band_keys


def write_items(session: Session, document_id: int, items: list[EnrichedItem],
                decisions: list[Decision], now: datetime) -> list[tuple[int, int]]:
    """Store *items* of document *document_id* as *decisions* say; return (id, story) pairs."""
    story_of = _stories(session, items, decisions, now)
    rows = [dict(item.row, document_id=document_id, story_id=story, duplicate_of_id=d.duplicate_of_id)
            for item, story, d in zip(items, story_of, decisions, strict=True)]
    ids = insert_items(session, rows)
    link_duplicates(session, _copies_within(decisions, ids))
    insert_item_countries(session, [
        (item_id, t.code, t.mentions, t.about, t.score, rank)
        for item_id, item in zip(ids, items, strict=True) for rank, t in enumerate(item.countries)])
    merge_band_keys(session)  # now and then: see migration 0006
    return list(zip(ids, story_of, strict=True))


def matchable(items: list[EnrichedItem], decisions: list[Decision],
              stored: list[tuple[int, int]]) -> list[tuple[int, EventTerms]]:
    """Return the stored originals (not copies) as (story id, event terms), for the story window."""
    return [(story_id, item.match.terms)
            for item, d, (_, story_id) in zip(items, decisions, stored, strict=True)
            if d.duplicate_of_id is None and d.same_as is None]


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
    added: dict[int, tuple[int, date | None]] = {}
    for j, d in enumerate(decisions):
        if d.same_as is not None:
            story_of[j] = story_of[d.same_as]
        if d.joins:
            n, newest = added.get(story_of[j], (0, None))
            added[story_of[j]] = (n + 1, _later(newest, items[j].row["published"]))
    add_to_stories(session, added, now)
    return story_of


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
