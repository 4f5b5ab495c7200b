"""Build typed briefings from StoryRecords: daily, personal, country and topic (pure).

Storage hands over the candidate stories; this module ranks them (see briefs.briefing_rank),
groups them and writes the plain, specific sentence shown when there is nothing to show.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import date, datetime

from briefs.briefing_rank import newest_first, rank, sections_by_country, story_day, to_view
from briefs.i18n import N_, _, format_list, ngettext
from briefs.render import date_human
from briefs.types import Briefing, BriefingSection, StoryView
from news.countries.lookup import Country, display_country
from storage.records import StoryRecord

logger = logging.getLogger(__name__)


def quoted(text: str) -> str:
    """Return text in the reader's typographic quotes: “sanctions”, «санкции»."""
    return _("\u201c%(text)s\u201d", text=text)


def interests_label(countries: Iterable[str], topics: Iterable[str]) -> str:
    """Describe a subscription set: 'India, Serbia · “sanctions”' ('' for everything)."""
    names = [display_country(c).name for c in sorted(countries)]
    parts = [", ".join(names)] if names else []
    if topics:
        parts.append(", ".join(quoted(t) for t in sorted(topics)))
    return " · ".join(parts)


def no_stories_on(day: date, countries: Iterable[str] = (), topics: Iterable[str] = ()) -> str:
    """Return 'No stories on 3 May 2025.' (narrowed by countries and topics when given)."""
    if about := _about(countries, topics):
        return _("No stories %(about)s on %(date)s.", about=about, date=date_human(day))
    return _("No stories on %(date)s.", date=date_human(day))


def no_new_stories(since: date, countries: Iterable[str] = (), topics: Iterable[str] = ()) -> str:
    """Return 'No new stories about India since 17 March 2025.'."""
    if about := _about(countries, topics):
        return _("No new stories %(about)s since %(date)s.", about=about, date=date_human(since))
    return _("No new stories since %(date)s.", date=date_human(since))


def nothing_new(names: Sequence[str], period: str | None, since: date) -> str:
    """Return the line before stand-in stories: 'No new stories about Serbia since 3 May 2025;
    the latest:' (or '... in March 2026;' for a period the user named)."""
    if period is None and names:
        return _("No new stories %(about)s since %(date)s; the latest:",
                 about=about_names(names, "standard"), date=date_human(since))
    if period is None:
        return _("No new stories since %(date)s; the latest:", date=date_human(since))
    if names:
        return _("No stories %(about)s %(period)s; the latest:",
                 about=about_names(names, "standard"), period=period)
    return _("No stories %(period)s; the latest:", period=period)


def no_topic_match(query: str) -> str:
    """Return 'No stories match “sanctions”.'."""
    return _("No stories match %(query)s.", query=quoted(query.strip()))


# English, the source text; shown translated (N_ marks it for the catalogs).
BLANK_QUERY = N_("Nothing to search for: give a word or a phrase, "
                 "for example \u201cgrain exports\u201d or \u201csanctions -oil\u201d.")


def _about(countries: Iterable[str], topics: Iterable[str]) -> str:
    """Return 'about India or Serbia or matching “oil”' ('' for everything)."""
    names = [display_country(c).name for c in sorted(countries)]
    parts = [about_names(names, "or")] if names else []
    if topics:
        parts.append(_("matching %(topics)s",
                       topics=format_list([quoted(t) for t in sorted(topics)], "or")))
    return format_list(parts, "or") if parts else ""


def about_names(names: Sequence[str], style: str) -> str:
    """Return 'about India' / 'about India and Serbia' (style: "standard" and, "or" or)."""
    return ngettext("about %(names)s", "about %(names)s", len(names),
                    names=format_list(list(names), style))


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
        _("Daily briefing \u2014 %(date)s", date=date_human(day)),
        no_stories_on(day, countries, topics),
        records, day, now, top_n, also_n, countries, topics, views)


def personal_briefing(
    records: Iterable[StoryRecord], since: date, day: date, now: datetime, *,
    top_n: int = 5, also_n: int = 5, countries: frozenset[str] = frozenset(),
    topics: frozenset[str] = frozenset(), views: dict[int, StoryView] | None = None,
) -> Briefing:
    """Return a subscriber's scheduled briefing: stories new since their previous one."""
    return _interests_briefing(
        _("Your briefing \u2014 %(date)s", date=date_human(day)),
        no_new_stories(since, countries, topics),
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


def is_about(record: StoryRecord, codes: Sequence[str]) -> bool:
    """Tell whether a story is about every country of *codes* (not only mentions one)."""
    return all((code, True) in record.countries for code in codes)


def about_first(records: Iterable[StoryRecord], codes: Sequence[str]) -> list[StoryRecord]:
    """Return stories about *codes* first, then those that only mention them; newest first each."""
    about, mentions = _split(records, codes)
    return about + mentions


def country_briefing(
    records: Iterable[StoryRecord], code: str | Sequence[str], since: date, now: datetime, *,
    limit: int = 10, mentions_limit: int = 5, earlier: Iterable[StoryRecord] = (),
    period: str | None = None, known: bool = True,
) -> Briefing:
    """Return the latest stories about *code* first, then those that only mention it.

    *records* are the stories of the window (since *since*, or the *period* named, "in March
    2025"); *earlier* are the country's latest other stories, shown after them (under
    "Earlier") or, when the window has none, after a one-line note saying so. *known*
    False: the store has no story about the country at all.
    """
    codes = [code] if isinstance(code, str) else list(code)
    records = list(records)
    places = [display_country(c) for c in codes]
    name = format_list([p.name for p in places])
    place = places[0] if len(places) == 1 else None
    named, period = period, period or _("since %(date)s", date=date_human(since))
    about, mentions = _split(records, codes)
    sections = _about_sections(about[:limit], mentions[:mentions_limit], name, place, False)
    if records:  # the latest stories before the window fill what room is left
        about_room, mention_room = limit - len(sections[0].stories), mentions_limit - len(mentions)
        old_about, old_mentions = _split(earlier, codes)
        before = _about_sections(old_about[:max(about_room, 0)],
                                 old_mentions[:max(mention_room, 0)], name, None, True)
        sections += [section for section in before if section.stories]
        subtitle = period[0].upper() + period[1:]
    else:  # nothing in the window: say so in one line, then the latest stories
        old_about, old_mentions = _split(earlier, codes)
        sections = _about_sections(old_about[:limit], old_mentions[:mentions_limit], name, place,
                                   False)
        subtitle = nothing_new([p.name for p in places], named, since)
    if known:
        empty = ngettext("No stories about %(name)s %(period)s.",
                         "No stories about %(name)s %(period)s.", len(codes), name=name,
                         period=period)
    else:
        empty = ngettext("I have no stories about %(name)s yet.",
                         "I have no stories about both %(name)s yet.", len(codes), name=name)
    return Briefing(kind="country", title=_("%(name)s: latest stories", name=name),
                    generated_at=now,
                    sections=sections, subtitle=subtitle, empty_message=empty)


def _split(records: Iterable[StoryRecord], codes: Sequence[str]) -> tuple[list[StoryRecord], list[StoryRecord]]:
    ordered = newest_first(records)
    return ([r for r in ordered if is_about(r, codes)],
            [r for r in ordered if not is_about(r, codes)])


def _about_sections(about: list[StoryRecord], mentions: list[StoryRecord], name: str,
                    place: Country | None, earlier: bool) -> list[BriefingSection]:
    """Return the section of stories about *name*, and one of those only mentioning it if any;
    *earlier*: the stories from before the window."""
    heading = _("Earlier stories about %(name)s", name=name) if earlier else name
    sections = [BriefingSection(heading, place, [to_view(r) for r in about])]
    if mentions:
        also = (_("Earlier, also mentioning %(name)s", name=name) if earlier
                else _("Also mentioning %(name)s", name=name))
        sections.append(BriefingSection(also, None, [to_view(r) for r in mentions]))
    return sections


def period_briefing(
    records: Sequence[StoryRecord], earlier: Sequence[StoryRecord], period: str, end: date,
    now: datetime, *, top_n: int = 5, also_n: int = 5, notice: str | None = None,
) -> Briefing:
    """Return the stories of a period ("in March 2025") by country, ranked as a daily briefing;
    when it has none, the latest stories after the one-line *notice*."""
    chosen = list(records) or list(earlier)
    reference = end if records or not chosen else max(story_day(r) for r in chosen)
    return ranked_briefing(
        "daily", _("Stories %(period)s", period=period), chosen, reference=reference, now=now,
        top_n=top_n, also_n=also_n, empty_message=_("No stories yet."),
        subtitle=None if records else notice)


def topic_briefing(records: Sequence[StoryRecord], query: str, now: datetime, *,
                   subtitle: str | None = None) -> Briefing:
    """Return search results (already ranked by relevance), one entry per story."""
    query = query.strip()
    if not query:
        return Briefing(kind="topic", title=_("Search"), generated_at=now, sections=[],
                        empty_message=_(BLANK_QUERY))
    section = BriefingSection(_("Matching %(query)s", query=quoted(query)), None,
                              [to_view(r) for r in records])
    return Briefing(kind="topic", title=_("Stories matching %(query)s", query=quoted(query)),
                    generated_at=now,
                    sections=[section], empty_message=no_topic_match(query), subtitle=subtitle)
