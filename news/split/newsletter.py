"""Split a newsletter digest: stories shaped as headline, source/date line, body paragraphs."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice

from news.split.boilerplate import LineKind, classify, repair_fragments, strip_boilerplate
from news.split.text import (
    is_heading_like,
    is_prose,
    is_source_line,
    join_body,
    parse_source_line,
)
from news.types import ParsedItem

logger = logging.getLogger(__name__)

MIN_STORIES = 2
# A short line before a headline is a section heading ("From Moscow"); a longer one is the
# first half of a headline broken over two lines.
MIN_HEADLINE_PART_WORDS = 6
MAX_HEADLINE_WORDS = 40
REPEATED_LINE_MAX_CHARS = 80
REPEATED_LINE_MIN_COUNT = 3


@dataclass(slots=True)
class _Story:
    head_start: int  # index of the first headline line
    source_at: int  # index of the source/date line


def _headline_start(paragraphs: list[str], source_at: int, floor: int) -> int | None:
    """Find where the headline above a source line starts, or None if there is none."""
    i = source_at - 1
    if i < floor or not is_heading_like(paragraphs[i]):
        return None
    start = i
    prev = i - 1
    words = len(paragraphs[i].split())
    while prev >= floor and is_heading_like(paragraphs[prev]):
        part_words = len(paragraphs[prev].split())
        if part_words < MIN_HEADLINE_PART_WORDS or words + part_words > MAX_HEADLINE_WORDS:
            break
        if is_source_line(paragraphs[prev]):
            break
        start, words, prev = prev, words + part_words, prev - 1
    return start


def find_stories(paragraphs: list[str]) -> list[_Story]:
    """Locate every headline + source/date pair in the paragraphs."""
    return list(_iter_stories(paragraphs))


def _iter_stories(paragraphs: list[str]) -> Iterator[_Story]:
    floor = 0
    for i, line in enumerate(paragraphs):
        if not is_source_line(line):
            continue
        start = _headline_start(paragraphs, i, floor)
        if start is not None:
            yield _Story(start, i)
            floor = i + 1


def is_newsletter(paragraphs: list[str]) -> bool:
    """Return True if the text is a digest of several headline + source/date stories."""
    # each story found depends only on those before it: the first few are enough to tell
    return len(list(islice(_iter_stories(paragraphs), MIN_STORIES))) >= MIN_STORIES


def _drop_running_headers(paragraphs: list[str]) -> list[str]:
    """Drop short lines repeated on every page (running headers and footers of a PDF)."""
    counts = Counter(p for p in paragraphs if len(p) <= REPEATED_LINE_MAX_CHARS)
    nexts = [*paragraphs[1:], ""]
    return [
        p
        for p, nxt in zip(paragraphs, nexts, strict=True)
        # a repeated headline is still a headline when a source line follows it
        if counts[p] < REPEATED_LINE_MIN_COUNT or is_source_line(p) or is_source_line(nxt)
    ]


def prepare(paragraphs: list[str]) -> list[str]:
    """Rejoin page-broken paragraphs and split headlines, keeping source lines intact."""
    # page numbers and running headers sit inside page-broken sentences: drop them first
    kept = [p for p in _drop_running_headers(paragraphs) if classify(p) is not LineKind.NOISE]
    return repair_fragments(kept, protect=is_source_line)


def _body(paragraphs: list[str]) -> list[str]:
    # short unpunctuated lines inside a story are section headings, captions or page furniture
    return [p for p in strip_boilerplate(paragraphs) if is_prose(p)]


def _headline(paragraphs: list[str]) -> str:
    return " ".join(p.strip() for p in paragraphs)


def split_newsletter(paragraphs: list[str]) -> list[ParsedItem]:
    """Turn each headline + source/date + body run into one ParsedItem."""
    paragraphs = prepare(paragraphs)
    stories = find_stories(paragraphs)
    items: list[ParsedItem] = []
    for n, story in enumerate(stories):
        end = stories[n + 1].head_start if n + 1 < len(stories) else len(paragraphs)
        parsed = parse_source_line(paragraphs[story.source_at])
        sources, published = parsed if parsed else ([], None)
        items.append(
            ParsedItem(
                title=_headline(paragraphs[story.head_start : story.source_at]),
                body=join_body(_body(paragraphs[story.source_at + 1 : end])),
                sources=list(sources),
                published=published,
            )
        )
    logger.debug("newsletter: %d stories", len(items))
    return items
