"""What storage hands to the layers above: plain dataclasses, never ORM rows.

Repositories build these from selected columns, so a caller cannot lazy-load a relationship
after its session closed or change the database by setting an attribute. No SQLAlchemy here:
pure packages (briefs/) name these types without importing the database layer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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
    thread_id: int = 0  # a forum topic's message_thread_id; 0: the whole chat
    chat_kind: str = "private"  # private | group | supergroup | channel
    language: str | None = None  # chosen with /language (ISO 639-1); None: never chosen


@dataclass(frozen=True, slots=True)
class ChatRef:
    """Where briefings are read: a chat and, in a forum supergroup, one topic (0: the chat).

    kind and title describe the chat (a new subscriber is made with them); they are no part
    of its identity.
    """

    chat_id: int
    thread_id: int = 0
    kind: str | None = field(default=None, compare=False)  # None: as stored (new: by the id's sign)
    title: str | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class ChatLinkRecord:
    """A chat a user manages from their private chat, and whether their commands act on it now."""

    chat_id: int
    title: str | None
    selected: bool
    username: str | None = None  # its @name without "@", when known


@dataclass(frozen=True, slots=True)
class SubscriptionRecord:
    """One thing a subscriber asked for: the daily briefing, a country or a topic."""

    id: int
    subscriber_id: int
    kind: str  # daily | country | topic
    value: str  # "" for daily, ISO2 for a country, the topic words for a topic


@dataclass(frozen=True, slots=True)
class SavedQueryRecord:
    """A search saved for its "More" button: the words and the country it was narrowed to."""

    query: str
    country: str | None  # ISO2, or None for every country


@dataclass(frozen=True, slots=True)
class FeedRecord:
    """A feed as admins see it: where, how often, how its last polls went, what it loaded."""

    id: int
    url: str
    name: str | None
    interval_seconds: int
    paused: bool
    etag: str | None
    last_modified: str | None
    next_poll_at: datetime
    last_polled_at: datetime | None
    last_success_at: datetime | None
    last_error: str | None
    error_kind: str | None
    failing_since: datetime | None
    failures: int  # consecutive failed polls
    created_at: datetime
    items: int = 0  # entries loaded as documents
