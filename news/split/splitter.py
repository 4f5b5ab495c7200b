"""Split an extracted document into items: newsletter stories, web-page articles, or one article."""

from __future__ import annotations

import logging
import re
import statistics

from news.split.boilerplate import ends_sentence
from news.split.newsletter import is_newsletter, split_newsletter
from news.split.web import split_webpage
from news.types import ExtractedDocument, ParsedItem

logger = logging.getLogger(__name__)

MIN_BODY_CHARS = 40
# Hard-wrapped text (PDF, e-mail) has many mid-sentence line ends of similar length.
WRAP_MIN_LINES = 5
WRAP_MIN_SHARE = 0.5
WRAP_LINE_CHARS = (30, 110)


_BLANK_LINE = re.compile(r"\n[ \t]*\n")


def _blocks(text: str) -> list[list[str]]:
    raw = _BLANK_LINE.split(text.replace("\r\n", "\n").replace("\r", "\n"))
    blocks = [[ln for ln in map(str.strip, b.split("\n")) if ln] for b in raw]
    return [b for b in blocks if b]


def _is_hard_wrapped(blocks: list[list[str]]) -> bool:
    pairs = [(b[i], b[i + 1]) for b in blocks for i in range(len(b) - 1)]
    if len(pairs) < WRAP_MIN_LINES:
        return False
    # a wrapped line stops mid-sentence and the next one carries on in lower case
    wraps = sum(1 for ln, nxt in pairs if not ends_sentence(ln) and nxt[0].islower())
    low, high = WRAP_LINE_CHARS
    median = statistics.median(len(ln) for ln, _ in pairs)
    return wraps / len(pairs) >= WRAP_MIN_SHARE and low <= median <= high


def paragraphs_of(text: str) -> list[str]:
    """Cut text into paragraphs: one per line, or one per block when lines are hard-wrapped."""
    blocks = _blocks(text)
    if _is_hard_wrapped(blocks):
        return [" ".join(b) for b in blocks]
    return [line for b in blocks for line in b]


def _finish(items: list[ParsedItem]) -> list[ParsedItem]:
    kept = [i for i in items if len(i.body.strip()) >= MIN_BODY_CHARS and i.title.strip()]
    for position, item in enumerate(kept):
        item.position = position
    return kept


def split_document(doc: ExtractedDocument) -> list[ParsedItem]:
    """Split a document into its stories (positions 0..n-1); tiny or empty ones are dropped."""
    paragraphs = paragraphs_of(doc.text or "")
    if not paragraphs:
        return []
    if is_newsletter(paragraphs):
        items = split_newsletter(paragraphs)
        shape = "newsletter"
    else:
        items = split_webpage(paragraphs, doc)
        shape = "page"
    result = _finish(items)
    logger.info("split %s document into %d items", shape, len(result))
    return result
