"""Repository functions for stories (clusters of items reporting one event)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import bindparam, case, func, update
from sqlalchemy.orm import Session

from storage.models import Story
from storage.repositories.bulk import insert_rows


def create_stories(session: Session, rows: Sequence[dict[str, object]]) -> list[int]:
    """Insert story rows (title, published, first_seen, updated_at, item_count); return ids."""
    return insert_rows(session, Story.__table__, rows)


def add_to_stories(session: Session, added: dict[int, tuple[int, date | None]], now: datetime) -> None:
    """Count new items into stories: story id -> (items added, newest date among them)."""
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
