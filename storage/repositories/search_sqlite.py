"""SQLite FTS5 search with bounded cost, whatever the query.

FTS5 walks a doclist newest-first and stops early, so finding the newest N matches is cheap
even for a word in every item. bm25() is not: it first counts every row holding each query
word, which is linear in those words' document frequency. So:

* when every query word occurs in at most ``window`` items, rank all matches by bm25
  (title weighted 3x) exactly, as the raw FTS5 query would;
* otherwise rank the newest ``window`` matches by how many query words their title holds,
  then by recency ("recency-bounded ranking": for news the freshest relevant items win).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from storage.query import ParsedQuery, Term, to_fts5

_COUNTRY_JOIN = "JOIN item_countries AS c ON c.item_id = f.rowid AND c.country = :country"
# The window of matches newest first, one page of it by score, and that page's snippets: one
# statement, so no more than a page of rows reaches Python. The outer MATCH is probed by
# rowid, one lookup per hit.
_PAGE = """
    WITH win AS (
        SELECT f.rowid AS id, {score} AS score
        FROM items_fts AS f JOIN items AS i ON i.id = f.rowid {country_join}
        WHERE items_fts MATCH :q AND i.duplicate_of_id IS NULL
        ORDER BY f.rowid DESC LIMIT :window),
    page AS (SELECT id, score FROM win ORDER BY score {direction}, id DESC
             LIMIT :limit OFFSET :offset)
    SELECT page.id, page.score, snippet(items_fts, 1, :a, :b, '…', 24)
    FROM page JOIN items_fts ON items_fts.rowid = page.id
    WHERE items_fts MATCH :q
    ORDER BY page.score {direction}, page.id DESC"""
_BM25 = "bm25(items_fts, 3.0, 1.0)"
_PROBE = "SELECT count(*) FROM (SELECT rowid FROM items_fts WHERE items_fts MATCH :w LIMIT :n)"


def ranked_page(
    session: Session, query: ParsedQuery, country: str | None, *, window: int, limit: int,
    offset: int, marks: tuple[str, str],
) -> list[tuple[int, float, str]]:
    """Return one page of (item id, score, snippet), best first (higher score is better)."""
    params = {"q": to_fts5(query), "country": (country or "").upper(), "window": window,
              "limit": limit, "offset": offset, "a": marks[0], "b": marks[1]}
    country_join = _COUNTRY_JOIN if country else ""
    if _all_words_rare(session, query, window):
        sql = _PAGE.format(score=_BM25, country_join=country_join, direction="ASC")
        # bm25() is lower-is-better; flip it so every backend reports higher-is-better.
        return [(rid, -score, snip) for rid, score, snip in _rows(session, sql, params)]
    words = _positive_words(query)
    params.update({f"w{n}": word for n, word in enumerate(words)})
    sql = _PAGE.format(score=_title_hits_sql(len(words)), country_join=country_join,
                       direction="DESC")
    return [(rid, float(score), snip) for rid, score, snip in _rows(session, sql, params)]


def _rows(session: Session, sql: str, params: dict) -> list[tuple]:
    # The DB-API cursor directly: search is the hottest path and a page is a few rows, so the
    # ORM's per-statement overhead would be most of the cost.
    cursor = session.connection().connection.driver_connection.cursor()
    try:
        return cursor.execute(sql, params).fetchall()
    finally:
        cursor.close()


def _title_hits_sql(n_words: int) -> str:
    # How many query words the title holds (a substring test, so "sanction" finds
    # "sanctions"; SQLite's lower() folds ASCII only, which covers most headlines' capitals).
    tests = [f"(instr(lower(i.title), :w{n}) > 0)" for n in range(n_words)]
    return " + ".join(tests) or "0"


def _all_words_rare(session: Session, query: ParsedQuery, window: int) -> bool:
    # One bounded probe per word: reading at most window+1 rowids is cheap for any word.
    terms = [t for group in query.groups for t in group] + list(query.excluded)
    for term in terms:
        for word in _probe_words(term):
            if _rows(session, _PROBE, {"w": word, "n": window + 1})[0][0] > window:
                return False
    return True


def _probe_words(term: Term) -> list[str]:
    if term.prefix:
        return [f'"{term.words[0]}"*']
    return [f'"{w}"' for w in term.words]


def _positive_words(query: ParsedQuery) -> list[str]:
    return [w for group in query.groups for term in group for w in term.words]
