"""What storage hands to the layers above: plain dataclasses, never ORM rows.

Repositories build these from selected columns, so a caller cannot lazy-load a relationship
after its session closed or change the database by setting an attribute. No SQLAlchemy here:
pure packages (briefs/) name these types without importing the database layer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time


@dataclass(slots=True)
class StoryRecord:
    """One story with its merged items, as briefings rank and show it."""

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


@dataclass(frozen=True, slots=True)
class ItemRecord:
    """One stored item as readers and scripts see it, with its document's name and countries."""

    id: int
    title: str
    source: str | None
    published: date | None
    url: str | None
    body: str
    summary: str
    language: str | None
    story_id: int | None
    loaded_at: datetime
    document: str  # the name of the document the item came from
    countries: tuple[str, ...]  # ISO2 codes it is about or mentions, most relevant first
    about: tuple[str, ...]  # those it is about, in the same order


@dataclass(frozen=True, slots=True)
class DocumentRecord:
    """A loaded document as /sources lists it."""

    id: int
    name: str
    title: str | None
    format: str
    item_count: int
    status: str  # loaded | failed
    loaded_at: datetime


@dataclass(frozen=True, slots=True)
class SubscriberRecord:
    """A chat that receives briefings, and when it wants them."""

    id: int
    chat_id: int
    username: str | None
    timezone: str  # IANA name
    delivery_time: time  # local wall-clock time
    active: bool
    created_at: datetime
    last_briefed_at: datetime | None


@dataclass(frozen=True, slots=True)
class SubscriptionRecord:
    """One thing a subscriber asked for: the daily briefing, a country or a topic."""

    id: int
    subscriber_id: int
    kind: str  # daily | country | topic
    value: str  # "" for daily, ISO2 for a country, the topic words for a topic
