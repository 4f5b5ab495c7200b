"""Typed briefing objects: what briefs/ builds and templates render."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(slots=True, frozen=True)
class Country:
    """A country as shown to readers."""

    code: str  # ISO2
    name: str
    flag: str  # emoji


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


@dataclass(slots=True)
class StoryRecord:
    """What storage hands to briefs: one story with its merged items."""

    story_id: int
    title: str
    summary: str
    sources: list[str]
    published: date | None
    first_seen: datetime
    countries: list[tuple[str, bool]]  # (ISO2, about), most relevant first
    item_count: int
    url: str | None = None
    score: float = 0.0  # search relevance (topic briefings); 0 elsewhere
    snippet: str | None = None
