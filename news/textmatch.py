"""Exact prefilters that spare case-insensitive regexes most of the lines they cannot match."""

from __future__ import annotations

import bisect
import logging
import re
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

try:  # private modules: without them the prefilters just never skip anything
    from re import _constants as sre  # type: ignore[attr-defined]
    from re import _parser as sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - Python 3.11+ has both
    sre = sre_parse = None

logger = logging.getLogger(__name__)

# re.IGNORECASE lets these non-ASCII characters match ASCII letters, where str.lower() does not
# ("İ".lower() is "i" plus a combining dot). Found by trying every code point.
_IGNORECASE_TO_ASCII = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})

_ASCII_BLANKS_BUT_SPACE = bytes(b for b in range(128) if chr(b).isspace() and b != 0x20)

# Texts up to the first step try every row; longer ones only the rows that can be that long.
# Each step costs a compiled regex; long prose is what needs sparing.
_LENGTH_STEPS = (480,)

Literals = frozenset[str]
K = TypeVar("K")


def fold_case(text: str) -> str:
    """Lower-case text so that an ASCII substring test agrees with re.IGNORECASE matching."""
    return text.lower() if text.isascii() else text.translate(_IGNORECASE_TO_ASCII).lower()


def contains_any(folded: str, literals: Literals | None) -> bool:
    """Say whether folded text contains one of the literals (None: requirement unknown)."""
    return literals is None or any(map(folded.__contains__, literals))


def has_blank_run(text: str) -> bool:
    """Say whether \\s{2,} may match (False: it cannot): two blanks in a row, or an odd blank."""
    if "  " in text:
        return True
    if text.isascii():
        return len(text.encode("ascii").translate(None, _ASCII_BLANKS_BUT_SPACE)) != len(text)
    return not text.isprintable()  # every blank but " " is unprintable


def union_of_literals(requirements: list[Literals | None]) -> Literals | None:
    """Combine requirements of alternatives: one of all their literals (None if any is None)."""
    if any(found is None for found in requirements):
        return None
    every: Literals = frozenset().union(*requirements)  # type: ignore[arg-type]
    # a text with "download " has "download": checking the shorter one is enough
    return frozenset(lit for lit in every if not any(o != lit and o in lit for o in every))


def max_width(pattern: str, flags: int = 0) -> int | None:
    """Return the length of the longest text a pattern can match; None when unlimited."""
    if sre_parse is None:
        return None
    high = sre_parse.parse(pattern, flags).getwidth()[1]
    return None if high >= sre.MAXREPEAT else high


def required_literals(pattern: str, flags: int = 0) -> Literals | None:
    """Return strings one of which (as fold_case() writes it) every match contains, if known."""
    if sre_parse is None:
        return None
    return _sequence_literals(list(sre_parse.parse(pattern, flags)))


def starts_floating(pattern: str, flags: int = 0) -> bool:
    """Say whether a pattern can start with ".{0,n}": fullmatch then tries n+1 splits."""
    return sre_parse is not None and _floats(list(sre_parse.parse(pattern, flags)))


def _floats(items: list[tuple[Any, Any]]) -> bool:
    if not items:
        return False
    op, av = items[0]
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
        return av[1] > 1 and bool(av[2]) and av[2][0][0] in (sre.ANY, sre.NOT_LITERAL)
    if op is sre.SUBPATTERN:
        return _floats(list(av[3]))
    if op is sre.BRANCH:
        return any(_floats(list(alt)) for alt in av[1])
    return False


def first_chars(pattern: str, flags: int = 0) -> Literals | None:
    """Return the characters (as fold_case() writes them) a match must start with, if known."""
    if sre_parse is None:
        return None
    chars, nullable = _sequence_first(list(sre_parse.parse(pattern, flags)))
    return None if nullable else chars


def _sequence_first(items: list[tuple[Any, Any]]) -> tuple[Literals | None, bool]:
    """First characters of a sequence (None: any), and whether it can match empty text."""
    found: set[str] = set()
    for op, av in items:
        if op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):
            continue  # zero-width: the next item gives the first character
        chars, nullable = _node_first(op, av)
        if chars is None:
            return None, False
        found |= chars
        if not nullable:
            return frozenset(found), False
    return frozenset(found), True


def _node_first(op: Any, av: Any) -> tuple[Literals | None, bool]:
    if op is sre.LITERAL:
        char = _literal_char(av)
        return (None if char is None else frozenset(char)), False
    if op is sre.IN:
        return _literal_set(av), False
    if op is sre.SUBPATTERN:
        return _sequence_first(list(av[3]))
    if op is sre.ATOMIC_GROUP:
        return _sequence_first(list(av))
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
        chars, nullable = _sequence_first(list(av[2]))
        return chars, nullable or av[0] == 0
    if op is sre.BRANCH:
        alternatives = [_sequence_first(list(alt)) for alt in av[1]]
        if any(chars is None for chars, _ in alternatives):
            return None, False
        union: Literals = frozenset().union(*(chars for chars, _ in alternatives))
        return union, any(nullable for _, nullable in alternatives)
    return None, False


def _literal_char(code: int) -> str | None:
    """The character a LITERAL node stands for, when fold_case() keeps it recognisable."""
    char = chr(code)
    if char.isascii():
        return char.lower()
    # caseless symbols and punctuation ("©", "’") match only themselves
    return char if char.lower() == char == char.upper() and not char.isalnum() else None


def _sequence_literals(items: list[tuple[Any, Any]]) -> Literals | None:
    """Best requirement of a sequence: its longest literal run or its most selective part."""
    candidates: list[Literals] = []
    run = ""
    for op, av in [*items, (None, None)]:
        char = _literal_char(av) if op is sre.LITERAL else None
        if char is not None:
            run += char
            continue
        if run:
            candidates.append(frozenset([run]))
            run = ""
        if op is not None:
            found = _node_literals(op, av)
            if found:
                candidates.append(found)
    return max(candidates, key=_selectivity, default=None)


def _node_literals(op: Any, av: Any) -> Literals | None:
    if op is sre.SUBPATTERN:
        return _sequence_literals(list(av[3]))
    if op is sre.ATOMIC_GROUP:
        return _sequence_literals(list(av))
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
        return _sequence_literals(list(av[2])) if av[0] >= 1 else None
    if op is sre.BRANCH:
        # an alternative with no requirement leaves the whole branch without one
        return union_of_literals([_sequence_literals(list(alt)) for alt in av[1]])
    if op is sre.IN:
        return _literal_set(av)
    return None


def _literal_set(av: Any) -> Literals | None:
    """The characters of a set made of literals only (like [-/.]); None for any other set."""
    if not all(item_op is sre.LITERAL for item_op, _ in av):
        return None
    chars = [_literal_char(code) for _, code in av]
    return None if None in chars else frozenset(chars)  # type: ignore[arg-type]


def _selectivity(literals: Literals) -> tuple[int, int]:
    """Rank requirements: long shortest literal first, then few literals."""
    return min(map(len, literals)), -len(literals)


class RowTable(Generic[K]):
    """Find the first group of regex rows, in table order, with a row matching a whole text.

    Rows too short for the text are left out. Rows that start with ".{0,n}" (costly: every split
    is tried) run only when the text holds a literal they require; the other rows of all groups
    run as one regex whose named alternatives tell which group matched, so rows must not have
    capturing groups of their own.
    """

    def __init__(self, table: list[tuple[K, str]], flags: int = 0) -> None:
        capturing = [rx for _, rx in table if re.compile(rx, flags).groups]
        if capturing:
            raise ValueError(f"rows must not capture: {capturing}")
        self._groups = list(dict.fromkeys(group for group, _ in table))
        rows = [_Row.parse(self._groups.index(group), rx, flags) for group, rx in table]
        self._plans = tuple(
            _Plan([row for row in rows if row.width is None or row.width > floor], flags)
            for floor in (-1, *_LENGTH_STEPS)
        )

    def first_match(self, text: str, folded: str) -> K | None:
        """Return the first group with a row matching all of text (folded: fold_case(text))."""
        index = self._plans[bisect.bisect_left(_LENGTH_STEPS, len(text))].first_match(text, folded)
        return None if index is None else self._groups[index]


@dataclass(frozen=True, slots=True)
class _Row:
    group: int
    rx: str
    width: int | None
    floating: bool
    needs: Literals | None

    @classmethod
    def parse(cls, group: int, rx: str, flags: int) -> _Row:
        """Analyse one row: how long a text it can match, how it starts, what it needs."""
        floating = starts_floating(rx, flags)
        needs = required_literals(rx, flags) if floating else None
        return cls(group, rx, max_width(rx, flags), floating, needs)


class _Plan:
    """The rows that can match texts of one length range, compiled for speed."""

    def __init__(self, rows: list[_Row], flags: int) -> None:
        self._floating: list[tuple[int, re.Pattern[str], Literals]] = []
        gated: set[_Row] = set()
        for group in dict.fromkeys(row.group for row in rows):
            floating = [row for row in rows if row.group == group and row.floating]
            needs = union_of_literals([row.needs for row in floating])
            if floating and needs is not None:
                rx = re.compile(_alternation([row.rx for row in floating]), flags)
                self._floating.append((group, rx, needs))
                gated.update(floating)
        self._flags = flags
        self._anchored_rows = [
            (row.group, row.rx, first_chars(row.rx, flags)) for row in rows if row not in gated
        ]
        # A text's first character rules out most rows (a prose line is tried against a few,
        # not all); the regex for each first character is compiled on first use.
        self._starts = frozenset().union(*(first for _, _, first in self._anchored_rows if first))
        self._anchored: dict[str, re.Pattern[str] | None] = {}

    def _anchored_for(self, start: str) -> re.Pattern[str] | None:
        """The anchored rows that can match a text starting with start, as one regex."""
        anchored: dict[int, list[str]] = {}
        for group, rx, first in self._anchored_rows:
            if first is None or start in first:
                anchored.setdefault(group, []).append(rx)
        named = [f"(?P<g{group}>{_alternation(rxs)})" for group, rxs in anchored.items()]
        compiled = re.compile("|".join(named), self._flags) if named else None
        self._anchored[start] = compiled
        return compiled

    def first_match(self, text: str, folded: str) -> int | None:
        start = folded[:1] if folded[:1] in self._starts else ""  # "": none of the known ones
        anchored = self._anchored[start] if start in self._anchored else self._anchored_for(start)
        m = anchored.fullmatch(text) if anchored is not None else None
        first = int(m.lastgroup[1:]) if m is not None and m.lastgroup else None
        for group, rx, needs in self._floating:
            if first is not None and group >= first:
                break
            if contains_any(folded, needs) and rx.fullmatch(text):
                return group
        return first


def _alternation(rows: list[str]) -> str:
    """Join rows as one alternation, keeping their order."""
    return "|".join(f"(?:{rx})" for rx in rows)
