"""Reads that story matching needs: exact copies, shared MinHash bands and a day's items."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, func, or_, select, text
from sqlalchemy.orm import Session

from storage.dialect import BAND_KEYS_MERGE_AT, dialect_of
from storage.models import Item, ItemCountry


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


_COLUMNS = (Item.id, Item.story_id, Item.document_id, Item.title, Item.signature,
            Item.published, Item.keywords, Item.loaded_at)


def matchable_items_of_day(session: Session, day: date) -> list[tuple]:
    """Return the originals (not duplicates) dated *day*, or undated and loaded that day."""
    start = datetime.combine(day, time(), tzinfo=UTC)
    undated = and_(Item.published.is_(None), Item.loaded_at >= start,
                   Item.loaded_at < start + timedelta(days=1))
    stmt = select(*_COLUMNS).where(or_(Item.published == day, undated),
                                   Item.duplicate_of_id.is_(None), Item.story_id.is_not(None))
    return _with_countries(session, session.execute(stmt).all())


def matchable_items_after(session: Session, after_id: int) -> list[tuple]:
    """Return the originals stored with an id above *after_id* (new since the last look)."""
    stmt = select(*_COLUMNS).where(Item.id > after_id, Item.duplicate_of_id.is_(None),
                                   Item.story_id.is_not(None)).order_by(Item.id)
    return _with_countries(session, session.execute(stmt).all())


def _with_countries(session: Session, rows: list) -> list[tuple]:
    """Pair each row with (all country codes, the codes it is about)."""
    if not rows:
        return []
    codes: dict[int, list[tuple[str, bool]]] = {}
    ids = [row.id for row in rows]
    for chunk in range(0, len(ids), 900):  # stay under SQLite's bound-parameter limit
        stmt = (select(ItemCountry.item_id, ItemCountry.country, ItemCountry.about)
                .where(ItemCountry.item_id.in_(ids[chunk:chunk + 900])))
        for item_id, code, about in session.execute(stmt):
            codes.setdefault(item_id, []).append((code, about))
    out = []
    for row in rows:
        tags = codes.get(row.id, [])
        out.append((row, tuple(sorted(c for c, _ in tags)), frozenset(c for c, a in tags if a)))
    return out
