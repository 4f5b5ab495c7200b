"""The briefing service: open a session, ask storage for stories, build with briefs, render.

Used by the CLI (`briefbot brief ...`), the bot's commands and the scheduler. Scheduled
briefings for many subscribers go through `personal_messages_batch`: one store read per batch,
one build and render per distinct subscription set, and each story's Telegram fragment rendered
once per batch however many briefings show it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import jinja2
from markupsafe import Markup
from sqlalchemy.orm import Session, sessionmaker

from briefs.briefing_rank import story_day
from briefs.briefing_split import SegmentCache, split_cached
from briefs.briefings import (
    about_names,
    country_briefing,
    daily_briefing,
    period_briefing,
    personal_briefing,
    quoted,
    topic_briefing,
)
from briefs.i18n import _
from briefs.render import date_human, render_briefing, render_template
from briefs.telegram_html import TELEGRAM_LIMIT
from briefs.types import Briefing, StoryView
from news.countries.lookup import display_country, resolve_country
from services.intents import Period, Window
from services.news import country_news
from storage.clock import utcnow
from storage.query import parse_query
from storage.records import StoryRecord
from storage.repositories.story_views import (
    newest_story_day,
    stories_first_seen_between,
    stories_published_on,
    story_hits,
    story_records,
)

logger = logging.getLogger(__name__)

TOPIC_MATCH_LIMIT = 200  # stories per subscribed topic considered for a personal briefing


@dataclass(frozen=True, slots=True)
class Interests:
    """A subscriber's subscription set (hashable: used to group subscribers)."""

    countries: frozenset[str] = frozenset()
    topics: frozenset[str] = frozenset()

    @property
    def everything(self) -> bool:
        """Tell whether this set asks for the whole daily briefing (no countries, no topics)."""
        return not self.countries and not self.topics

    @classmethod
    def of(cls, countries: Iterable[str] = (), topics: Iterable[str] = ()) -> Interests:
        """Build a normalised set: ISO2 codes upper-cased, blank topics dropped."""
        return cls(frozenset(c.strip().upper() for c in countries if c.strip()),
                   frozenset(t.strip() for t in topics if t.strip()))


def wanted(record: StoryRecord, interests: Interests, topic_ids: frozenset[int] = frozenset()) -> bool:
    """Tell whether a story is about one of the countries (or matches a topic) of *interests*."""
    if interests.everything or record.story_id in topic_ids:
        return True
    if record.countries and record.countries[0][0] in interests.countries:
        return True
    return any(about and code in interests.countries for code, about in record.countries)


class BriefingService:
    """Builds and renders briefings; one instance serves the CLI, the bot and the scheduler."""

    def __init__(self, sessions: sessionmaker[Session], env: jinja2.Environment, *,
                 clock: Callable[[], datetime] = utcnow, top_n: int = 5, also_n: int = 5) -> None:
        self.sessions = sessions
        self.env = env
        self.clock = clock
        self.top_n = top_n
        self.also_n = also_n

    def daily(self, day: date | None = None, interests: Interests = Interests(),
              tz: ZoneInfo = UTC) -> Briefing:
        """Return the daily briefing of *day* (None: today, or the newest day with stories)."""
        with self.sessions() as session:
            day, records = self._day_records(session, day, interests, tz)
            records = self._restrict(session, records, interests)
        return daily_briefing(records, day, self.clock(), top_n=self.top_n, also_n=self.also_n,
                              countries=interests.countries, topics=interests.topics)

    def _day_records(self, session: Session, day: date | None, interests: Interests,
                     tz: ZoneInfo) -> tuple[date, list[StoryRecord]]:
        chosen = day or self.clock().astimezone(tz).date()
        records = stories_published_on(session, chosen, _prefilter(interests), tz=tz)
        if day is None and not records:
            newest = newest_story_day(session)
            if newest is not None and newest != chosen:
                chosen = newest
                records = stories_published_on(session, chosen, _prefilter(interests), tz=tz)
        return chosen, records

    def country(self, code: str | Sequence[str], days: int = 7,
                period: Period | None = None) -> Briefing:
        """Return the stories about one country (or all of several), about first, then mentions.

        The window is the last *days* days or the period named; the latest stories outside
        it stand in when it is short (see services.news.country_news). Raises
        UnknownCountryError for a name no country has.
        """
        codes = [code] if isinstance(code, str) else list(code)
        codes = list(dict.fromkeys(resolve_country(c) for c in codes))
        found = country_news(self.sessions, codes, self.clock().date(), period=period, days=days,
                             fill=self.top_n * 2)
        return country_briefing(found.inside, codes, found.window.start, self.clock(),
                                limit=self.top_n * 2, mentions_limit=self.also_n,
                                earlier=found.earlier, known=found.known,
                                period=found.window.label if found.named else None)

    def period(self, period: Period) -> Briefing:
        """Return the stories of a period ("this week", "in March"), ranked as a daily one."""
        found = country_news(self.sessions, (), self.clock().date(), period=period,
                             fill=self.top_n * 2)
        label = (found.window.label if found.named
                 else _("since %(date)s", date=date_human(found.window.start)))
        return period_briefing(found.inside, found.earlier, label, found.window.end, self.clock(),
                               top_n=self.top_n, also_n=self.also_n, notice=found.notice)

    def topic(self, query: str, limit: int = 10, countries: Sequence[str] = (),
              period: Period | None = None) -> Briefing:
        """Return stories matching a search query, best first; blank query: a helpful note.

        Narrowed to *countries* and a *period* when given; when nothing matches within them,
        one line says so and the best matches overall follow.
        """
        if parse_query(query or "").is_empty:
            return topic_briefing([], "", self.clock())
        narrowed = bool(countries or period)
        with self.sessions() as session:
            hits = story_hits(session, query, TOPIC_MATCH_LIMIT if narrowed else limit)
            records = story_records(session, [sid for sid, _ in hits])
            newest = newest_story_day(session) if period and period.kind == "month" else None
        by_id = dict(hits)
        for record in records:
            record.score, record.snippet = by_id[record.story_id].score, by_id[record.story_id].snippet
        subtitle = None
        if narrowed:
            window = period.window(self.clock().date(), newest) if period else None
            records, subtitle = _narrowed(records, query, countries, window)
        return topic_briefing(records[:limit], query, self.clock(), subtitle=subtitle)

    def personal(self, interests: Interests, since: datetime | None, until: datetime,
                 tz: ZoneInfo) -> Briefing:
        """Return a scheduled briefing: stories first loaded in (since, until] for *interests*."""
        since = since or until - timedelta(hours=24)
        with self.sessions() as session:
            records = stories_first_seen_between(session, since, until, _prefilter(interests))
            records = self._restrict(session, records, interests)
        return self._personal(records, interests, since, until, tz)

    def _personal(self, records: Iterable[StoryRecord], interests: Interests, since: datetime,
                  until: datetime, tz: ZoneInfo, views: dict[int, StoryView] | None = None) -> Briefing:
        return personal_briefing(
            records, since.astimezone(tz).date(), until.astimezone(tz).date(), self.clock(),
            top_n=self.top_n, also_n=self.also_n, countries=interests.countries,
            topics=interests.topics, views=views,
        )

    def messages(self, briefing: Briefing) -> list[str]:
        """Return Telegram HTML messages, each valid on its own and within 4096 characters."""
        # The packing splitter measures whole stories instead of characters; it falls back to
        # the character-level split_telegram for anything unusual (a story over the limit).
        html = render_briefing(self.env, briefing, "telegram")
        return split_cached(html, {}, TELEGRAM_LIMIT)

    def render(self, briefing: Briefing, fmt: str) -> str:
        """Render a briefing as "telegram" (with cut markers), "text" or "html"."""
        return render_briefing(self.env, briefing, fmt)

    def personal_messages_batch(self, groups: Mapping[Interests, Sequence[int]], since: datetime,
                                until: datetime, tz: ZoneInfo) -> dict[Interests, list[str]]:
        """Return the Telegram messages of each distinct subscription set's scheduled briefing."""
        with self.sessions() as session:
            records = stories_first_seen_between(session, since, until)
            topics = {t for interests in groups for t in interests.topics}
            topic_ids = {t: self._topic_ids(session, t) for t in topics}
        views: dict[int, StoryView] = {}
        fragments: dict[int, Markup] = {}
        segments: SegmentCache = {}
        out: dict[Interests, list[str]] = {}
        for interests in groups:
            ids = frozenset().union(*(topic_ids[t] for t in interests.topics))
            chosen = [r for r in records if wanted(r, interests, ids)]
            briefing = self._personal(chosen, interests, since, until, tz, views)
            out[interests] = self._cached_messages(briefing, fragments, segments)
        return out

    def _cached_messages(self, briefing: Briefing, fragments: dict[int, Markup],
                         segments: SegmentCache) -> list[str]:
        # Each story's fragment is rendered (and measured) once per batch; the template reuses
        # it by id and the splitter reuses its measurement.
        story_macro = self.env.get_template("_partials/story.j2").module.telegram_story
        for section in briefing.sections:
            for view in section.stories:
                if view.story_id not in fragments:
                    fragments[view.story_id] = story_macro(view)
        html = render_template(self.env, "briefing.telegram.j2", briefing=briefing,
                               fragments=fragments)
        return split_cached(html, segments, TELEGRAM_LIMIT)

    def _topic_ids(self, session: Session, topic: str) -> frozenset[int]:
        return frozenset(sid for sid, _ in story_hits(session, topic, TOPIC_MATCH_LIMIT))

    def _restrict(self, session: Session, records: list[StoryRecord],
                  interests: Interests) -> list[StoryRecord]:
        if interests.everything:
            return records
        ids = frozenset().union(*(self._topic_ids(session, t) for t in interests.topics))
        return [r for r in records if wanted(r, interests, ids)]


def _narrowed(records: list[StoryRecord], query: str, countries: Sequence[str],
              window: Window | None) -> tuple[list[StoryRecord], str | None]:
    """Keep the matches tagged with *countries* in *window*; none: all, after a line saying so."""
    kept = [r for r in records if {c for c, _ in r.countries} >= set(countries)
            and (window is None or window.holds(story_day(r)))]
    names = [display_country(c).name for c in countries]
    about = about_names(names, "standard") if names else ""
    where = " ".join(part for part in (about, window.label if window else "") if part)
    if kept or not records:
        return kept, (where[:1].upper() + where[1:]) or None
    if where:
        return records, _("Nothing matches %(query)s %(where)s; the best matches:",
                          query=quoted(query.strip()), where=where)
    return records, _("Nothing matches %(query)s; the best matches:", query=quoted(query.strip()))


def _prefilter(interests: Interests) -> frozenset[str] | None:
    # Storage can narrow by country only when no topic could bring in other stories.
    return interests.countries if interests.countries and not interests.topics else None
