"""Ranked full-text search over items, one function for SQLite FTS5 and PostgreSQL.

Ranking every match of a frequent term (one present in most items) costs time linear in the
match count. News readers want recent stories first, so only the newest ``window`` matches
are ranked (both engines walk their index newest-first and stop early); queries with fewer
matches are ranked exactly. The statements of each database are in storage/dialect.py
(`search_page`). Whatever the query, the database works on it for at most SEARCH_TIME_LIMIT
seconds (storage.query also bounds its size).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from storage.dialect import dialect_of
from storage.query import ParsedQuery

# Snippet highlight markers: control characters that cannot occur in stored text, so
# renderers can escape the snippet first and then turn the markers into markup.
HIGHLIGHT_START = "\x02"
HIGHLIGHT_END = "\x03"
RANK_WINDOW = 2000
# A bounded query takes milliseconds; the limit is for what nobody foresaw, so a user who sent
# one and gave up does not keep a database core busy.
SEARCH_TIME_LIMIT = 2.0


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
    time_limit: float = SEARCH_TIME_LIMIT,
) -> list[SearchHit]:
    """Return the best matches for *query*, best first; an empty query matches nothing.

    Raise storage.query.SearchTimeout when the database spent *time_limit* seconds on it (it
    stops there).
    """
    if query.is_empty:
        return []
    rows = dialect_of(session).search_page(session, query, country, window=window, limit=limit,
                                           offset=offset, marks=(HIGHLIGHT_START, HIGHLIGHT_END),
                                           time_limit=time_limit)
    return [SearchHit(item_id, score, snippet) for item_id, score, snippet in rows]
