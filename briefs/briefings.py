"""Build typed briefings from StoryRecords: daily, personal, country and topic (pure).

Storage hands over the candidate stories; this module ranks them (see briefs.briefing_rank),
groups them and writes the plain, specific sentence shown when there is nothing to show.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import date, datetime

from briefs.briefing_rank import newest_first, rank, sections_by_country, to_view
from briefs.render import date_human
from briefs.types import Briefing, BriefingSection, StoryView
from news.countries.lookup import display_country
from storage.records import StoryRecord

logger = logging.getLogger(__name__)


def quoted(text: str) -> str:
    """Return text in typographic quotes: “sanctions”."""
    return f"\u201c{text}\u201d"


def interests_label(countries: Iterable[str], topics: Iterable[str]) -> str:
    """Describe a subscription set: 'India, Serbia · “sanctions”' ('' for everything)."""
    names = [display_country(c).name for c in sorted(countries)]
    parts = [", ".join(names)] if names else []
    if topics:
        parts.append(", ".join(quoted(t) for t in sorted(topics)))
    return " · ".join(parts)


def no_stories_on(day: date, countries: Iterable[str] = (), topics: Iterable[str] = ()) -> str:
    """Return 'No stories on 3 May 2025.' (narrowed by countries and topics when given)."""
    return f"No stories{_about(countries, topics)} on {date_human(day)}."


def no_new_stories(since: date, countries: Iterable[str] = (), topics: Iterable[str] = ()) -> str:
    """Return 'No new stories about India since 17 March 2025.'."""
    return f"No new stories{_about(countries, topics)} since {date_human(since)}."


def no_topic_match(query: str) -> str:
    """Return 'No stories match “sanctions”.'."""
    return f"No stories match {quoted(query.strip())}."


BLANK_QUERY = ("Nothing to search for: give a word or a phrase, "
               "for example \u201cgrain exports\u201d or \u201csanctions -oil\u201d.")


def _about(countries: Iterable[str], topics: Iterable[str]) -> str:
    names = [display_country(c).name for c in sorted(countries)]
    parts = [f" about {_or(names)}"] if names else []
    if topics:
        parts.append(f" matching {_or([quoted(t) for t in sorted(topics)])}")
    return " or".join(parts)


def _or(words: Sequence[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def ranked_briefing(
    kind: str, title: str, records: Iterable[StoryRecord], *, reference: date, now: datetime,
    top_n: int, also_n: int, empty_message: str, subtitle: str | None = None,
    prefer: frozenset[str] = frozenset(), views: dict[int, StoryView] | None = None,
) -> Briefing:
    """Rank stories and group them by country into a briefing of *kind*."""
    sections = sections_by_country(rank(records, reference), top_n, also_n,
                                   prefer=prefer, views=views)
    return Briefing(kind=kind, title=title, generated_at=now, sections=sections,
                    empty_message=empty_message, subtitle=subtitle)


def daily_briefing(
    records: Iterable[StoryRecord], day: date, now: datetime, *, top_n: int = 5, also_n: int = 5,
    countries: frozenset[str] = frozenset(), topics: frozenset[str] = frozenset(),
    views: dict[int, StoryView] | None = None,
) -> Briefing:
    """Return the daily briefing for *day* (already restricted to countries/topics by the caller)."""
    return _interests_briefing(
        f"Daily briefing \u2014 {date_human(day)}", no_stories_on(day, countries, topics),
        records, day, now, top_n, also_n, countries, topics, views)


def personal_briefing(
    records: Iterable[StoryRecord], since: date, day: date, now: datetime, *,
    top_n: int = 5, also_n: int = 5, countries: frozenset[str] = frozenset(),
    topics: frozenset[str] = frozenset(), views: dict[int, StoryView] | None = None,
) -> Briefing:
    """Return a subscriber's scheduled briefing: stories new since their previous one."""
    return _interests_briefing(
        f"Your briefing \u2014 {date_human(day)}", no_new_stories(since, countries, topics),
        records, day, now, top_n, also_n, countries, topics, views)


def _interests_briefing(
    title: str, empty_message: str, records: Iterable[StoryRecord], day: date, now: datetime,
    top_n: int, also_n: int, countries: frozenset[str], topics: frozenset[str],
    views: dict[int, StoryView] | None,
) -> Briefing:
    # Daily and personal briefings differ only in title and empty message; a subscriber's
    # countries come first and label the briefing.
    return ranked_briefing(
        "daily", title, records, reference=day, now=now, top_n=top_n, also_n=also_n,
        empty_message=empty_message, subtitle=interests_label(countries, topics) or None,
        prefer=countries, views=views,
    )


def country_briefing(
    records: Iterable[StoryRecord], code: str, since: date, now: datetime, *,
    limit: int = 10, mentions_limit: int = 5,
) -> Briefing:
    """Return the latest stories about *code* first, then those that only mention it."""
    place = display_country(code)
    ordered = newest_first(records)
    about = [r for r in ordered if (code, True) in r.countries]
    mentions = [r for r in ordered if (code, True) not in r.countries]
    sections = [BriefingSection(place.name, place, [to_view(r) for r in about[:limit]])]
    if mentions:
        sections.append(BriefingSection(
            f"Also mentioning {place.name}", None, [to_view(r) for r in mentions[:mentions_limit]]))
    return Briefing(
        kind="country", title=f"{place.name}: latest stories", generated_at=now,
        sections=sections, subtitle=f"Since {date_human(since)}",
        empty_message=f"No stories about {place.name} since {date_human(since)}.",
    )


def topic_briefing(records: Sequence[StoryRecord], query: str, now: datetime) -> Briefing:
    """Return search results (already ranked by relevance), one entry per story."""
    query = query.strip()
    if not query:
        return Briefing(kind="topic", title="Search", generated_at=now, sections=[],
                        empty_message=BLANK_QUERY)
    section = BriefingSection(f"Matching {quoted(query)}", None, [to_view(r) for r in records])
    return Briefing(kind="topic", title=f"Stories matching {quoted(query)}", generated_at=now,
                    sections=[section], empty_message=no_topic_match(query))
