"""Ranked full-text search over items, one function for SQLite FTS5 and PostgreSQL.

Ranking every match of a frequent term (one present in most items) costs time linear in the
match count. News readers want recent stories first, so we rank only the newest
``window`` matches (FTS5 walks its doclist in rowid order and stops early; PostgreSQL walks the
primary key backwards). Rare terms have fewer matches than the window and get exact ranking.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from storage.query import ParsedQuery, to_fts5, to_tsquery

# Snippet highlight markers: control characters that cannot occur in stored text, so
# renderers can escape the snippet first and then turn the markers into markup.
HIGHLIGHT_START = "\x02"
HIGHLIGHT_END = "\x03"
RANK_WINDOW = 2000


@dataclass(slots=True, frozen=True)
class SearchHit:
    """One ranked match: the item id, its score (higher is better) and a highlighted snippet."""

    item_id: int
    score: float
    snippet: str


def search_items(
    session: Session,
    query: ParsedQuery,
    *,
    country: str | None = None,
    limit: int = 10,
    offset: int = 0,
    window: int = RANK_WINDOW,
) -> list[SearchHit]:
    """Return the best matches for *query*, best first; an empty query matches nothing."""
    if query.is_empty:
        return []
    if session.get_bind().dialect.name == "sqlite":
        return _search_sqlite(session, query, country, limit, offset, window)
    return _search_postgres(session, query, country, limit, offset, window)


# Duplicates (the same text stored again from another document) are linked to their original
# and never listed twice; the country filter is a primary-key probe per candidate row.
_SQLITE_WINDOW = """
    SELECT f.rowid AS id, bm25(items_fts, 3.0, 1.0) AS score
    FROM items_fts AS f JOIN items AS i ON i.id = f.rowid {country_join}
    WHERE items_fts MATCH :q AND i.duplicate_of_id IS NULL
    ORDER BY f.rowid DESC LIMIT :window"""
_COUNTRY_JOIN = "JOIN item_countries AS c ON c.item_id = {col} AND c.country = :country"


def _search_sqlite(session, query, country, limit, offset, window) -> list[SearchHit]:
    country_join = _COUNTRY_JOIN.format(col="f.rowid") if country else ""
    # One round trip: rank the window, keep one page, then snippet just that page (the outer
    # MATCH is probed by rowid, so it costs one lookup per hit, not another full match).
    rows = session.execute(
        text(
            f"""WITH win AS ({_SQLITE_WINDOW.format(country_join=country_join)}),
                top AS (SELECT id, score FROM win ORDER BY score, id DESC
                        LIMIT :limit OFFSET :offset)
                SELECT top.id, top.score, snippet(items_fts, 1, :a, :b, '…', 24)
                FROM top JOIN items_fts ON items_fts.rowid = top.id
                WHERE items_fts MATCH :q
                ORDER BY top.score, top.id DESC"""
        ),
        {"q": to_fts5(query), "country": (country or "").upper(), "window": window,
         "limit": limit, "offset": offset, "a": HIGHLIGHT_START, "b": HIGHLIGHT_END},
    ).all()
    # bm25() is lower-is-better; flip it so every backend reports higher-is-better.
    return [SearchHit(rid, -score, snippet) for rid, score, snippet in rows]


def _search_postgres(session, query, country, limit, offset, window) -> list[SearchHit]:
    country_join = _COUNTRY_JOIN.format(col="items.id") if country else ""
    headline_opts = f"StartSel={HIGHLIGHT_START}, StopSel={HIGHLIGHT_END}, MaxWords=30, MinWords=12"
    rows = session.execute(
        text(
            f"""WITH q AS (SELECT to_tsquery('english', :q) AS tsq),
                window_ AS (
                  SELECT items.id, ts_rank_cd(search_vector, q.tsq) AS score
                  FROM items {country_join} CROSS JOIN q
                  WHERE search_vector @@ q.tsq AND duplicate_of_id IS NULL
                  ORDER BY items.id DESC LIMIT :window),
                top AS (SELECT id, score FROM window_ ORDER BY score DESC, id DESC
                        LIMIT :limit OFFSET :offset)
                SELECT top.id, top.score, ts_headline('english', items.body, q.tsq, :opts)
                FROM top JOIN items ON items.id = top.id, q
                ORDER BY top.score DESC, top.id DESC"""
        ),
        {"q": to_tsquery(query), "country": (country or "").upper(), "window": window,
         "limit": limit, "offset": offset, "opts": headline_opts},
    ).all()
    return [SearchHit(rid, float(score), snippet) for rid, score, snippet in rows]
