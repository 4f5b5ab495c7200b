"""Read stories as plain StoryRecords: stories + items + item_countries in a handful of queries.

Each public function runs one query to pick stories, then `_records` runs two more (items, then
their countries) for all picked stories at once, so the cost never grows with N+1 round trips.

Which item speaks for a story: the non-duplicate item with the longest summary (ties: the
earliest). A longer extractive summary carries more of the event, and the title comes from the
same item so headline and summary always match. Duplicates (items with duplicate_of_id) repeat
an item already counted, so they only add their source.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session

from storage.clock import as_utc
from storage.models import Item, ItemCountry, Story
from storage.query import parse_query
from storage.records import StoryRecord
from storage.repositories.search import SearchHit, search_items

logger = logging.getLogger(__name__)

CHUNK = 2000  # ids per IN (...) list: well under SQLite's bound-parameter limit


def _day_bounds(day: date, tz: ZoneInfo | None) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=tz or UTC)
    return start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)


def _with_countries(stmt: Select, countries: Iterable[str] | None) -> Select:
    codes = sorted({c.upper() for c in countries or ()})
    if not codes:
        return stmt
    # Every caller picks a short time window of stories first: probe each one's items and their
    # countries by key. `Story.id IN (items tagged with the country)` would read every item ever
    # tagged with it (30 ms for a big country at 100,000 items, growing with the store).
    tagged = exists().where(ItemCountry.item_id == Item.id, ItemCountry.country.in_(codes))
    return stmt.where(exists().where(Item.story_id == Story.id, tagged))


def stories_published_on(
    session: Session, day: date, countries: Iterable[str] | None = None, *, tz: ZoneInfo | None = None
) -> list[StoryRecord]:
    """Return stories published on *day* (undated ones: first seen that day in *tz*)."""
    start, end = _day_bounds(day, tz)
    undated = and_(Story.published.is_(None), Story.first_seen >= start, Story.first_seen < end)
    stmt = select(Story.id).where(or_(Story.published == day, undated))
    return story_records(session, list(session.scalars(_with_countries(stmt, countries))))


def stories_first_seen_between(
    session: Session, start: datetime, end: datetime, countries: Iterable[str] | None = None
) -> list[StoryRecord]:
    """Return stories first loaded in (start, end], whatever their published date."""
    stmt = select(Story.id).where(Story.first_seen > start, Story.first_seen <= end)
    return story_records(session, list(session.scalars(_with_countries(stmt, countries))))


def newest_story_day(session: Session) -> date | None:
    """Return the newest day that has a story (published date, else first-seen date in UTC)."""
    has_items = Story.id.in_(select(Item.story_id).where(Item.story_id.is_not(None)))
    dated = session.scalar(select(func.max(Story.published)).where(has_items))
    undated = session.scalar(
        select(func.max(Story.first_seen)).where(Story.published.is_(None), has_items)
    )
    days = [d for d in (dated, undated and as_utc(undated).date()) if d]
    return max(days) if days else None


# Briefings are built in the background too (deliveries): a slow store should make them late,
# not fail them, so their searches get more time than a user's /search (SEARCH_TIME_LIMIT).
BRIEFING_SEARCH_TIME_LIMIT = 10.0


def story_hits(session: Session, query: str, limit: int = 10) -> list[tuple[int, SearchHit]]:
    """Return (story id, best hit) for stories matching *query*, best first, one per story."""
    parsed = parse_query(query)
    if parsed.is_empty:
        return []
    hits = search_items(session, parsed, limit=max(limit * 3, limit + 20),
                        time_limit=BRIEFING_SEARCH_TIME_LIMIT)
    owners = dict(session.execute(
        select(Item.id, Item.story_id).where(Item.id.in_([h.item_id for h in hits]))
    ).all()) if hits else {}
    seen: dict[int, SearchHit] = {}
    for hit in hits:
        story_id = owners.get(hit.item_id)
        if story_id is not None and story_id not in seen:
            seen[story_id] = hit
    return list(seen.items())[:limit]


def story_records(session: Session, story_ids: Sequence[int]) -> list[StoryRecord]:
    """Return one StoryRecord per id that still has items, in the order given."""
    records: dict[int, StoryRecord] = {}
    ids = list(dict.fromkeys(story_ids))
    for n in range(0, len(ids), CHUNK):
        records.update(_records(session, ids[n : n + CHUNK]))
    return [records[i] for i in ids if i in records]


def _records(session: Session, ids: list[int]) -> dict[int, StoryRecord]:
    stories = {row.id: row for row in session.execute(
        select(Story.id, Story.published, Story.first_seen).where(Story.id.in_(ids)))}
    items: dict[int, list] = {}
    for row in session.execute(
        select(Item.id, Item.story_id, Item.title, Item.summary, Item.source, Item.url,
               Item.published, Item.duplicate_of_id)
        .where(Item.story_id.in_(ids)).order_by(Item.story_id, Item.id)
    ):
        items.setdefault(row.story_id, []).append(row)
    countries = _story_countries(session, ids)
    return {sid: _record(stories[sid], rows, countries.get(sid, []))
            for sid, rows in items.items() if sid in stories}


def _story_countries(session: Session, ids: list[int]) -> dict[int, list[tuple[str, bool]]]:
    # Per story and country: about if any item is about it; weight = summed relevance scores.
    agg: dict[int, dict[str, list]] = {}
    rows = session.execute(
        select(Item.story_id, ItemCountry.country, ItemCountry.about, ItemCountry.score)
        .join(Item, Item.id == ItemCountry.item_id)
        .where(Item.story_id.in_(ids), Item.duplicate_of_id.is_(None))
    )
    for story_id, code, about, score in rows:
        slot = agg.setdefault(story_id, {}).setdefault(code, [False, 0.0])
        slot[0] = slot[0] or bool(about)
        slot[1] += float(score or 0.0)
    return {sid: [(c, v[0]) for c, v in sorted(codes.items(), key=lambda kv: (not kv[1][0], -kv[1][1], kv[0]))]
            for sid, codes in agg.items()}


def representative(rows: list):
    """Return the item row that speaks for a story (rows need id, summary, duplicate_of_id)."""
    originals = [r for r in rows if r.duplicate_of_id is None] or rows
    return max(originals, key=lambda r: (len(r.summary or ""), -r.id))


def _record(story, rows: list, countries: list[tuple[str, bool]]) -> StoryRecord:
    best = representative(rows)
    return StoryRecord(
        story_id=story.id,
        title=best.title,
        summary=best.summary or "",
        sources=_sources(rows),
        published=story.published,
        first_seen=as_utc(story.first_seen),
        countries=countries,
        item_count=len(rows),
        url=best.url or next((r.url for r in rows if r.url), None),
    )


def _sources(rows: list) -> list[str]:
    # enrich_item joins an item's several sources with ", ".
    names = (name.strip() for r in rows for name in (r.source or "").split(", "))
    return list(dict.fromkeys(n for n in names if n))
