"""SQLAlchemy ORM models: the one place that defines the schema (migrations follow it)."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from storage.clock import utcnow


class Base(DeclarativeBase):
    """Declarative base for every table."""


class Document(Base):
    """One loaded file: a newsletter, a web page, a report."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    format: Mapped[str] = mapped_column(String(16))
    size: Mapped[int] = mapped_column(BigInteger)
    title: Mapped[str | None] = mapped_column(String(500))
    language: Mapped[str | None] = mapped_column(String(8))
    encoding: Mapped[str | None] = mapped_column(String(32))
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    loaded_by: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16), default="loaded")  # loaded | failed
    error: Mapped[str | None] = mapped_column(Text)
    item_count: Mapped[int] = mapped_column(Integer, default=0)

    items: Mapped[list[Item]] = relationship(back_populates="document", cascade="all, delete-orphan")


class Story(Base):
    """Items from one or more documents that report the same event."""

    __tablename__ = "stories"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(500))
    published: Mapped[date | None] = mapped_column(Date, index=True)
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    item_count: Mapped[int] = mapped_column(Integer, default=0)

    items: Mapped[list[Item]] = relationship(back_populates="story")


class Item(Base):
    """One story as one document tells it."""

    __tablename__ = "items"
    __table_args__ = (
        Index("ix_items_published_id", "published", "id"),
        Index("ix_items_loaded_at", "loaded_at"),
        # Deleting an item finds its copies by it; partial, so that "the originals"
        # (duplicate_of_id IS NULL) never read it instead of the date index.
        Index("ix_items_duplicate_of_id", "duplicate_of_id",
              sqlite_where=text("duplicate_of_id IS NOT NULL"),
              postgresql_where=text("duplicate_of_id IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(String(300))
    published: Mapped[date | None] = mapped_column(Date)
    url: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str | None] = mapped_column(String(8))
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    signature: Mapped[bytes | None] = mapped_column(LargeBinary)
    keywords: Mapped[str | None] = mapped_column(Text)  # space-separated, for story matching
    # The item's strongest event terms with their weights ("term:weight" pairs, strongest
    # first; news/similarity/events.py), from which story matching rebuilds story profiles.
    # NULL for items stored before migration 0007: they are found as near-copies only.
    event_terms: Mapped[str | None] = mapped_column(Text)
    # MinHash LSH band keys, space-separated. Indexed by triggers into (key, item) b-trees on
    # SQLite and by GIN on PostgreSQL (migrations 0005-0006; docs/architecture.md says why).
    band_keys: Mapped[str] = mapped_column(Text, default="", server_default="")
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    story_id: Mapped[int | None] = mapped_column(ForeignKey("stories.id", ondelete="SET NULL"), index=True)
    # Indexed for copies only (ix_items_duplicate_of_id above, migration 0013).
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("items.id", ondelete="SET NULL"))

    document: Mapped[Document] = relationship(back_populates="items")
    story: Mapped[Story | None] = relationship(back_populates="items")
    countries: Mapped[list[ItemCountry]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="ItemCountry.rank"
    )


class ItemCountry(Base):
    """A country an item is about or mentions."""

    __tablename__ = "item_countries"
    __table_args__ = (Index("ix_item_countries_country_item", "country", "item_id"),)

    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), primary_key=True)
    country: Mapped[str] = mapped_column(String(2), primary_key=True)
    mentions: Mapped[int] = mapped_column(Integer)
    about: Mapped[bool] = mapped_column(Boolean)
    score: Mapped[float] = mapped_column(Float)
    rank: Mapped[int] = mapped_column(Integer)

    item: Mapped[Item] = relationship(back_populates="countries")


class Subscriber(Base):
    """A Telegram chat (or one topic of a forum supergroup) that receives briefings."""

    __tablename__ = "subscribers"
    __table_args__ = (UniqueConstraint("chat_id", "thread_id", name="uq_subscribers_chat_thread"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    # A forum topic's message_thread_id: its subscriptions and briefings are its own. 0: the chat.
    thread_id: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    chat_kind: Mapped[str] = mapped_column(String(16), default="private",
                                           server_default="private")  # private|group|supergroup|channel
    username: Mapped[str | None] = mapped_column(String(100))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    delivery_time: Mapped[time] = mapped_column(Time, default=time(7, 30))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_briefed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    language: Mapped[str | None] = mapped_column(String(8))  # chosen with /language; None: not chosen

    subscriptions: Mapped[list[Subscription]] = relationship(
        back_populates="subscriber", cascade="all, delete-orphan"
    )


class Subscription(Base):
    """What a subscriber wants: the daily briefing, a country, or a topic."""

    __tablename__ = "subscriptions"
    __table_args__ = (UniqueConstraint("subscriber_id", "kind", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # daily | country | topic
    value: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    subscriber: Mapped[Subscriber] = relationship(back_populates="subscriptions")


class ChatLink(Base):
    """A chat (a channel) a user manages from their private chat; `selected`: the one acted on now."""

    __tablename__ = "chat_links"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, index=True)
    title: Mapped[str | None] = mapped_column(String(200))
    # The chat's @name (without "@") when it had one at linking: unlinking by name needs no
    # access to the chat. NULL for links made before 0014.
    username: Mapped[str | None] = mapped_column(String(100))
    selected: Mapped[bool] = mapped_column(Boolean, default=False)
    linked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Delivery(Base):
    """The outbox: one briefing for one subscriber, and what became of it."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("subscriber_id", "briefing_key"),
        Index("ix_deliveries_status_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id", ondelete="CASCADE"))
    briefing_key: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|sent|failed|skipped
    messages: Mapped[str] = mapped_column(Text)  # JSON array of message texts
    sent_count: Mapped[int] = mapped_column(Integer, default=0)  # messages already delivered
    sent_message_ids: Mapped[str] = mapped_column(Text, default="[]")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SendBudget(Base):
    """A send budget shared by every process: the next free evenly spaced slot (Unix seconds)."""

    __tablename__ = "send_budget"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    next_slot: Mapped[float] = mapped_column(Float)


class SendWindowToken(Base):
    """One of the N sends allowed within one second, busy until a second after its answer."""

    __tablename__ = "send_window"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    token: Mapped[int] = mapped_column(Integer, primary_key=True)
    busy_until: Mapped[float] = mapped_column(Float)


class SavedQuery(Base):
    """A search too long for its "More" button: the button carries the id (random, unguessable)."""

    __tablename__ = "saved_queries"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    query: Mapped[str] = mapped_column(Text)
    country: Mapped[str | None] = mapped_column(String(2))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class Feed(Base):
    """An RSS, Atom or JSON feed polled for new entries, and how its last polls went."""

    __tablename__ = "feeds"
    __table_args__ = (Index("ix_feeds_due", "paused", "next_poll_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000), unique=True)
    name: Mapped[str | None] = mapped_column(String(300))
    interval_seconds: Mapped[int] = mapped_column(Integer, default=900)
    etag: Mapped[str | None] = mapped_column(String(500))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    next_poll_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_polled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_success_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    error_kind: Mapped[str | None] = mapped_column(String(32))  # the failure's reason, for metrics
    failing_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    failures: Mapped[int] = mapped_column(Integer, default=0)  # consecutive
    polls: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class FeedEntry(Base):
    """An entry a feed delivered: what identifies it, and the document it was loaded as."""

    __tablename__ = "feed_entries"
    __table_args__ = (UniqueConstraint("feed_id", "entry_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("feeds.id", ondelete="CASCADE"))
    entry_key: Mapped[str] = mapped_column(String(64))  # sha256 of GUID, link or content
    link_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    document_id: Mapped[int | None] = mapped_column(
        ForeignKey("documents.id", ondelete="SET NULL"), index=True)
    error: Mapped[str | None] = mapped_column(Text)
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
