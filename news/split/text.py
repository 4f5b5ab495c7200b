"""Line-level helpers shared by the splitters: prose vs headings, datelines, titles, bodies."""

from __future__ import annotations

import logging
import re
from datetime import date
from functools import lru_cache

from news.dates import find_date_span, read_date_line
from news.sentences import iter_sentences
from news.split.boilerplate import drop_trailing_bio, ends_sentence

logger = logging.getLogger(__name__)

PROSE_MIN_WORDS = 6
LONG_LINE_CHARS = 150
MAX_HEADING_CHARS = 250
MAX_TITLE_CHARS = 120
MIN_CLAUSE_TITLE_CHARS = 60
MAX_DATELINE_WORDS = 6  # words beside the date in a dateline: a source or a byline, no more
_NAME_JOINERS = frozenset(("of", "the", "and", "for", "on", "de", "la", "del", "du", "di", "by"))  # a shorter first clause says too little: cut at a word instead

_LINK = re.compile(r"\[([^\]]{1,100})\]\([^)]*\)")
_SOURCE_SEPARATORS = re.compile(r"\s*(?:,|;|\||/|&|\band\b)\s*")
# Tried only where a run of separators starts: a long run not at the end costs one pass.
_TRAILING_SEPARATOR = re.compile(r"(?<![\s,|–—:-])[\s,|–—:-]+$")
_TIME = re.compile(r"\d{1,2}[:.]\d{2}(?:\s*[ap]\.?m\.?)?(?:\s*\(?[A-Z]{2,5}\)?)?", re.IGNORECASE)
_DATE_LABELS = re.compile(
    r"\b(?:last\s+)?(?:updated|published|posted|modified|date|on|at)\b\s*:?", re.IGNORECASE
)
# The first " | " or " » " of a title: what follows is the section and site. Searched on its
# own ("\s+[|»]\s+.*$" tried every blank of a long run of them, each to the end of the run).
_TITLE_SUFFIX = re.compile(r"\s[|»]\s")
_CLAUSE_END = re.compile(r"\s*(?:[,;:]|\s[–—-])\s")


def is_prose(line: str) -> bool:
    """Return True for a line that reads as article text (a sentence or a long passage)."""
    if len(line) >= LONG_LINE_CHARS:
        return True
    return ends_sentence(line) and len(line.split()) >= PROSE_MIN_WORDS


def is_heading_like(line: str) -> bool:
    """Return True for a short line that is not prose: a headline, section name or caption."""
    return not is_prose(line) and len(line) <= MAX_HEADING_CHARS


def _plain_sources(text: str) -> list[str] | None:
    parts = [p.strip() for p in _SOURCE_SEPARATORS.split(text) if p.strip()]
    for part in parts:
        words = part.split()
        if len(words) > 6 or not part[0].isupper() or words[0].lower() == "by" or ":" in part:
            return None
        if _DATE_LABELS.fullmatch(part):
            return None  # "Updated", "Published": a label, not a source
        if ends_sentence(part) and not re.search(r"\b[A-Z]\.$", part):
            return None
    return parts or None


def parse_sources(text: str) -> list[str] | None:
    """Read the source names before a date: markdown links or short plain names."""
    text = _TRAILING_SEPARATOR.sub("", text.strip())
    if not text:
        return None
    links = [m.group(1).strip() for m in _LINK.finditer(text)]
    if not links:
        return _plain_sources(text)
    rest = _SOURCE_SEPARATORS.sub("", _LINK.sub("", text))
    return links if not rest.strip() else None


def _parse_segment(segment: str) -> tuple[list[str], date] | None:
    span = find_date_span(segment)
    if span is None:
        return None
    found, start, end = span
    tail = _TIME.sub("", segment[end:]).strip(" ,.")
    sources = parse_sources(segment[:start]) if not tail else None
    return (sources, found) if sources else None


def parse_source_line(line: str) -> tuple[list[str], date] | None:
    """Parse a newsletter source line like '[TASS](#), 16 March 2025; [RT](#), 16 March 2025'."""
    if len(line) > 300:
        return None
    parsed = _source_line(line)
    return (list(parsed[0]), parsed[1]) if parsed else None


def is_source_line(line: str) -> bool:
    """Return True for a newsletter source/date line (see parse_source_line)."""
    return len(line) <= 300 and _source_line(line) is not None


# The newsletter splitter asks about each line several times; lines are short (<= 300 chars).
@lru_cache(maxsize=4096)
def _source_line(line: str) -> tuple[tuple[str, ...], date] | None:
    sources: list[str] = []
    dates: list[date] = []
    for segment in (s for s in line.split(";") if s.strip()):
        parsed = _parse_segment(segment)
        if parsed is None:
            return None
        sources.extend(s for s in parsed[0] if s not in sources)
        dates.append(parsed[1])
    return (tuple(sources), dates[0]) if dates else None


def parse_dateline(line: str) -> tuple[list[str], date | None] | None:
    """Parse a dateline ('Time of India15-05-2025', 'Updated 9:06 AM ET': no date, only a time)."""
    stamp = read_date_line(line)
    if stamp is not None and not stamp.residue:
        return [], stamp.published
    strict = parse_source_line(line)
    if strict is not None:  # a linked name is a source; a plain one must read as a name
        linked = _LINK.search(line) is not None
        names = all(_is_name_word(word) for name in strict[0] for word in name.split())
        return strict if linked or names else None
    if stamp is None or is_prose(line):
        return None
    return _dateline_sources(stamp.residue, stamp.published)


def _dateline_sources(residue: str, published: date | None) -> tuple[list[str], date | None] | None:
    """Accept the words beside a date only when they name sources or an author, not a sentence."""
    words = residue.split()
    if len(words) > MAX_DATELINE_WORDS or not all(map(_is_name_word, words)):
        return None  # "Parliament dissolved 3 March 2025" is a headline
    if words[0].lower() == "by":
        return [], published  # a byline: an author, not a source
    sources = _plain_sources(residue)
    return (sources, published) if sources else None


def _is_name_word(word: str) -> bool:
    """Tell whether a word can belong to a name: capitalised, a number, or a joining word."""
    bare = word.strip(",;:|&()[]/·•–—-")
    return not bare or not bare[0].isalpha() or bare[0].isupper() or bare.lower() in _NAME_JOINERS


def clean_title(title: str | None, site_name: str | None = None) -> str | None:
    """Strip ' | Section | site' suffixes (and a trailing site name) from a page title."""
    if not title:
        return None
    text = title.strip()
    if suffix := _TITLE_SUFFIX.search(text):
        text = text[: suffix.start()]
    if site_name:
        # "(?<!\s)": tried at the start of a run of blanks only, so a long run costs one pass.
        text = re.sub(r"(?<!\s)\s+[-–—:]\s+" + re.escape(site_name) + r"\s*$", "", text.rstrip(),
                      flags=re.I)
    return text.strip() or None


def fallback_title(body: str) -> str:
    """Make a title from the body's first sentence, cut at a clause or word boundary if long."""
    first = " ".join(next(iter_sentences(body), "").split())
    if len(first) <= MAX_TITLE_CHARS:
        return first.removesuffix(".")
    clause = _last_clause_end(first, MAX_TITLE_CHARS)
    if clause >= MIN_CLAUSE_TITLE_CHARS:
        return first[:clause]
    return first[: MAX_TITLE_CHARS - 1].rsplit(" ", 1)[0].rstrip(" ,;:-–—") + "…"


def _last_clause_end(sentence: str, limit: int) -> int:
    """Return where the last clause in sentence[:limit] ends (at ", ; :" or a dash), else 0."""
    ends = [m.start() for m in _CLAUSE_END.finditer(sentence, 0, limit)]
    return next((end for end in reversed(ends) if _balanced(sentence[:end])), 0)


def _balanced(text: str) -> bool:
    """Tell whether text closes every bracket and straight double quote that it opens."""
    return text.count("(") == text.count(")") and text.count('"') % 2 == 0


def join_body(paragraphs: list[str]) -> str:
    """Join body paragraphs, dropping an author bio at the end."""
    return "\n\n".join(p for p in drop_trailing_bio(paragraphs) if p.strip())
