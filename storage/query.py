"""Turn any user text into a safe full-text query (FTS5 or PostgreSQL websearch syntax).

Users type what they like: quotes, AND/OR/NOT, `*`, `-word`, stray parentheses. We parse it
ourselves into words, phrases, prefixes and exclusions, then render a query string that the
database cannot reject, so no input ever raises a syntax error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# A phrase in quotes (closing quote optional), or a word with an optional trailing `*`.
_TOKEN = re.compile(r'(?P<neg>-)?(?:"(?P<phrase>[^"]*)"?|(?P<word>[\w][\w\'’-]*)(?P<star>\*)?)')
_WORD = re.compile(r"\w+")
_OPERATORS = {"AND", "OR", "NOT"}


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

    @property
    def is_empty(self) -> bool:
        """Tell whether nothing positive is left to search for."""
        return not self.groups


def parse_query(text: str) -> ParsedQuery:
    """Parse free text into OR-groups of terms and exclusions; never raises."""
    query = ParsedQuery()
    pending_or = pending_not = False
    for match in _TOKEN.finditer(text or ""):
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


def _term(match: re.Match[str]) -> Term | None:
    source = match.group("phrase") if match.group("phrase") is not None else match.group("word")
    words = tuple(w.lower() for w in _WORD.findall(source or ""))
    if not words:
        return None
    return Term(words, prefix=bool(match.group("star")) and len(words) == 1)


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

