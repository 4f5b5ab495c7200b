"""Services behind the news and admin commands: pages of stories, sources and figures.

Handlers call one function here, inside a worker thread, and render what it returns;
nothing here knows about Telegram. Each page fetches one row more than it shows, so it
knows whether a "More" button is needed without counting.
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
from briefs.types import Country, StoryView
from news.countries.lookup import (
    UnknownCountryError,
    country_flag,
    country_name,
    resolve_country,
)
from storage.models import Document, Item
from storage.query import parse_query
from storage.repositories.documents import recent_documents
from storage.repositories.items import country_item_counts, items_by_ids, newest_items
from storage.repositories.search import search_items
from storage.repositories.stats import StoreCounts, country_counts_by_day, store_counts

if TYPE_CHECKING:
    from services.briefings import BriefingService

logger = logging.getLogger(__name__)

SUMMARY_WORDS = 45


@dataclass(frozen=True, slots=True)
class StoryPage:
    """One page of stories (search results or latest), with what is needed for "More"."""

    stories: list[StoryView]
    offset: int
    has_more: bool
    query: str | None = None
    country: Country | None = None

    @property
    def next_offset(self) -> int:
        """Return the offset of the following page."""
        return self.offset + len(self.stories)


@dataclass(frozen=True, slots=True)
class SourcesPage:
    """One page of loaded documents, newest first."""

    documents: list[Document]
    offset: int
    has_more: bool


@dataclass(frozen=True, slots=True)
class Trends:
    """Items per day for the most covered countries over the last days."""

    days: list[date]
    series: dict[str, dict[date, int]]  # country name -> day -> count
    countries: list[Country]


def make_country(code: str) -> Country:
    """Return the reader-facing Country for an ISO2 code (unknown codes keep the code)."""
    try:
        return Country(code.upper(), country_name(code), country_flag(code))
    except UnknownCountryError:
        return Country(code.upper(), code.upper(), "")


def story_view(item: Item, snippet: str | None = None) -> StoryView:
    """Turn a stored item into what templates render."""
    summary = truncate_words(item.summary or item.body, SUMMARY_WORDS)
    return StoryView(
        story_id=item.story_id or item.id, title=item.title, summary=summary,
        sources=[item.source] if item.source else [], published=item.published,
        countries=[make_country(c.country) for c in item.countries if c.about][:3],
        url=item.url, loaded_at=item.loaded_at, snippet=snippet,
    )


def search_page(sessions: sessionmaker[Session], query: str, offset: int = 0,
                size: int = 5, country: str | None = None) -> StoryPage:
    """Return one page of ranked search results with highlighted snippets."""
    parsed = parse_query(query)
    with sessions() as session:
        hits = search_items(session, parsed, country=country, limit=size + 1, offset=offset)
        items = items_by_ids(session, [h.item_id for h in hits[:size]])
        stories = [story_view(items[h.item_id], h.snippet) for h in hits[:size] if h.item_id in items]
    return StoryPage(stories, offset, len(hits) > size, query=query,
                     country=make_country(country) if country else None)


def latest_page(sessions: sessionmaker[Session], country: str | None = None,
                offset: int = 0, size: int = 5) -> StoryPage:
    """Return one page of the newest stories, optionally about one country."""
    with sessions() as session:
        items = newest_items(session, country=country, limit=size + 1, offset=offset)
        stories = [story_view(item) for item in items[:size]]
    return StoryPage(stories, offset, len(items) > size,
                     country=make_country(country) if country else None)


def sources_page(sessions: sessionmaker[Session], offset: int = 0, size: int = 10) -> SourcesPage:
    """Return one page of loaded documents, newest first."""
    with sessions() as session:
        documents = recent_documents(session, limit=size + 1, offset=offset)
        session.expunge_all()  # plain read-only rows for the template
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
    countries = [make_country(code) for code in by_country]
    series = {c.name: by_country[c.code] for c in countries}
    return Trends([since + timedelta(days=i) for i in range(days)], series, countries)


def covered_countries(sessions: sessionmaker[Session], limit: int = 6) -> list[Country]:
    """Return the most covered countries, for suggestion buttons."""
    with sessions() as session:
        return [make_country(code) for code, _ in country_item_counts(session, limit=limit)]


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
