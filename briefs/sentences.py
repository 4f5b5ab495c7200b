"""Paragraph-aware sentence splitting that keeps abbreviations, initials and quotes intact."""

from __future__ import annotations

import logging
import re

from briefs.tokens import wordset

logger = logging.getLogger(__name__)

# A candidate end: "." "!" "?" runs (or an ellipsis) plus closing quotes/brackets, then space or
# end; CJK full stops need no space after them.
_END_RE = re.compile(
    r"(?:\.{2,}|…|[.!?]+)[\"'”’»)\]]*(?=\s|$)|[。！？]+[」』”’]*",
)
_LINE_RE = re.compile(r"[^\n]+")
_NEXT_WORD_RE = re.compile(r"\s*[\"'“‘«(\[]*(\w+)")
_CLOSERS = "\"'”’»)]"
_OPENERS = "\"'“‘«(["

# Abbreviations that are (almost) never the last word of a sentence.
_NEVER_FINAL = wordset(
    """
    mr mrs ms mx dr gen lt col capt cpt sgt maj adm cmdr brig sen rep gov prof rev hon st mt ft
    pres supt insp e.g i.e vs v cf approx esp incl dept nos vol fig pp
    """
)
# Abbreviations that may end a sentence: only then when the next word starts a new clause.
_MAYBE_FINAL = wordset(
    """
    inc corp ltd co jr sr etc bros llc plc al govt jan feb mar apr jun jul aug sep sept oct nov
    dec
    """
)
# Capitalised function words that typically open a sentence (after an ambiguous abbreviation).
_STARTERS = wordset(
    """
    a an the he she it they we i you his her its their our this that these those there here
    but and so yet or nor if when while after before as at in on by for from with to of
    however meanwhile earlier later separately instead nevertheless also still then now thus
    what who which where why how some many most all both each such no not
    """
)


def split_sentences(text: str) -> list[str]:
    """Split a text into sentences: stripped, verbatim slices of the input, in order."""
    out: list[str] = []
    for start, end in _paragraph_spans(text):
        out.extend(_split_span(text, start, end))
    return out


def _paragraph_spans(text: str) -> list[tuple[int, int]]:
    """Return (start, end) spans of paragraphs: blank lines always separate them."""
    spans: list[tuple[int, int]] = []
    for block in _blocks(text):
        spans.extend(_join_lines(text, block))
    return spans


def _blocks(text: str) -> list[list[tuple[int, int]]]:
    """Group non-blank lines into blocks separated by blank lines."""
    blocks: list[list[tuple[int, int]]] = []
    current: list[tuple[int, int]] = []
    last_end = -1
    for m in _LINE_RE.finditer(text):
        if not m.group().strip():
            continue
        if current and text.count("\n", last_end, m.start()) >= 2:
            blocks.append(current)
            current = []
        current.append((m.start(), m.end()))
        last_end = m.end()
    if current:
        blocks.append(current)
    return blocks


def _join_lines(text: str, lines: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Merge lines of one block that continue each other (hard wraps, stray punctuation)."""
    stripped = [text[s:e].strip() for s, e in lines]
    longest = max(len(s) for s in stripped)
    wrapped = _looks_wrapped(stripped)
    spans: list[tuple[int, int]] = []
    start = lines[0][0]
    for i in range(len(lines) - 1):
        prev, nxt = stripped[i], stripped[i + 1]
        open_end = not prev.endswith((".", "!", "?"))
        soft = wrapped and len(prev) >= 0.6 * longest and open_end
        # Extractors put inline link text on a line of its own: "a lavish\nParade Name\n. The"
        inline = open_end and i + 2 < len(lines) and _continues(nxt, stripped[i + 2])
        if not (soft or inline or _continues(prev, nxt)):
            spans.append((start, lines[i][1]))
            start = lines[i + 1][0]
    spans.append((start, lines[-1][1]))
    return spans


def _looks_wrapped(lines: list[str]) -> bool:
    """Tell whether a block is hard-wrapped prose (long lines that stop mid-sentence)."""
    inner = lines[:-1]
    if len(inner) < 2:
        return False
    final = (".", "!", "?", ":", *_CLOSERS)
    cut = sum(1 for s in inner if len(s) >= 40 and not s.endswith(final))
    return cut * 2 >= len(inner)


def _continues(prev: str, nxt: str) -> bool:
    """Tell whether line `nxt` obviously continues the sentence of line `prev`."""
    first = nxt[0]
    if first.islower() or first in ".,;:!?)]}":
        return True
    if first in _CLOSERS and not any(c.isalnum() for c in nxt):
        return True  # a stray closing quote left on its own line by an extractor
    return prev.endswith((",", ";", "(", "-", "–", "—", "&"))


def _split_span(text: str, start: int, end: int) -> list[str]:
    """Split one paragraph span into sentences."""
    seg = text[start:end]
    out: list[str] = []
    pos = 0
    for m in _END_RE.finditer(seg):
        if m.end() >= len(seg.rstrip()) or not _is_boundary(seg, m):
            continue
        sentence = seg[pos:m.end()].strip()
        if sentence:
            out.append(sentence)
        pos = m.end()
    tail = seg[pos:].strip()
    if tail:
        out.append(tail)
    return out


def _is_boundary(seg: str, m: re.Match[str]) -> bool:
    """Decide whether the candidate end `m` really ends a sentence."""
    mark = m.group()
    if mark[0] in "。！？":
        return True
    rest = seg[m.end():].lstrip()
    if not rest or rest[0].islower():
        return False
    next_word = _next_word(rest)
    core = mark.rstrip(_CLOSERS)
    if core in ("...", "…") or core.startswith(".."):
        # An ellipsis marks an omission far more often than an end.
        return rest[0] in _OPENERS or _is_starter(next_word)
    if core != "." or core != mark:
        return True
    return not _is_abbreviation(_word_before(seg, m.start()), next_word, rest)


def _word_before(seg: str, dot: int) -> str:
    """Return the token that ends at the period at index `dot`."""
    start = dot
    while start > 0 and not seg[start - 1].isspace():
        start -= 1
    return seg[start:dot].lstrip(_OPENERS)


def _next_word(rest: str) -> str:
    """Return the first word of `rest`, past opening quotes."""
    m = _NEXT_WORD_RE.match(rest)
    return m.group(1) if m else ""


def _is_starter(word: str) -> bool:
    """Tell whether a capitalised word is a function word that opens a clause."""
    return bool(word) and word[0].isupper() and word.casefold() in _STARTERS


def _is_abbreviation(word: str, next_word: str, rest: str) -> bool:
    """Tell whether `word.` is an abbreviation or initial rather than a sentence end."""
    low = word.casefold()
    if low in _NEVER_FINAL:
        return True
    if low == "no":
        return rest[0].isdigit()
    if low in _MAYBE_FINAL or _is_initials(word):
        return not _is_starter(next_word)
    return False


def _is_initials(word: str) -> bool:
    """Tell whether a token is an initial or dotted acronym: "S", "J.D", "U.S"."""
    parts = word.split(".")
    return all(len(p) == 1 and p.isalpha() and p.isupper() for p in parts)
