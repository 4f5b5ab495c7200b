"""Services behind the news and admin commands: latest, search, sources and figures.

The bot's handlers and the CLI call the same functions here (the bot inside a worker thread)
and render what they return; nothing here knows about Telegram or the terminal. `latest_items`
and `find_items` are the use cases; the bot's pages are stories built from them. Each page
fetches one row more than it shows, so it knows whether a "More" button is needed without
counting.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from briefs.briefing_rank import story_day, to_view
from briefs.briefings import about_first, nothing_new
from briefs.charts import trends_png
from briefs.i18n import ngettext
from briefs.render import truncate_words
from briefs.types import StoryView
from news.countries.lookup import Country, UnknownCountryError, display_country, resolve_country
from services.intents import RECENT_DAYS, Intent, Period, Window, recent_window
from storage.clock import utcnow
from storage.query import ParsedQuery, SearchTimeout, parse_query
from storage.records import DocumentRecord, ItemRecord, StoryRecord
from storage.repositories.documents import recent_documents
from storage.repositories.items import items_by_ids, newest_items, newest_story_ids
from storage.repositories.search import search_items
from storage.repositories.stats import StoreCounts, country_counts_by_day, store_counts
from storage.repositories.story_views import newest_story_day, stories_published_on, story_records

if TYPE_CHECKING:
    from services.briefings import BriefingService

logger = logging.getLogger(__name__)

SUMMARY_WORDS = 45
# A country's latest stories come from its newest items (an index walk, fast at any size);
# "More" under /latest Country pages through the stories of this many.
LATEST_LOOKBACK = 100
PERIOD_DAYS_CAP = 31  # days read one by one for a named period ("in March")
PERIOD_STORIES_CAP = 200  # stories read for a named period, newest days first


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
    notice: str | None = None  # one line before the stories ("No new stories about ...")

    @property
    def next_offset(self) -> int:
        """Return the offset of the following page."""
        return self.offset + len(self.stories)


@dataclass(frozen=True, slots=True)
class CountryNews:
    """What a question about countries shows: the window's stories, then the latest others."""

    codes: tuple[str, ...]
    window: Window
    inside: list[StoryRecord]  # in the window: about the countries first, then mentions
    earlier: list[StoryRecord]  # the latest stories outside the window, in the same order
    known: bool  # the store has a story tagged with every one of the countries
    named: bool  # the window is a period the user named ("in March"), not the recent days

    @property
    def stories(self) -> list[StoryRecord]:
        """Return every story to show, in order."""
        return self.inside + self.earlier

    @property
    def notice(self) -> str | None:
        """Return the one line saying the window had nothing, when the latest stand in."""
        if self.inside or not self.earlier:
            return None
        names = [display_country(c).name for c in self.codes]
        return nothing_new(names, self.window.label if self.named else None, self.window.start)


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
                offset: int = 0, size: int = 5, today: date | None = None) -> StoryPage:
    """Return one page of the newest stories; for a country, its stories as `country_news` orders them."""
    if country:
        return _country_page(sessions, country, offset, size, today or utcnow().date())
    items = latest_items(sessions, country, limit=size + 1, offset=offset)
    return StoryPage([story_view(item) for item in items[:size]], offset, len(items) > size)


def _country_page(sessions: sessionmaker[Session], code: str, offset: int, size: int,
                  today: date) -> StoryPage:
    found = country_news(sessions, (code,), today, fill=LATEST_LOOKBACK)
    stories = found.stories
    return StoryPage([to_view(r) for r in stories[offset:offset + size]], offset,
                     len(stories) > offset + size, country=display_country(code),
                     notice=found.notice if offset == 0 else None)


def country_news(sessions: sessionmaker[Session], codes: Sequence[str], today: date, *,
                 period: Period | None = None, days: int = RECENT_DAYS,
                 fill: int = 10) -> CountryNews:
    """Return the stories a question about *codes* shows (no codes: every story).

    The one rule behind country questions, /latest Country, /brief Country and the CLI: the
    stories of the window (the last *days* days, or the period named) about all the countries
    first, then those that only mention them, newest first; then the latest stories outside the
    window, in the same order, so an archive or a quiet week never answers with nothing. For
    the recent window they top it up to *fill* stories; for a named period ("in March") they
    come only when the period has none, after a line saying so.
    """
    codes = tuple(codes)
    with sessions() as session:
        latest = _latest_records(session, codes)
        named = period is not None and period.kind != "recent"
        if named:
            newest = newest_story_day(session) if period.kind == "month" else None
            window = period.window(today, newest)
            inside = _period_records(session, codes, window)
        else:
            window = recent_window(today, period.amount if period else days)
            inside = [r for r in latest if window.holds(story_day(r))]
    shown = {r.story_id for r in inside}
    short = not inside if named else len(inside) < fill
    earlier = [r for r in latest if r.story_id not in shown and not window.holds(story_day(r))]
    return CountryNews(codes, window, about_first(inside, codes),
                       about_first(earlier, codes) if short else [], bool(latest or inside), named)


def _latest_records(session: Session, codes: tuple[str, ...]) -> list[StoryRecord]:
    """Return the stories of the newest items tagged with each code, tagged with all of them."""
    ids: dict[int, None] = {}
    for code in codes or (None,):
        ids.update(dict.fromkeys(newest_story_ids(session, country=code, limit=LATEST_LOOKBACK)))
    return [r for r in story_records(session, list(ids)) if _tagged(r, codes)]


def _period_records(session: Session, codes: tuple[str, ...], window: Window) -> list[StoryRecord]:
    """Return the stories of a named period tagged with all *codes*, newest days first."""
    found: dict[int, StoryRecord] = {}
    day, first = window.end, max(window.start, window.end - timedelta(days=PERIOD_DAYS_CAP - 1))
    while day >= first and len(found) < PERIOD_STORIES_CAP:
        for record in stories_published_on(session, day, codes[:1] or None):
            found.setdefault(record.story_id, record)
        day -= timedelta(days=1)
    return [r for r in found.values() if _tagged(r, codes)]


def _tagged(record: StoryRecord, codes: Sequence[str]) -> bool:
    tagged = {code for code, _ in record.countries}
    return all(code in tagged for code in codes)


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
    title = ngettext("Most covered countries, last %(num)d day",
                     "Most covered countries, last %(num)d days", days)
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


def question_messages(briefings: BriefingService, intent: Intent) -> list[str]:
    """Answer a plain question about countries or a period (with words: a narrowed search)."""
    if intent.kind == "search":
        briefing = briefings.topic(intent.query or "", countries=intent.countries,
                                   period=intent.period)
    elif intent.countries:
        briefing = briefings.country(intent.countries, period=intent.period)
    else:
        briefing = briefings.period(intent.period or Period("recent", RECENT_DAYS))
    return briefings.messages(briefing)
