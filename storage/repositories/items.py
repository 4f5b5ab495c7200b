"""Repository functions for items and their countries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlalchemy import Row, Select, exists, func, select
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


def _newest_first(stmt: Select) -> Select:
    # Undated items sort by load time among the dated ones' days.
    day = func.coalesce(Item.published, func.date(Item.loaded_at))
    return stmt.order_by(day.desc(), Item.id.desc())


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
    stmt = select(Item).options(selectinload(Item.countries), selectinload(Item.document))
    if country:
        stmt = stmt.join(ItemCountry).where(ItemCountry.country == country.upper())
    if since:
        stmt = stmt.where(Item.published >= since)
    if not include_duplicates:
        stmt = stmt.where(Item.duplicate_of_id.is_(None))
    return list(session.scalars(_newest_first(stmt).limit(limit).offset(offset)))


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
    if day is not None:
        stmt = stmt.where(Item.published.between(day - timedelta(days=2), day + timedelta(days=2)))
    else:
        stmt = stmt.where(Item.loaded_at >= loaded_after)
    return list(session.scalars(stmt.order_by(Item.id.desc()).limit(limit)))


def candidate_rows(session: Session, ids: Sequence[int]) -> list[Row]:
    """Return the light columns story matching needs, plus each item's country codes."""
    if not ids:
        return []
    cols = (Item.id, Item.story_id, Item.document_id, Item.duplicate_of_id, Item.title,
            Item.signature, Item.published, Item.keywords)
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
