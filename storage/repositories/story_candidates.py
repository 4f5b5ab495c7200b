"""Reads that story matching needs: exact copies, shared MinHash bands and stored event terms."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from storage.dialect import BAND_KEYS_MERGE_AT, dialect_of
from storage.models import Item


@dataclass(frozen=True, slots=True)
class StoredCopy:
    """The first stored item with a given text."""

    id: int
    story_id: int | None
    duplicate_of_id: int | None


def first_items_by_content_hash(session: Session, hashes: Sequence[str]) -> dict[str, StoredCopy]:
    """Return, per content hash, the earliest stored item with that text."""
    if not hashes:
        return {}
    cond, params = dialect_of(session).one_of("content_hash", "hashes", sorted(set(hashes)))
    stmt = text(f"SELECT content_hash, id, story_id, duplicate_of_id FROM items WHERE {cond} ORDER BY id")
    found: dict[str, StoredCopy] = {}
    for digest, *rest in session.execute(stmt, params):
        found.setdefault(digest, StoredCopy(*rest))
    return found


def items_sharing_band_keys(session: Session, keys: Sequence[str], limit: int) -> list[tuple[int, str]]:
    """Return (id, the keys it holds of *keys*, sorted) of stored items, newest first, at most *limit*."""
    # Keys are hex words; anything else cannot be a stored key and is dropped before the query.
    words = sorted({k for k in keys if k.isalnum() and k.isascii()})
    if not words:
        return []
    return dialect_of(session).items_sharing_band_keys(session, words, limit)


def merge_band_keys(session: Session, at_least: int = BAND_KEYS_MERGE_AT) -> int:
    """Move the recently written band keys into the main index once *at_least* have gathered.

    Only SQLite keeps recent keys apart (migration 0006); PostgreSQL's GIN index takes keys as
    they come, so there this does nothing.
    """
    return dialect_of(session).merge_band_keys(session, at_least)


def current_story_ids(session: Session, ids: Sequence[int]) -> dict[int, int | None]:
    """Return the story each of *ids* belongs to now; ids no longer stored are absent."""
    if not ids:
        return {}
    cond, params = dialect_of(session).one_of("id", "ids", sorted(set(ids)))
    rows = session.execute(text(f"SELECT id, story_id FROM items WHERE {cond}"), params)
    return {item_id: story_id for item_id, story_id in rows}


def max_item_id(session: Session) -> int:
    """Return the highest item id (0 for an empty store)."""
    return session.scalar(select(func.max(Item.id))) or 0


@dataclass(frozen=True, slots=True)
class EventRow:
    """A stored original's event terms, as story matching rebuilds story profiles from them."""

    id: int
    story_id: int
    published: date | None
    event_terms: str


_EVENT_ROWS = (
    select(Item.id, Item.story_id, Item.published, Item.event_terms)
    .where(Item.duplicate_of_id.is_(None), Item.story_id.is_not(None), Item.event_terms.is_not(None))
)


def event_rows_between(session: Session, after_id: int, upto_id: int) -> list[EventRow]:
    """Return the originals with event terms stored with ids in (after_id, upto_id], by id."""
    stmt = _EVENT_ROWS.where(Item.id > after_id, Item.id <= upto_id).order_by(Item.id)
    return [EventRow(*row) for row in session.execute(stmt)]


def event_rows_after(session: Session, after_id: int) -> list[EventRow]:
    """Return the originals with event terms stored with an id above *after_id*, by id."""
    stmt = _EVENT_ROWS.where(Item.id > after_id).order_by(Item.id)
    return [EventRow(*row) for row in session.execute(stmt)]


def stories_with_items(session: Session, story_ids: Sequence[int]) -> set[int]:
    """Return those of *story_ids* that still have an item (a deleted document takes its own)."""
    if not story_ids:
        return set()
    cond, params = dialect_of(session).one_of("story_id", "ids", sorted(set(story_ids)))
    rows = session.execute(text(f"SELECT DISTINCT story_id FROM items WHERE {cond}"), params)
    return {story_id for (story_id,) in rows}
