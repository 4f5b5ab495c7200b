"""Repository functions for items and their countries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import Date, Row, Select, bindparam, exists, func, select, text, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.util import ClauseAdapter

from storage.dialect import dialect_of
from storage.models import Document, Item, ItemCountry
from storage.records import ItemRecord
from storage.repositories.bulk import insert_rows, insert_tuples


def insert_items(session: Session, rows: Sequence[dict[str, object]]) -> list[int]:
    """Insert item rows in one statement batch; return their ids in the same order."""
    return insert_rows(session, Item.__table__, rows)


def insert_item_countries(session: Session, rows: Sequence[tuple[int, str, int, bool, float, int]]) -> None:
    """Insert (item_id, country, mentions, about, score, rank) rows."""
    insert_tuples(session, ItemCountry.__table__,
                  ("item_id", "country", "mentions", "about", "score", "rank"), rows)


def link_duplicates(session: Session, links: dict[int, int]) -> None:
    """Mark each item id in *links* as a duplicate of the item id it maps to."""
    _set_by_id(session, "duplicate_of_id", links)


def _set_by_id(session: Session, column: str, values: dict[int, object]) -> None:
    """Set *column* of each item id in *values* to the value it maps to, in one executemany."""
    if values:
        stmt = (update(Item.__table__).where(Item.__table__.c.id == bindparam("item"))
                .values({column: bindparam("value")}))
        session.connection().execute(stmt, [{"item": i, "value": v} for i, v in values.items()])


def item_texts_after(session: Session, after_id: int, limit: int) -> list[tuple[int, str, str, date | None]]:
    """Return (id, title, body, published) of up to *limit* items after *after_id*, in id order."""
    stmt = (select(Item.id, Item.title, Item.body, Item.published)
            .where(Item.id > after_id).order_by(Item.id).limit(limit))
    return [tuple(row) for row in session.execute(stmt)]


def set_event_terms(session: Session, terms: dict[int, str]) -> None:
    """Store the encoded event terms of each item id in *terms*."""
    _set_by_id(session, "event_terms", terms)


def newest_items(
    session: Session,
    *,
    country: str | None = None,
    since: date | None = None,
    limit: int = 20,
    offset: int = 0,
    include_duplicates: bool = False,
) -> list[ItemRecord]:
    """Return items newest first, optionally about/mentioning one country or since a date."""
    ids = _newest_ids(session, country, since, offset + limit, include_duplicates)[offset:]
    found = items_by_ids(session, ids)
    return [found[i] for i in ids if i in found]


def newest_story_ids(session: Session, *, country: str | None = None, limit: int = 20) -> list[int]:
    """Return the stories of the newest *limit* items (originals), newest first, each once.

    What newest_items would give for their story ids, without reading the items' texts.
    """
    ids = _newest_ids(session, country, None, limit, False)
    stories = {i: s for i, s in session.execute(select(Item.id, Item.story_id).where(Item.id.in_(ids)))}
    return list(dict.fromkeys(s for i in ids if (s := stories.get(i)) is not None))


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


def newest_dated_items_query(conds: list) -> Select:
    """Return (id, published) of the dated items meeting *conds*, newest first."""
    newest = select(Item.id, Item.published).where(Item.published.is_not(None), *conds)
    return newest.order_by(Item.published.desc(), Item.id.desc())


def _dated_rows(session: Session, conds: list, code: str | None, k: int) -> list[tuple[int, date]]:
    newest = newest_dated_items_query(conds)
    if code is None:
        return [tuple(r) for r in session.execute(newest.limit(k))]
    # A covered country has k items among the newest few thousand: walk those and probe each
    # by key. Else its own index (country, item_id) is the short way, as its items are few.
    probe = (select(Item.id, Item.published)
             .where(Item.published.is_not(None), _tagged(Item.id, code), _row_has(conds))
             .order_by(Item.published.desc(), Item.id.desc()).limit(k))
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


def _row_has(conds: list):
    # The other conditions, checked on the item's row looked up by key after its country: the
    # walk then stays on ix_items_published_id (id and date are in it) and reads only the rows
    # of items that have the country, not of every item walked (a country's newest 100 items:
    # 2 ms instead of 6 at 100,000 items). Written first, SQLite would read every row.
    row = Item.__table__.alias("item_row")
    return exists().where(row.c.id == Item.id, *(ClauseAdapter(row).traverse(c) for c in conds))


def _undated_rows(session: Session, conds: list, code: str | None, k: int) -> list[tuple[int, date]]:
    day = func.date(Item.loaded_at, type_=Date)
    stmt = select(Item.id, day).where(Item.published.is_(None), *conds)
    if code is not None:
        stmt = stmt.where(_tagged(Item.id, code))
    return [tuple(r) for r in session.execute(stmt.order_by(day.desc(), Item.id.desc()).limit(k))]


_items, _documents, _countries = Item.__table__, Document.__table__, ItemCountry.__table__
# Core statements on the tables, built once: a page of search or latest reads two of them, and
# plain rows cost a fraction of ORM entities with their relationships loaded.
_RECORD_ROWS = (
    select(_items.c.id, _items.c.title, _items.c.source, _items.c.published, _items.c.url,
           _items.c.body, _items.c.summary, _items.c.language, _items.c.story_id,
           _items.c.loaded_at, _documents.c.name)
    .join(_documents, _documents.c.id == _items.c.document_id)
    .where(_items.c.id.in_(bindparam("ids", expanding=True)))
)
_RECORD_COUNTRIES = (
    select(_countries.c.item_id, _countries.c.country, _countries.c.about)
    .where(_countries.c.item_id.in_(bindparam("ids", expanding=True)))
    .order_by(_countries.c.item_id, _countries.c.rank)
)


def items_by_ids(session: Session, ids: Sequence[int]) -> dict[int, ItemRecord]:
    """Return item records by id, with their document's name and their countries."""
    ids = list(ids)
    if not ids:
        return {}
    connection = session.connection()
    codes: dict[int, list[str]] = {}
    about: dict[int, list[str]] = {}
    for item_id, code, is_about in connection.execute(_RECORD_COUNTRIES, {"ids": ids}):
        codes.setdefault(item_id, []).append(code)
        if is_about:
            about.setdefault(item_id, []).append(code)
    return {row[0]: ItemRecord(*row, tuple(codes.get(row[0], ())), tuple(about.get(row[0], ())))
            for row in connection.execute(_RECORD_ROWS, {"ids": ids})}


def candidate_rows(session: Session, ids: Sequence[int]) -> list[Row]:
    """Return the light columns story matching needs, plus each item's country codes."""
    if not ids:
        return []
    cols = (Item.id, Item.story_id, Item.document_id, Item.duplicate_of_id, Item.title,
            Item.signature, Item.published, Item.keywords, Item.content_hash)
    dialect = dialect_of(session)
    cond, params = dialect.one_of("id", "ids", list(ids))
    names = ", ".join(c.key for c in cols)
    # The columns' types convert values (dates) as an ORM select would.
    rows = session.execute(text(f"SELECT {names} FROM items WHERE {cond}").columns(*cols), params).all()
    codes: dict[int, list[str]] = {}
    cond, params = dialect.one_of("item_id", "ids", list(ids))
    for item_id, code in session.execute(text(f"SELECT item_id, country FROM item_countries WHERE {cond}"),
                                         params):
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
