"""A linear scan of HTML tags, for pages the tree parser gives up on (nesting past its limit).

lxml (libxml2) stops building the tree a few hundred elements deep, so a page nested deeper
loses everything below that level. These helpers never build a tree: they measure the
nesting and pull the text out of the tags in one pass, in time linear in the page's length.
"""

from __future__ import annotations

import html as html_entities
import re
from collections.abc import Iterator

from news.tokens import wordset

# libxml2's HTML parser keeps at most this many open elements; below, text is dropped.
PARSER_MAX_DEPTH = 256

# "[^<>]*" stops at the next "<": a "<" that never closes costs one scan up to the next one.
_TAG_RE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9:-]*)[^<>]*?(/?)>")
# Elements that never enclose others, or that browsers close by themselves: no nesting.
_FLAT = wordset(
    "area base br col embed hr img input link meta param source track wbr p li dt dd option tr td th"
)
_SKIPPED = wordset("script style noscript template nav header footer aside form")
_BLOCKS = wordset(
    "p div br li ul ol h1 h2 h3 h4 h5 h6 tr table blockquote pre article section main dd dt "
    "figcaption"
)


def nesting_depth(page: str) -> int:
    """Return how deep the page's elements nest (unclosed flat ones like <p> not counted)."""
    depth = deepest = 0
    for closing, name, self_closing in _tags(page):
        if name in _FLAT or self_closing:
            continue
        depth = max(0, depth - 1) if closing else depth + 1
        deepest = max(deepest, depth)
    return deepest


def too_deep_to_parse(page: str) -> bool:
    """Tell whether the tree parser would drop part of the page for nesting too deep."""
    return nesting_depth(page) >= PARSER_MAX_DEPTH


def text_of_tags(page: str) -> str:
    """Return a page's text without its tags: one line per block, scripts and menus left out."""
    page = _without_comments(page)
    pieces: list[str] = []
    skipping: str | None = None  # the element whose content is left out
    skip_depth = 0
    at = 0
    for match in _TAG_RE.finditer(page):
        if skipping is None:
            pieces.append(page[at:match.start()])
        at = match.end()
        closing, name = match.group(1) == "/", match.group(2).lower()
        if skipping is not None:
            if name == skipping and not match.group(3):
                skip_depth += -1 if closing else 1
                skipping = None if skip_depth == 0 else skipping
        elif name in _SKIPPED and not closing and not match.group(3):
            skipping, skip_depth = name, 1
        elif name in _BLOCKS:
            pieces.append("\n")
    if skipping is None:
        pieces.append(page[at:])
    text = html_entities.unescape("".join(pieces))
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def _tags(page: str) -> Iterator[tuple[bool, str, bool]]:
    """Yield (closing, lower-case name, self-closing) for each tag of the page."""
    for match in _TAG_RE.finditer(page):
        yield match.group(1) == "/", match.group(2).lower(), match.group(3) == "/"


def _without_comments(page: str) -> str:
    """Drop <!-- comments --> (an unclosed one runs to the end, as in browsers)."""
    if "<!--" not in page:
        return page
    kept: list[str] = []
    at = 0
    while (start := page.find("<!--", at)) >= 0:
        kept.append(page[at:start])
        end = page.find("-->", start + 4)
        if end < 0:
            return "".join(kept)
        at = end + 3
    kept.append(page[at:])
    return "".join(kept)
