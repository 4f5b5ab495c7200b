"""Typed briefing objects: what briefs/ builds and templates render."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from news.countries.lookup import Country  # how a country is shown lives with the gazetteer


@dataclass(slots=True)
class StoryView:
    """One story (one or more items reporting the same event) ready to render."""

    story_id: int
    title: str
    summary: str
    sources: list[str]
    published: date | None
    countries: list[Country]
    url: str | None = None
    item_count: int = 1
    loaded_at: datetime | None = None
    snippet: str | None = None  # highlighted search snippet (already safe markup spans: see render)


@dataclass(slots=True)
class BriefingSection:
    """Stories grouped under one heading (a country, or "Other")."""

    heading: str
    country: Country | None
    stories: list[StoryView]
    also: list[StoryView] = field(default_factory=list)


@dataclass(slots=True)
class Briefing:
    """A whole briefing: daily, country or topic."""

    kind: str  # "daily" | "country" | "topic"
    title: str
    generated_at: datetime
    sections: list[BriefingSection]
    empty_message: str | None = None  # set when there is nothing to show
    subtitle: str | None = None

    @property
    def is_empty(self) -> bool:
        return not any(s.stories for s in self.sections)
