"""Ranked full-text search over items, one function for SQLite FTS5 and PostgreSQL.

Ranking every match of a frequent term (one present in most items) costs time linear in the
match count. News readers want recent stories first, so only the newest ``window`` matches
are ranked (both engines walk their index newest-first and stop early); queries with fewer
matches are ranked exactly. The SQLite details are in search_sqlite.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from storage.query import ParsedQuery, to_tsquery
from storage.repositories import search_sqlite

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


def _search_sqlite(session, query, country, limit, offset, window) -> list[SearchHit]:
    rows = search_sqlite.ranked_page(session, query, country, window=window, limit=limit,
                                     offset=offset, marks=(HIGHLIGHT_START, HIGHLIGHT_END))
    return [SearchHit(item_id, score, snippet) for item_id, score, snippet in rows]


_COUNTRY_JOIN = "JOIN item_countries AS c ON c.item_id = {col} AND c.country = :country"


def _search_postgres(session, query, country, limit, offset, window) -> list[SearchHit]:
    country_join = _COUNTRY_JOIN.format(col="items.id") if country else ""
    headline_opts = f"StartSel={HIGHLIGHT_START}, StopSel={HIGHLIGHT_END}, MaxWords=30, MinWords=12"
    rows = session.execute(
        text(
            # The tsquery is written inline (not in a CTE) so the planner sees a constant and
            # can estimate its selectivity: a frequent word then walks the primary key
            # backwards and stops after the window; a rare one uses the GIN index.
            f"""WITH window_ AS (
                  SELECT items.id, ts_rank_cd(search_vector, to_tsquery('english', :q)) AS score
                  FROM items {country_join}
                  WHERE search_vector @@ to_tsquery('english', :q) AND duplicate_of_id IS NULL
                  ORDER BY items.id DESC LIMIT :window),
                top AS (SELECT id, score FROM window_ ORDER BY score DESC, id DESC
                        LIMIT :limit OFFSET :offset)
                SELECT top.id, top.score,
                       ts_headline('english', items.body, to_tsquery('english', :q), :opts)
                FROM top JOIN items ON items.id = top.id
                ORDER BY top.score DESC, top.id DESC"""
        ),
        {"q": to_tsquery(query), "country": (country or "").upper(), "window": window,
         "limit": limit, "offset": offset, "opts": headline_opts},
    ).all()
    return [SearchHit(rid, float(score), snippet) for rid, score, snippet in rows]
