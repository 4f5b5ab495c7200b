"""Repository functions for stories (clusters of items reporting one event)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import bindparam, case, delete, func, select, update
from sqlalchemy.orm import Session

from storage.models import Item, Story
from storage.repositories.bulk import insert_rows
from storage.repositories.story_views import CHUNK, representative


def create_stories(session: Session, rows: Sequence[dict[str, object]]) -> list[int]:
    """Insert story rows (title, published, first_seen, updated_at, item_count); return ids."""
    return insert_rows(session, Story.__table__, rows)


def add_to_stories(session: Session, added: dict[int, tuple[int, date | None]], now: datetime) -> None:
    """Count new items into stories: story id -> (items added, newest date among them).

    A story its items were moved out of is counted down (a negative number, no date).
    """
    if not added:
        return
    table = Story.__table__
    newest = bindparam("newest", type_=table.c.published.type)
    later = case((table.c.published.is_(None), newest), (newest > table.c.published, newest),
                 else_=table.c.published)
    stmt = (update(table).where(table.c.id == bindparam("story"))
            .values(item_count=table.c.item_count + bindparam("n"), updated_at=now,
                    published=func.coalesce(later, table.c.published)))
    # In id order: writers that lock the same rows in one order never wait for each other in
    # a circle (a deadlock).
    session.connection().execute(
        stmt, [{"story": s, "n": n, "newest": day} for s, (n, day) in sorted(added.items())])


def move_story_items(session: Session, story: int, into: int) -> tuple[int, date | None]:
    """Move every item of *story* into story *into*; return (items moved, *story*'s newest date).

    The stories' own rows are left to the caller: their counts are written with the others at
    commit (add_to_stories), in id order. *story* stays, emptied, so that an item another
    writer is adding to it meanwhile still has its story; a story without items is never shown
    (story_views.story_records).
    """
    items, stories = Item.__table__, Story.__table__
    published = session.scalar(select(stories.c.published).where(stories.c.id == story))
    moved = session.connection().execute(
        update(items).where(items.c.story_id == story).values(story_id=into)).rowcount
    return moved, published


def settle_stories(session: Session, story_ids: Sequence[int], now: datetime) -> tuple[int, int]:
    """Delete the stories left without items, refresh the others; return (removed, kept)."""
    removed = kept = 0
    for start in range(0, len(story_ids), CHUNK):
        chunk = list(story_ids[start:start + CHUNK])
        members: dict[int, list] = {}
        for row in session.execute(
                select(Item.id, Item.story_id, Item.title, Item.summary, Item.published,
                       Item.duplicate_of_id).where(Item.story_id.in_(chunk))):
            members.setdefault(row.story_id, []).append(row)
        empty = [s for s in chunk if s not in members]
        if empty:
            removed += session.execute(delete(Story).where(Story.id.in_(empty))).rowcount
        if members:
            _refresh_stories(session, members, now)
            kept += len(members)
    return removed, kept


def _refresh_stories(session: Session, members: dict[int, list], now: datetime) -> None:
    """Set each story's count, newest date and title from the items it has."""
    table = Story.__table__
    stmt = (update(table).where(table.c.id == bindparam("story"))
            .values(item_count=bindparam("n"), published=bindparam("newest"),
                    title=bindparam("headline"), updated_at=bindparam("now")))
    session.connection().execute(stmt, [
        {"story": story, "n": len(rows), "now": now,
         "newest": max((r.published for r in rows if r.published), default=None),
         "headline": representative(rows).title[:500]}
        for story, rows in members.items()])
