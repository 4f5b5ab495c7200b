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

import re

from sqlalchemy import text
from sqlalchemy.orm import Session

from storage.query import ParsedQuery, Term, to_fts5

_WORD = re.compile(r"\w+")
_COUNTRY_JOIN = "JOIN item_countries AS c ON c.item_id = f.rowid AND c.country = :country"
_MATCHES = """
    SELECT f.rowid AS id, {score} AS score, i.title AS title
    FROM items_fts AS f JOIN items AS i ON i.id = f.rowid {country_join}
    WHERE items_fts MATCH :q AND i.duplicate_of_id IS NULL
    ORDER BY f.rowid DESC LIMIT :window"""


def ranked_ids(
    session: Session, query: ParsedQuery, country: str | None, window: int
) -> list[tuple[int, float]]:
    """Return (item id, score) pairs, best first, for at most *window* matches."""
    params = {"q": to_fts5(query), "country": (country or "").upper(), "window": window}
    country_join = _COUNTRY_JOIN if country else ""
    if _all_words_rare(session, query, window):
        sql = _MATCHES.format(score="bm25(items_fts, 3.0, 1.0)", country_join=country_join)
        rows = session.execute(text(sql), params).all()
        return [(r.id, -r.score) for r in sorted(rows, key=lambda r: (r.score, -r.id))]
    sql = _MATCHES.format(score="0.0", country_join=country_join)
    rows = session.execute(text(sql), params).all()
    words = _positive_words(query)
    scored = [(r.id, float(_title_hits(r.title, words))) for r in rows]
    return sorted(scored, key=lambda pair: (-pair[1], -pair[0]))


def snippets(session: Session, query: ParsedQuery, ids: list[int], start: str, end: str) -> dict:
    """Return {item id: highlighted body snippet} for a page of hits."""
    if not ids:
        return {}
    placeholders = ",".join(str(int(i)) for i in ids)
    rows = session.execute(
        text(f"""SELECT rowid, snippet(items_fts, 1, :a, :b, '…', 24) FROM items_fts
                 WHERE items_fts MATCH :q AND rowid IN ({placeholders})"""),
        {"q": to_fts5(query), "a": start, "b": end},
    ).all()
    return dict(rows)


def _all_words_rare(session: Session, query: ParsedQuery, window: int) -> bool:
    # One bounded probe per word: reading at most window+1 rowids costs about a millisecond.
    probe = text("SELECT count(*) FROM (SELECT rowid FROM items_fts WHERE items_fts MATCH :w "
                 "LIMIT :n)")
    terms = [t for group in query.groups for t in group] + list(query.excluded)
    for term in terms:
        for word in _probe_words(term):
            if session.execute(probe, {"w": word, "n": window + 1}).scalar_one() > window:
                return False
    return True


def _probe_words(term: Term) -> list[str]:
    if term.prefix:
        return [f'"{term.words[0]}"*']
    return [f'"{w}"' for w in term.words]


def _positive_words(query: ParsedQuery) -> list[str]:
    return [w for group in query.groups for term in group for w in term.words]


def _title_hits(title: str, words: list[str]) -> int:
    tokens = [t.lower() for t in _WORD.findall(title or "")]
    # Prefix test, so "sanction" finds "sanctions" (the index stems; this is the cheap cousin).
    return sum(1 for w in words if any(t.startswith(w) for t in tokens))
