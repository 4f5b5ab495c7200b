"""Services behind the news and admin commands: latest, search, sources and figures.

The bot's handlers and the CLI call the same functions here (the bot inside a worker thread)
and render what they return; nothing here knows about Telegram or the terminal. `latest_items`
and `find_items` are the use cases; the bot's pages are stories built from them. Each page
fetches one row more than it shows, so it knows whether a "More" button is needed without
counting.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from briefs.charts import trends_png
from briefs.render import truncate_words
from briefs.types import StoryView
from news.countries.lookup import Country, UnknownCountryError, display_country, resolve_country
from storage.query import ParsedQuery, SearchTimeout, parse_query
from storage.records import DocumentRecord, ItemRecord
from storage.repositories.documents import recent_documents
from storage.repositories.items import items_by_ids, newest_items
from storage.repositories.search import search_items
from storage.repositories.stats import StoreCounts, country_counts_by_day, store_counts

if TYPE_CHECKING:
    from services.briefings import BriefingService

logger = logging.getLogger(__name__)

SUMMARY_WORDS = 45


@dataclass(frozen=True, slots=True)
class FoundItem:
    """One search match: the item, its highlighted snippet and its score (higher is better)."""

    item: ItemRecord
    snippet: str
    score: float


@dataclass(frozen=True, slots=True)
class StoryPage:
    """One page of stories (search results or latest), with what is needed for "More"."""

    stories: list[StoryView]
    offset: int
    has_more: bool
    query: str | None = None
    country: Country | None = None
    shortened: bool = False  # only the start of a long query was searched for
    timed_out: bool = False  # the search was stopped at its time limit

    @property
    def next_offset(self) -> int:
        """Return the offset of the following page."""
        return self.offset + len(self.stories)


@dataclass(frozen=True, slots=True)
class SourcesPage:
    """One page of loaded documents, newest first."""

    documents: list[DocumentRecord]
    offset: int
    has_more: bool


@dataclass(frozen=True, slots=True)
class Trends:
    """Items per day for the most covered countries over the last days."""

    days: list[date]
    series: dict[str, dict[date, int]]  # country name -> day -> count
    countries: list[Country]


def story_view(item: ItemRecord, snippet: str | None = None) -> StoryView:
    """Turn a stored item into what templates render."""
    summary = truncate_words(item.summary or item.body, SUMMARY_WORDS)
    return StoryView(
        story_id=item.story_id or item.id, title=item.title, summary=summary,
        sources=[item.source] if item.source else [], published=item.published,
        countries=[display_country(code) for code in item.about[:3]],
        url=item.url, loaded_at=item.loaded_at, snippet=snippet,
    )


def is_blank_query(query: str) -> bool:
    """Tell whether a search query has nothing to search for (no words, only exclusions)."""
    return parse_query(query).is_empty


def is_shortened_query(query: str) -> bool:
    """Tell whether only the start of a long search query is searched for (storage.query)."""
    return parse_query(query).shortened


def find_items(sessions: sessionmaker[Session], query: str, country: str | None = None, *,
               limit: int = 10, offset: int = 0) -> list[FoundItem]:
    """Return the items matching a search query, best first, with highlighted snippets.

    Raises SearchTimeout when the database gave up on the query.
    """
    return _found(sessions, parse_query(query), country, limit=limit, offset=offset)


def _found(sessions: sessionmaker[Session], query: ParsedQuery, country: str | None, *,
           limit: int, offset: int) -> list[FoundItem]:
    with sessions() as session:
        hits = search_items(session, query, country=country, limit=limit, offset=offset)
        items = items_by_ids(session, [h.item_id for h in hits])
    return [FoundItem(items[h.item_id], h.snippet, h.score) for h in hits if h.item_id in items]


def latest_items(sessions: sessionmaker[Session], country: str | None = None, *,
                 since: date | None = None, limit: int = 10, offset: int = 0) -> list[ItemRecord]:
    """Return the newest items, optionally about or mentioning one country, or since a day."""
    with sessions() as session:
        return newest_items(session, country=country, since=since, limit=limit, offset=offset)


def search_page(sessions: sessionmaker[Session], query: str, offset: int = 0,
                size: int = 5, country: str | None = None) -> StoryPage:
    """Return one page of ranked search results with highlighted snippets."""
    parsed = parse_query(query)
    shown = display_country(country) if country else None
    try:
        found = _found(sessions, parsed, country, limit=size + 1, offset=offset)
    except SearchTimeout:
        logger.warning("search stopped at its time limit: %.80r", query)
        return StoryPage([], offset, False, query=query, country=shown, timed_out=True)
    stories = [story_view(f.item, f.snippet) for f in found[:size]]
    return StoryPage(stories, offset, len(found) > size, query=query, country=shown,
                     shortened=parsed.shortened)


def latest_page(sessions: sessionmaker[Session], country: str | None = None,
                offset: int = 0, size: int = 5) -> StoryPage:
    """Return one page of the newest stories, optionally about one country."""
    items = latest_items(sessions, country, limit=size + 1, offset=offset)
    return StoryPage([story_view(item) for item in items[:size]], offset, len(items) > size,
                     country=display_country(country) if country else None)


def sources_page(sessions: sessionmaker[Session], offset: int = 0, size: int = 10) -> SourcesPage:
    """Return one page of loaded documents, newest first."""
    with sessions() as session:
        documents = recent_documents(session, limit=size + 1, offset=offset)
    return SourcesPage(documents[:size], offset, len(documents) > size)


def stats(sessions: sessionmaker[Session], now: datetime) -> StoreCounts:
    """Return store totals and the last day's deliveries."""
    with sessions() as session:
        return store_counts(session, since=now - timedelta(days=1))


def trends(sessions: sessionmaker[Session], today: date, days: int = 7, top: int = 5) -> Trends:
    """Return items per day for the *top* most covered countries in the last *days* days."""
    since = today - timedelta(days=days - 1)
    with sessions() as session:
        by_country = country_counts_by_day(session, since, today, limit=top)
    countries = [display_country(code) for code in by_country]
    series = {c.name: by_country[c.code] for c in countries}
    return Trends([since + timedelta(days=i) for i in range(days)], series, countries)


def trends_chart(sessions: sessionmaker[Session], today: date, days: int) -> tuple[Trends, bytes]:
    """Return the coverage figures of the last *days* days and their PNG chart."""
    figures = trends(sessions, today, days)
    title = f"Most covered countries, last {days} days"
    return figures, trends_png(figures.days, figures.series, title=title)


def brief_messages(briefings: BriefingService, text: str, tz: ZoneInfo) -> list[str]:
    """Build a briefing now: daily without text, a country when text names one, else a topic.

    Raises UnknownCountryError when text looks like a misspelt country and no story matches.
    """
    text = text.strip()
    if not text:
        return briefings.messages(briefings.daily(tz=tz))
    try:
        code = resolve_country(text)
    except UnknownCountryError as exc:
        briefing = briefings.topic(text)
        if briefing.is_empty and exc.suggestions:
            raise
        return briefings.messages(briefing)
    return briefings.messages(briefings.country(code))


def country_messages(briefings: BriefingService, code: str) -> list[str]:
    """Return the country briefing as Telegram messages."""
    return briefings.messages(briefings.country(code))
