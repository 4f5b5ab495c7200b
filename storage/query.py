"""Turn any user text into a safe full-text query (FTS5 or PostgreSQL websearch syntax).

Users type what they like: quotes, AND/OR/NOT, `*`, `-word`, stray parentheses. We parse it
ourselves into words, phrases, prefixes and exclusions, then render a query string that the
database cannot reject, so no input ever raises a syntax error.

The work a query costs is bounded too: a search's cost grows with the square of its number of
terms (`offic*` x500 took 70 s of SQLite and a minute of PostgreSQL CPU), so only the first
MAX_QUERY_CHARS characters are read, repeated terms count once and at most MAX_WORDS words
are kept; `ParsedQuery.shortened` tells the caller when something was left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# A phrase in quotes (closing quote optional), or a word with an optional trailing `*`.
_TOKEN = re.compile(r'(?P<neg>-)?(?:"(?P<phrase>[^"]*)"?|(?P<word>[\w][\w\'’-]*)(?P<star>\*)?)')
_WORD = re.compile(r"\w+")
_OPERATORS = {"AND", "OR", "NOT"}
MAX_QUERY_CHARS = 200  # of the text typed; a search is a few words
MAX_WORDS = 16  # across all terms (a phrase counts each of its words)
# Shorter prefixes (`co*`) match most of the store; they are searched as whole words, and the
# full-text index keeps prefix lists from this length on (migration 0008).
MIN_PREFIX_CHARS = 3


class SearchTimeout(Exception):
    """A search ran past its time limit and was stopped."""


@dataclass(slots=True)
class Term:
    """One positive search unit: a word, a prefix or a phrase (several words in order)."""

    words: tuple[str, ...]
    prefix: bool = False


@dataclass(slots=True)
class ParsedQuery:
    """A user's query reduced to what the search engines understand."""

    groups: list[list[Term]] = field(default_factory=list)  # AND of OR-groups
    excluded: list[Term] = field(default_factory=list)
    shortened: bool = False  # part of the text was left out (too long, too many words)

    @property
    def is_empty(self) -> bool:
        """Tell whether nothing positive is left to search for."""
        return not self.groups


def parse_query(text: str) -> ParsedQuery:
    """Parse free text into OR-groups of terms and exclusions, bounded in size; never raises."""
    text = text or ""
    return _bounded(_parse(_head(text)), shortened=len(text) > MAX_QUERY_CHARS)


def _head(text: str) -> str:
    """Return the first MAX_QUERY_CHARS characters of *text*, not ending in a cut word."""
    if len(text) <= MAX_QUERY_CHARS:
        return text
    head = text[:MAX_QUERY_CHARS]
    if text[MAX_QUERY_CHARS].isspace():
        return head
    return head.rsplit(maxsplit=1)[0]  # a single word stays, cut


def _parse(text: str) -> ParsedQuery:
    query = ParsedQuery()
    pending_or = pending_not = False
    for match in _TOKEN.finditer(text):
        raw_word = match.group("word")
        if raw_word in _OPERATORS and not match.group("neg"):
            pending_or, pending_not = raw_word == "OR", raw_word == "NOT"
            continue
        term = _term(match)
        if term is None:
            continue
        if match.group("neg") or pending_not:
            query.excluded.append(term)
        elif pending_or and query.groups:
            query.groups[-1].append(term)
        else:
            query.groups.append([term])
        pending_or = pending_not = False
    return query


def _bounded(query: ParsedQuery, *, shortened: bool) -> ParsedQuery:
    """Count repeated terms and groups once, then keep the first MAX_WORDS words (exclusions last)."""
    groups = _unique([_unique(group) for group in query.groups])  # `a a` finds what `a` finds
    excluded = _unique(query.excluded)
    left = MAX_WORDS
    kept: list[list[Term]] = []
    for group in groups:
        terms, left = _take(group, left)
        if terms:
            kept.append(terms)
    kept_excluded, left = _take(excluded, left)
    words = sum(_words(group) for group in groups) + _words(excluded)
    return ParsedQuery(kept, kept_excluded, shortened=shortened or words > MAX_WORDS)


def _unique(values: list) -> list:
    """Return *values* without repeats, first ones kept (terms and groups compare by value)."""
    kept: list = []
    for value in values:
        if value not in kept:
            kept.append(value)
    return kept


def _take(terms: list[Term], left: int) -> tuple[list[Term], int]:
    """Return the terms that fit in *left* words (the last one maybe cut) and the words left."""
    kept = []
    for term in terms:
        if left <= 0:
            break
        kept.append(Term(term.words[:left], prefix=term.prefix))
        left -= len(kept[-1].words)
    return kept, left


def _words(terms: list[Term]) -> int:
    return sum(len(t.words) for t in terms)


def _term(match: re.Match[str]) -> Term | None:
    source = match.group("phrase") if match.group("phrase") is not None else match.group("word")
    words = tuple(w.lower() for w in _WORD.findall(source or ""))
    if not words:
        return None
    prefix = bool(match.group("star")) and len(words) == 1 and len(words[0]) >= MIN_PREFIX_CHARS
    return Term(words, prefix=prefix)


def to_fts5(query: ParsedQuery) -> str:
    """Render *query* as an FTS5 MATCH expression (every token quoted, so always valid)."""
    groups = [_fts5_group(g) for g in query.groups]
    expr = " AND ".join(groups)
    for term in query.excluded:
        expr += f" NOT {_fts5_term(term)}"
    return expr


def _fts5_group(group: list[Term]) -> str:
    parts = [_fts5_term(t) for t in group]
    return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"


def _fts5_term(term: Term) -> str:
    quoted = '"' + " ".join(term.words) + '"'
    return quoted + "*" if term.prefix else quoted






def to_tsquery(query: ParsedQuery) -> str:
    """Render *query* for PostgreSQL's to_tsquery: only word characters reach it, so it parses."""
    groups = ["(" + " | ".join(_ts_term(t) for t in g) + ")" for g in query.groups]
    expr = " & ".join(groups)
    for term in query.excluded:
        expr += f" & !{_ts_term(term)}"
    return expr


def _ts_term(term: Term) -> str:
    lexemes = [f"'{w}'" for w in term.words]
    if term.prefix:
        return lexemes[0] + ":*"
    return lexemes[0] if len(lexemes) == 1 else "(" + " <-> ".join(lexemes) + ")"

