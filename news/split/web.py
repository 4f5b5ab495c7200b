"""Split a scraped web page (or a plain article) into its real articles, furniture removed."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from news.split.boilerplate import (
    LineKind,
    classify,
    clean_line,
    is_real_paragraph,
    repair_fragments,
)
from news.split.text import (
    clean_title,
    fallback_title,
    is_heading_like,
    join_body,
    parse_dateline,
)
from news.types import ExtractedDocument, ParsedItem

logger = logging.getLogger(__name__)

# An article found after page furniture (in a "Related" list, say) counts only with a full
# body; a headline with a one-paragraph blurb is a teaser.
FULL_BODY_MIN_CHARS = 800
MAX_BADGE_WORDS = 5
# A page without a single prose line may still be one short article: a headline and an
# unfinished paragraph, or just one line (read as both title and body).
SHORT_ARTICLE_MAX_LINES = 2
SHORT_ARTICLE_MIN_WORDS = 6
# "Headline / date line / deck / body": a heading line after a headline and its date line is a
# deck (a standfirst), not the headline, when the headline is more than a section label. So is
# every heading line under a page's opening line ("Headline / deck / deck / body" in plain text).
MIN_HEADLINE_WORDS = 3
_BULLETS = "•·▪◦●○-–— "


@dataclass(slots=True)
class _Article:
    title: str | None
    sources: list[str]
    published: date | None
    from_teasers: bool
    paras: list[str] = field(default_factory=list)
    heading_at: int | None = None  # where the paragraphs after the latest inner heading start

    def chars_since_heading(self) -> int:
        start = self.heading_at if self.heading_at is not None else len(self.paras)
        return sum(len(p) for p in self.paras[start:])


class _WebSplitter:
    """Walk the lines once, tracking whether we are inside an article or a teaser list."""

    def __init__(self, doc: ExtractedDocument) -> None:
        self.doc = doc
        self.articles: list[_Article] = []
        self.current: _Article | None = None
        self.mode = "article"  # "article" | "teaser" | "trailer"
        self.pending: str | None = None  # last headline-like line not yet used
        self.pending_sources: list[str] = []
        self.pending_date: date | None = None
        self.dated = False  # a date line came right after the pending headline
        self.deck: str | None = None  # a heading line under a dated headline, kept aside
        self.opening = False  # the pending headline is the page's first line of text
        self.lines = 0  # content lines seen, date lines aside
        self.headings: list[str] = []  # distinct heading-like lines, for a page without prose
        self._handlers: dict[LineKind, Callable[[str], None]] = {
            LineKind.CONTENT: self._content,
            LineKind.NOISE: lambda _line: None,
            LineKind.META: self._meta,
            LineKind.END: self._end,
            LineKind.SECTION: self._leave,
            LineKind.TRAILER: self._trailer,
        }

    def feed(self, line: str) -> None:
        """Consume one line of the page."""
        kind = classify(line)
        if kind is LineKind.CONTENT:
            line = clean_line(line)
            kind = LineKind.CONTENT if line else LineKind.END
        self._handlers[kind](line)

    def _end(self, line: str) -> None:
        if self.current is None:  # a cookie banner above the article is not a teaser list
            self._reset_pending()
            return
        self._leave(line)

    def _leave(self, _line: str) -> None:
        self.mode = "teaser"
        self._reset_pending()

    def _trailer(self, _line: str) -> None:
        self.mode = "trailer"
        self._reset_pending()

    def _reset_pending(self) -> None:
        self.pending, self.pending_sources, self.pending_date = None, [], None
        self.dated, self.deck, self.opening = False, None, False

    def _meta(self, line: str) -> None:
        badge = line.strip(_BULLETS)
        if line.lstrip()[:1] in "•·▪" and 0 < len(badge.split()) <= MAX_BADGE_WORDS:
            self.pending_sources = [badge]
        cur = self.current
        if self.mode == "article" and cur is not None and cur.paras:
            # card metadata after body text: the last heading + blurb were a teaser card
            if cur.heading_at is not None and cur.chars_since_heading() < FULL_BODY_MIN_CHARS:
                del cur.paras[cur.heading_at :]
            self.mode = "teaser"

    def _content(self, line: str) -> None:
        if self.doc.site_name and line.strip().lower() == self.doc.site_name.strip().lower():
            return
        dateline = parse_dateline(line)
        if dateline is not None:
            self._dateline(*dateline)
            return
        self.lines += 1
        if is_heading_like(line):
            self._heading(line)
        else:
            self._prose(line)

    def _dateline(self, sources: list[str], published: date | None) -> None:
        cur = self.current
        if self.mode == "article" and cur is not None and self.pending is None:
            cur.published = cur.published or published
            cur.sources = cur.sources or sources
            return
        if self.deck is not None and self.dated:  # dated again: the "deck" headed a list item
            self.pending, self.deck, self.opening = self.deck, None, False
        self.dated = self.pending is not None
        self.pending_sources = self.pending_sources or sources
        self.pending_date = self.pending_date or published

    def _heading(self, line: str) -> None:
        cur = self.current
        if line == self.pending or (cur is not None and line == cur.title and not cur.paras):
            return  # the same headline printed twice
        if line not in self.headings:
            self.headings.append(line)
        if self.mode == "article" and cur is not None and cur.paras:
            cur.heading_at = len(cur.paras)
        if self._is_deck(line):
            self.deck = line
            return
        self.pending, self.dated, self.deck = line, False, None
        self.opening = self.lines == 1

    def _is_deck(self, line: str) -> bool:
        """Tell whether a heading line is a deck under the page's opening or dated headline."""
        if self.current is not None or self.mode != "article":
            return False
        if len((self.pending or "").split()) < MIN_HEADLINE_WORDS:
            return False
        # the opening headline may carry several decks; a later one only one before its date
        return self.opening or (self.dated and self.deck is None)

    def _prose(self, line: str) -> None:
        if self.current is None:
            if self.mode == "teaser" and not is_real_paragraph(line):
                self.pending, self.dated = line, False  # a teaser blurb in a list above the article
                return
            self._start(self.pending, from_teasers=False)
        elif self.mode != "article":
            if self.pending is not None:
                self._start(self.pending, from_teasers=True)
            elif self.mode == "teaser" and is_real_paragraph(line):
                self.mode = "article"  # the article goes on after a stray teaser block
            else:
                self.pending, self.dated = (line if self.mode == "teaser" else None), False
                return
        assert self.current is not None
        self.current.paras.append(line)
        self.pending, self.dated, self.deck = None, False, None

    def _start(self, heading: str | None, from_teasers: bool) -> None:
        title = heading if from_teasers else clean_title(self.doc.title) or clean_title(heading)
        article = _Article(title, self.pending_sources, self.pending_date, from_teasers)
        self.articles.append(article)
        self.current, self.mode = article, "article"
        self._reset_pending()

    def items(self) -> list[ParsedItem]:
        """Return the articles found, with teaser-only candidates dropped."""
        if not self.articles:
            self._short_article()
        return [self._item(a) for a in self.articles if self._keep(a)]

    def _short_article(self) -> None:
        """Read a page without prose as one article when it is a headline and one paragraph."""
        lines = self.headings
        if not 0 < len(lines) <= SHORT_ARTICLE_MAX_LINES:
            return
        if len(lines[-1].split()) < SHORT_ARTICLE_MIN_WORDS:
            return
        title = clean_title(self.doc.title) or (lines[0] if len(lines) > 1 else None)
        self.articles.append(_Article(title, self.pending_sources, self.pending_date, False))
        self.articles[0].paras.append(lines[-1])

    @staticmethod
    def _keep(article: _Article) -> bool:
        size = sum(len(p) for p in article.paras)
        return not article.from_teasers or size >= FULL_BODY_MIN_CHARS

    def _item(self, article: _Article) -> ParsedItem:
        body = join_body(article.paras)
        first = not article.from_teasers
        site = [self.doc.site_name] if self.doc.site_name else []
        sources = (site or article.sources) if first else (article.sources or site)
        published = article.published or (self.doc.published if first else None)
        return ParsedItem(
            title=article.title or fallback_title(body),
            body=body,
            sources=list(sources),
            published=published,
            url=self.doc.url if first else None,
            title_from_body=not article.title,
        )


def split_webpage(paragraphs: list[str], doc: ExtractedDocument) -> list[ParsedItem]:
    """Find the page's article(s): the main one plus any full article after furniture."""
    splitter = _WebSplitter(doc)
    for line in repair_fragments(paragraphs):
        splitter.feed(line)
    items = splitter.items()
    logger.debug("web page: %d articles", len(items))
    return items
