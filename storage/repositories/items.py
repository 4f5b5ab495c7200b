"""Repository functions for items and their countries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlalchemy import Date, Row, exists, func, select
from sqlalchemy.orm import Session, selectinload

from storage.ingest.types import CountryTag
from storage.models import Item, ItemBand, ItemCountry


def add_item(session: Session, item: Item, countries: Sequence[CountryTag], bands: Sequence[str]) -> Item:
    """Store an item with its ranked countries and similarity bands."""
    item.countries = [
        ItemCountry(country=t.code, mentions=t.mentions, about=t.about, score=t.score, rank=rank)
        for rank, t in enumerate(countries)
    ]
    session.add(item)
    session.flush()
    session.add_all(ItemBand(band=b, item_id=item.id) for b in set(bands))
    return item


def newest_items(
    session: Session,
    *,
    country: str | None = None,
    since: date | None = None,
    limit: int = 20,
    offset: int = 0,
    include_duplicates: bool = False,
) -> list[Item]:
    """Return items newest first, optionally about/mentioning one country or since a date."""
    ids = _newest_ids(session, country, since, offset + limit, include_duplicates)[offset:]
    found = items_by_ids(session, ids)
    return [found[i] for i in ids if i in found]


# Newest first means by day (published, else the load date), then id. No index serves that
# expression, and sorting it reads every item (~100 ms at 100,000 items), so dated items walk
# ix_items_published_id and the undated ones (few: ingest dates most items) are sorted apart.
LATEST_WINDOW = 2000  # newest dated items probed for a country before using its own index


def _newest_ids(session: Session, country: str | None, since: date | None, k: int,
                include_duplicates: bool) -> list[int]:
    conds = [] if include_duplicates else [Item.duplicate_of_id.is_(None)]
    if since:
        conds.append(Item.published >= since)  # undated items have no published date to compare
    code = country.upper() if country else None
    rows = _dated_rows(session, conds, code, k)
    if not since:
        rows += _undated_rows(session, conds, code, k)
    rows.sort(key=lambda row: (row[1], row[0]), reverse=True)
    return [row[0] for row in rows[:k]]


def _tagged(item_id, code: str):
    return exists().where(ItemCountry.item_id == item_id, ItemCountry.country == code)


def _dated_rows(session: Session, conds: list, code: str | None, k: int) -> list[tuple[int, date]]:
    newest = select(Item.id, Item.published).where(Item.published.is_not(None), *conds)
    newest = newest.order_by(Item.published.desc(), Item.id.desc())
    if code is None:
        return [tuple(r) for r in session.execute(newest.limit(k))]
    # A covered country has k items among the newest few thousand: walk those and probe each
    # by key. Else its own index (country, item_id) is the short way, as its items are few.
    probe = newest.where(_tagged(Item.id, code)).limit(k)
    cutoff = session.scalar(select(Item.published).where(Item.published.is_not(None))
                            .order_by(Item.published.desc(), Item.id.desc())
                            .offset(LATEST_WINDOW).limit(1))
    if cutoff is None:  # the whole store fits in the window
        return [tuple(r) for r in session.execute(probe)]
    rows = [tuple(r) for r in session.execute(probe.where(Item.published >= cutoff))]
    if len(rows) >= k:
        return rows
    by_country = newest.join(ItemCountry).where(ItemCountry.country == code).limit(k)
    return [tuple(r) for r in session.execute(by_country)]


def _undated_rows(session: Session, conds: list, code: str | None, k: int) -> list[tuple[int, date]]:
    day = func.date(Item.loaded_at, type_=Date)
    stmt = select(Item.id, day).where(Item.published.is_(None), *conds)
    if code is not None:
        stmt = stmt.where(_tagged(Item.id, code))
    return [tuple(r) for r in session.execute(stmt.order_by(day.desc(), Item.id.desc()).limit(k))]


def items_by_country(session: Session, country: str, limit: int = 20) -> list[Item]:
    """Return the newest items about or mentioning *country*."""
    return newest_items(session, country=country, limit=limit)


def items_by_ids(session: Session, ids: Sequence[int]) -> dict[int, Item]:
    """Return items by id, with countries and documents loaded."""
    stmt = (
        select(Item)
        .where(Item.id.in_(list(ids)))
        .options(selectinload(Item.countries), selectinload(Item.document))
    )
    return {item.id: item for item in session.scalars(stmt)}


def items_by_content_hash(session: Session, content_hash: str) -> Item | None:
    """Return the first stored item with exactly this normalised text."""
    stmt = select(Item).where(Item.content_hash == content_hash).order_by(Item.id).limit(1)
    return session.scalars(stmt).first()


def item_ids_sharing_bands(session: Session, bands: Sequence[str], limit: int = 50) -> list[int]:
    """Return ids of items sharing at least one similarity band, most shared bands first."""
    stmt = (
        select(ItemBand.item_id)
        .where(ItemBand.band.in_(list(bands)))
        .group_by(ItemBand.item_id)
        .order_by(func.count().desc(), ItemBand.item_id.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))


def item_ids_near_date(
    session: Session, countries: Sequence[str], day: date | None, loaded_after: datetime, limit: int
) -> list[int]:
    """Return ids of recent items about the same countries near *day*: same-story candidates."""
    # Walk the few items of the date window (ix_items_published_id / ix_items_loaded_at) and
    # probe each one's countries by primary key; joining from item_countries instead would scan
    # every item ever tagged with the country, which grows with the store.
    tagged = exists().where(ItemCountry.item_id == Item.id, ItemCountry.about.is_(True),
                            ItemCountry.country.in_(list(countries)))
    stmt = select(Item.id).where(Item.duplicate_of_id.is_(None), tagged)
    # Ordered along the same index as the range, so the walk stops after `limit` hits instead
    # of sorting every item of a busy window.
    if day is not None:
        stmt = stmt.where(Item.published.between(day - timedelta(days=2), day + timedelta(days=2)))
        stmt = stmt.order_by(Item.published.desc(), Item.id.desc())
    else:
        stmt = stmt.where(Item.loaded_at >= loaded_after).order_by(Item.loaded_at.desc())
    return list(session.scalars(stmt.limit(limit)))


def candidate_rows(session: Session, ids: Sequence[int]) -> list[Row]:
    """Return the light columns story matching needs, plus each item's country codes."""
    if not ids:
        return []
    cols = (Item.id, Item.story_id, Item.document_id, Item.duplicate_of_id, Item.title,
            Item.signature, Item.published, Item.keywords, Item.content_hash)
    rows = session.execute(select(*cols).where(Item.id.in_(list(ids)))).all()
    codes: dict[int, list[str]] = {}
    stmt = select(ItemCountry.item_id, ItemCountry.country).where(ItemCountry.item_id.in_(list(ids)))
    for item_id, code in session.execute(stmt):
        codes.setdefault(item_id, []).append(code)
    return [(row, tuple(sorted(codes.get(row.id, ())))) for row in rows]


def country_item_counts(session: Session, since: date | None = None, limit: int = 50) -> list[tuple[str, int]]:
    """Return (country, item count) pairs, most covered first."""
    stmt = select(ItemCountry.country, func.count()).join(Item)
    if since:
        stmt = stmt.where(func.coalesce(Item.published, func.date(Item.loaded_at)) >= since)
    stmt = stmt.where(Item.duplicate_of_id.is_(None)).group_by(ItemCountry.country)
    rows = session.execute(stmt.order_by(func.count().desc(), ItemCountry.country).limit(limit))
    return [(code, n) for code, n in rows]
