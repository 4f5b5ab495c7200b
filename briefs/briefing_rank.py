"""Rank stories and group them into country sections (pure: records in, sections out).

Ranking formula (higher is better), for a story on day d with reference day r:

    score = log2(1 + sources)            # 1 source -> 1.0, 2 -> 1.58, 4 -> 2.32, 8 -> 3.17
          + 0.75 / (1 + max(0, r - d))   # recency: today 0.75, yesterday 0.375, a week ago 0.09
          + 0.5 * centrality             # centrality in [0, 1]
          + 0.1 * search score (topic briefings only; 0 elsewhere)

where sources = max(item_count, distinct source names) and
centrality = min(1, (about-countries + 0.25 * mentioned-only countries) / 3): a story that
several countries are about matters to more readers. Corroboration dominates (a second source
outweighs a day of age), then recency, then breadth. Ties: first seen later, then story id.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import date

from briefs.types import BriefingSection, StoryView
from news.countries.lookup import display_country
from storage.records import StoryRecord

WORLD_HEADING = "World"


def source_count(record: StoryRecord) -> int:
    """Return how many reports back a story: items or distinct source names, whichever is more."""
    return max(record.item_count, len(set(record.sources)), 1)


def story_day(record: StoryRecord) -> date:
    """Return the day a story belongs to: published, else first seen (UTC)."""
    return record.published or record.first_seen.date()


def centrality(record: StoryRecord) -> float:
    """Return how broadly a story matters, in [0, 1], from its about and mentioned countries."""
    about = sum(1 for _, is_about in record.countries if is_about)
    mentioned = len(record.countries) - about
    return min(1.0, (about + 0.25 * mentioned) / 3)


def story_score(record: StoryRecord, reference: date) -> float:
    """Score one story for ranking (see the module docstring for the formula)."""
    age = max(0, (reference - story_day(record)).days)
    return (math.log2(1 + source_count(record)) + 0.75 / (1 + age)
            + 0.5 * centrality(record) + 0.1 * record.score)


def rank(records: Iterable[StoryRecord], reference: date) -> list[StoryRecord]:
    """Return stories best first."""
    return sorted(records, key=lambda r: (-story_score(r, reference),
                                          -r.first_seen.timestamp(), r.story_id))


def newest_first(records: Iterable[StoryRecord]) -> list[StoryRecord]:
    """Return stories newest first (day, then first seen), ties by story id."""
    return sorted(records, key=lambda r: (-story_day(r).toordinal(),
                                          -r.first_seen.timestamp(), r.story_id))


def to_view(record: StoryRecord, views: dict[int, StoryView] | None = None) -> StoryView:
    """Return the StoryView of a record (cached in *views* when given: built once per batch)."""
    if views is not None and record.snippet is None and record.story_id in views:
        return views[record.story_id]
    view = StoryView(
        story_id=record.story_id, title=record.title, summary=record.summary,
        sources=list(record.sources), published=record.published,
        countries=[display_country(code) for code, _ in record.countries], url=record.url,
        item_count=source_count(record), loaded_at=record.first_seen, snippet=record.snippet,
    )
    if views is not None and record.snippet is None:
        views[record.story_id] = view
    return view


def section_key(record: StoryRecord, prefer: frozenset[str] = frozenset()) -> str | None:
    """Return the country a story is filed under: a preferred one it is about, else the one it is most about."""
    about = [code for code, is_about in record.countries if is_about]
    for code in about:
        if code in prefer:
            return code
    if about:
        return about[0]
    return record.countries[0][0] if record.countries else None


def sections_by_country(
    ranked: Sequence[StoryRecord], top_n: int, also_n: int, *,
    prefer: frozenset[str] = frozenset(), views: dict[int, StoryView] | None = None,
) -> list[BriefingSection]:
    """Group ranked stories by country: top_n stories and also_n more per section, best first."""
    groups: dict[str | None, list[StoryRecord]] = {}
    for record in ranked:  # dicts keep insertion order: sections follow their best story
        groups.setdefault(section_key(record, prefer), []).append(record)
    sections = []
    for code, records in groups.items():
        place = display_country(code) if code else None
        sections.append(BriefingSection(
            heading=place.name if place else WORLD_HEADING, country=place,
            stories=[to_view(r, views) for r in records[:top_n]],
            also=[to_view(r, views) for r in records[top_n : top_n + also_n]],
        ))
    return sections
