"""Paragraph-aware sentence splitting that keeps abbreviations, initials and quotes intact."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

from news.tokens import wordset

logger = logging.getLogger(__name__)

# A candidate end: "." "!" "?" runs (or an ellipsis) plus closing quotes/brackets, then space or
# end; CJK full stops need no space after them. Every match starts with one of _MARKS.
_END_RE = re.compile(
    r"(?:\.{2,}|…|[.!?]+)[\"'”’»)\]]*(?=\s|$)|[。！？]+[」』”’]*",
)
_MARKS = ".!?…。！？"
_MARK_RUN_RE = re.compile(r"[.!?]+")
_LINE_RE = re.compile(r"[^\n]+")
_NEXT_WORD_RE = re.compile(r"\s*[\"'“‘«(\[]*(\w+)")
_NON_SPACE_RE = re.compile(r"\S")  # re's \s is str.isspace, so this finds what lstrip() keeps
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
_LONGEST_ABBREVIATION = max(map(len, _NEVER_FINAL | _MAYBE_FINAL))  # "approx"
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
    return list(iter_sentences(text))


def iter_sentences(text: str) -> Iterator[str]:
    """Yield the sentences of split_sentences lazily, so callers may stop early on long texts."""
    marks = [mark for mark in _MARKS if mark in text]  # most texts use two or three of them
    for block in _blocks(text):
        for start, end in _join_lines(text, block):
            yield from _split_span(text, start, end, marks)


def _blocks(text: str) -> Iterator[list[tuple[int, int]]]:
    """Yield groups of non-blank lines separated by blank lines."""
    current: list[tuple[int, int]] = []
    last_end = -1
    for m in _LINE_RE.finditer(text):
        if m.group().isspace():
            continue
        if current and text.count("\n", last_end, m.start()) >= 2:
            yield current
            current = []
        current.append((m.start(), m.end()))
        last_end = m.end()
    if current:
        yield current


def _join_lines(text: str, lines: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Merge lines of one block that continue each other (hard wraps, stray punctuation)."""
    if len(lines) == 1:
        return lines
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


def _split_span(text: str, start: int, end: int, marks: list[str]) -> list[str]:
    """Split the paragraph text[start:end], whose end marks are among `marks`, into sentences."""
    # Work on indices into text (pos/endpos act as the span's ends): no per-paragraph copies.
    last = end  # a mark at the very end needs no split
    while last > start and text[last - 1].isspace():
        last -= 1
    out: list[str] = []
    pos = start
    for mark_start, mark_end in _candidate_ends(text, start, end, marks):
        if mark_end >= last or not _is_boundary(text, mark_start, mark_end, start, end):
            continue
        sentence = text[pos:mark_end].strip()
        if sentence:
            out.append(sentence)
        pos = mark_end
    tail = text[pos:end].strip()
    if tail:
        out.append(tail)
    return out


def _candidate_ends(text: str, start: int, end: int, marks: list[str]) -> list[tuple[int, int]]:
    """Return the spans of the matches of _END_RE.finditer(text, start, end), found faster."""
    # str.find skips to each mark at C speed; the regex engine would test every character.
    at = []
    for mark in marks:
        i = text.find(mark, start, end)
        while i >= 0:
            at.append(i)
            i = text.find(mark, i + 1, end)
    at.sort()
    found = []
    resume = start  # like finditer, never start inside the previous match
    for i in at:
        if i < resume:
            continue
        # The common case needs no regex: a lone period before whitespace (or the end) is
        # exactly what _END_RE matches there.
        if text[i] == "." and (i + 1 == end or text[i + 1].isspace()):
            found.append((i, i + 1))
            resume = i + 1
        elif m := _END_RE.match(text, i, end):
            found.append(m.span())
            resume = m.end()
        elif text[i] in ".!?":
            # Whether a run of marks ends a sentence depends only on what follows the run, so
            # if it fails here it fails at every later mark of the run: skip them all, or a run
            # like "....x" costs the square of its length.
            resume = _MARK_RUN_RE.match(text, i, end).end()
    return found


def _is_boundary(text: str, mark_start: int, mark_end: int, start: int, end: int) -> bool:
    """Decide whether the candidate end text[mark_start:mark_end] of a span really ends one."""
    mark = text[mark_start:mark_end]
    if mark[0] in "。！？":
        return True
    # Look on from the mark rather than slicing the rest off: slices made long paragraphs
    # quadratic. Usually a single space follows the mark.
    at = mark_end + 1
    if at >= end or text[at].isspace():
        found = _NON_SPACE_RE.search(text, mark_end, end)
        if found is None:
            return False
        at = found.start()
    first = text[at]
    if first.islower():
        return False
    if mark == ".":  # the common case first
        # A word of more letters and digits than any abbreviation is none (nor initials):
        # one test spares most sentence ends the search for the word.
        reach = mark_start - _LONGEST_ABBREVIATION - 1
        if reach >= start and text[reach:mark_start].isalnum():
            return True
        return not _is_abbreviation(_word_before(text, mark_start, start), text, at, end)
    core = mark.rstrip(_CLOSERS)
    if core in ("...", "…") or core.startswith(".."):
        # An ellipsis marks an omission far more often than an end.
        return first in _OPENERS or _is_starter(_next_word(text, at, end))
    return True  # "!", "?", or a period inside closing quotes/brackets


def _word_before(text: str, dot: int, start: int) -> str:
    """Return the token that ends at the period at index `dot`, within a span from `start`."""
    begin = max(text.rfind(" ", start, dot) + 1, start)
    if not text[begin:dot].isprintable():  # other whitespace, e.g. a wrapped line's newline
        begin = dot
        while begin > start and not text[begin - 1].isspace():
            begin -= 1
    return text[begin:dot].lstrip(_OPENERS)


def _next_word(text: str, at: int, end: int) -> str:
    """Return the first word of text[at:end], past opening quotes."""
    m = _NEXT_WORD_RE.match(text, at, end)
    return m.group(1) if m else ""


def _is_starter(word: str) -> bool:
    """Tell whether a capitalised word is a function word that opens a clause."""
    return bool(word) and word[0].isupper() and word.casefold() in _STARTERS


def _is_abbreviation(word: str, text: str, at: int, end: int) -> bool:
    """Tell whether `word.` is an abbreviation or initial, given that text[at:end] follows."""
    low = word.casefold()
    if low in _NEVER_FINAL:
        return True
    if low == "no":
        return text[at].isdigit()
    if low in _MAYBE_FINAL or _is_initials(word):
        return not _is_starter(_next_word(text, at, end))
    return False


def _is_initials(word: str) -> bool:
    """Tell whether a token is an initial or dotted acronym: "S", "J.D", "U.S"."""
    if len(word) != 1 and word[1:2] != ".":
        return False  # cheap reject of ordinary words: initials alternate letter and dot
    parts = word.split(".")
    return all(len(p) == 1 and p.isalpha() and p.isupper() for p in parts)
