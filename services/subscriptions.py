"""Subscriptions: parse /subscribe, /unsubscribe, /time and /timezone and apply them.

No Telegram here: handlers pass chat ids and argument text, and get dataclasses back
(``services.subscription_views``) to render. Each public method opens and commits one session.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime, time
from math import ceil
from typing import TYPE_CHECKING, Protocol

from sqlalchemy.orm import Session, sessionmaker

from news.countries.lookup import (
    UnknownCountryError,
    resolve_country,
)
from services.schedule import next_delivery, zone_of
from services.subscription_parsing import (
    TimeParseError,
    UnknownTimezoneError,
    parse_time,
    resolve_timezone,
)
from services.subscription_views import (
    Schedule,
    SubscribeMenu,
    SubscribeResult,
    SubscriptionList,
    TimeResult,
    TimezoneResult,
    UnsubscribeResult,
    country_choice,
    normalise_topic,
    suggestions_of,
    view_of,
)
from storage.clock import utcnow
from storage.records import ChatRef, SubscriberRecord, SubscriptionRecord
from storage.repositories import subscribers as repo

if TYPE_CHECKING:
    from services.briefings import Interests

logger = logging.getLogger(__name__)

MENU_PAGE_SIZE = 8
MENU_COUNTRIES = 48
LIST_PAGE_SIZE = 8
TOPIC_MAX_CHARS = 100
# The most subscriptions one chat may have: each topic is a search in every briefing the chat
# gets (3,000 topics took 47 s to build one), and nobody reads a briefing of fifty topics.
MAX_SUBSCRIPTIONS = 50



# A chat id alone means the whole chat (a private chat, a group); a ChatRef can name a forum topic.
Chat = int | ChatRef


def chat_ref(chat: Chat) -> ChatRef:
    """Return the ChatRef a chat id or ChatRef names."""
    return chat if isinstance(chat, ChatRef) else ChatRef(chat)


class _HasKindValue(Protocol):
    kind: str
    value: str


def interests_of(subscriptions: Iterable[_HasKindValue]) -> Interests:
    """Map subscriptions to briefing interests (daily alone, or nothing, means everything)."""
    from services.briefings import Interests  # the briefing service imports storage lazily too

    subs = list(subscriptions)
    return Interests.of(countries=(s.value for s in subs if s.kind == "country"),
                        topics=(s.value for s in subs if s.kind == "topic"))


def _pages(total: int, size: int) -> int:
    return max(1, ceil(total / size))


class NewChatDefaults(Protocol):
    """What a chat gets before it chooses: the deployment's timezone and delivery time."""

    timezone: str
    delivery_time: time


class SubscriptionService:
    """Apply what subscribers ask for; every method takes the chat (or topic) and returns a view."""

    def __init__(self, sessions: sessionmaker[Session], settings: NewChatDefaults, *,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self._sessions = sessions
        self._settings = settings
        self._clock = clock

    # -- /subscribe ---------------------------------------------------------------------
    def subscribe(self, chat: Chat, text: str, *, username: str | None = None) -> SubscribeResult:
        """Apply /subscribe arguments: none (menu), a country, 'topic X', 'daily [at HH:MM]'."""
        head, _, rest = text.strip().partition(" ")
        head, rest = head.lower(), rest.strip()
        if not head:
            return self.menu(chat)
        if head == "daily":
            return self._subscribe_daily(chat, rest, username)
        if head == "topic":
            return self.add(chat, "topic", rest, username=username)
        query = rest if head == "country" else text.strip()
        try:
            code = resolve_country(query)
        except UnknownCountryError as exc:
            close, offer = suggestions_of(exc), normalise_topic(query)
            # A typo of a country gets suggestions; other words are offered as a topic instead.
            fits = not close and len(offer) <= TOPIC_MAX_CHARS
            return SubscribeResult("unknown_country", suggestions=close, query=query,
                                   topic_offer=offer if fits else "")
        return self.add(chat, "country", code, username=username)

    def _subscribe_daily(self, chat: Chat, rest: str, username: str | None) -> SubscribeResult:
        when = rest[3:] if rest.lower().startswith("at ") else rest
        at = None
        if when.strip():
            try:
                at = parse_time(when)
            except TimeParseError as exc:
                return SubscribeResult("bad_time", query=when.strip(), time_error=exc.reason)
        return self.add(chat, "daily", username=username, at=at)

    def add(self, chat: Chat, kind: str, value: str = "", *, username: str | None = None,
            at: time | None = None, menu_page: int | None = None) -> SubscribeResult:
        """Subscribe the chat to one thing (optionally setting the time, or returning the menu)."""
        if kind == "topic":
            value = normalise_topic(value)
            if not value:
                return SubscribeResult("topic_prompt")
            if len(value) > TOPIC_MAX_CHARS:
                return SubscribeResult("topic_too_long", query=value)
        if kind == "country" and country_choice(value) is None:  # a forged or stale button
            return SubscribeResult("unknown_country", query=value)
        with self._sessions.begin() as session:
            subscriber = self._subscriber(session, chat, username)
            if self._full(session, subscriber, kind, value):  # nothing changes
                menu = None if menu_page is None else self._menu(session, subscriber, menu_page)
                return SubscribeResult("too_many", menu=menu, limit=MAX_SUBSCRIPTIONS)
            # Subscribing again after blocking the bot re-activates.
            subscriber = repo.set_active(session, subscriber, True)
            subscription, created = repo.create_subscription(session, subscriber, kind, value)
            if at is not None:
                subscriber = repo.set_delivery_time(session, subscriber, at)
            menu = None if menu_page is None else self._menu(session, subscriber, menu_page)
            return SubscribeResult("added" if created else "exists", subscription=view_of(subscription),
                                   menu=menu, schedule=self._schedule(subscriber),
                                   time_changed=at is not None)

    def menu(self, chat: Chat, page: int = 0) -> SubscribeResult:
        """Return the subscribe menu: daily, countries most covered first (paged), a topic."""
        with self._sessions() as session:
            subscriber = self._find(session, chat)
            return SubscribeResult("menu", menu=self._menu(session, subscriber, page))

    def _menu(self, session: Session, subscriber: SubscriberRecord | None, page: int) -> SubscribeMenu:
        mine = repo.subscriptions_of(session, subscriber) if subscriber else []
        codes = {s.value for s in mine if s.kind == "country"}
        counts = repo.country_choices(session, MENU_COUNTRIES)
        choices = [c for c in (country_choice(code, n, code in codes) for code, n in counts) if c]
        pages = _pages(len(choices), MENU_PAGE_SIZE)
        page = min(max(page, 0), pages - 1)
        shown = tuple(choices[page * MENU_PAGE_SIZE:(page + 1) * MENU_PAGE_SIZE])
        daily = any(s.kind == "daily" for s in mine)
        return SubscribeMenu(shown, page, pages, daily_subscribed=daily)

    # -- /subscriptions and /unsubscribe -------------------------------------------------
    def listing(self, chat: Chat, page: int = 0) -> SubscriptionList:
        """Return one page of the chat's subscriptions with their schedule."""
        with self._sessions() as session:
            return self._listing(session, self._find(session, chat), page)

    def _listing(self, session: Session, subscriber: SubscriberRecord | None, page: int) -> SubscriptionList:
        if subscriber is None:
            return SubscriptionList((), 0, 1, 0, None)
        views = [view_of(s) for s in repo.subscriptions_of(session, subscriber)]
        pages = _pages(len(views), LIST_PAGE_SIZE)
        page = min(max(page, 0), pages - 1)
        shown = tuple(views[page * LIST_PAGE_SIZE:(page + 1) * LIST_PAGE_SIZE])
        return SubscriptionList(shown, page, pages, len(views), self._schedule(subscriber),
                                offset=page * LIST_PAGE_SIZE)

    def unsubscribe(self, chat: Chat, text: str) -> UnsubscribeResult:
        """Apply /unsubscribe arguments: none (list with buttons), 'all', 'daily', 'topic X', a country."""
        query = text.strip()
        with self._sessions.begin() as session:
            subscriber = self._find(session, chat)
            if not query or subscriber is None:
                status = "list" if not query else "not_found"
                return UnsubscribeResult(status, self._listing(session, subscriber, 0), query=query)
            if query.lower() in ("all", "everything"):
                removed = tuple(view_of(s) for s in repo.subscriptions_of(session, subscriber))
                repo.delete_all_subscriptions(session, subscriber)
                return UnsubscribeResult("removed_all", self._listing(session, subscriber, 0), removed)
            return self._unsubscribe_text(session, subscriber, query)

    def _unsubscribe_text(self, session: Session, subscriber: SubscriberRecord, query: str) -> UnsubscribeResult:
        target, error = self._find_by_text(session, subscriber, query)
        if target is None:
            status = "unknown_country" if error else "not_found"
            suggestions = suggestions_of(error) if error else ()
            return UnsubscribeResult(status, self._listing(session, subscriber, 0), query=query,
                                     suggestions=suggestions)
        removed = view_of(target)
        repo.delete_subscription(session, subscriber, target.id)
        return UnsubscribeResult("removed", self._listing(session, subscriber, 0), (removed,), query)

    def _find_by_text(self, session: Session, subscriber: SubscriberRecord,
                      query: str) -> tuple[SubscriptionRecord | None, UnknownCountryError | None]:
        head, _, rest = query.partition(" ")
        if head.lower() == "daily" and not rest:
            return repo.find_subscription(session, subscriber, "daily"), None
        if head.lower() == "topic":
            return repo.find_subscription(session, subscriber, "topic", normalise_topic(rest)), None
        topic = repo.find_subscription(session, subscriber, "topic", normalise_topic(query))
        if topic is not None:
            return topic, None
        try:
            code = resolve_country(rest if head.lower() == "country" else query)
        except UnknownCountryError as exc:
            return None, exc
        return repo.find_subscription(session, subscriber, "country", code), None

    def remove(self, chat: Chat, subscription_id: int, page: int = 0) -> UnsubscribeResult:
        """Remove one subscription by id (a remove button); say not_found when already gone."""
        with self._sessions.begin() as session:
            subscriber = self._find(session, chat)
            target = repo.subscription_of(session, subscriber, subscription_id) if subscriber else None
            if subscriber is None or target is None:
                return UnsubscribeResult("not_found", self._listing(session, subscriber, page))
            removed = view_of(target)
            repo.delete_subscription(session, subscriber, subscription_id)
            return UnsubscribeResult("removed", self._listing(session, subscriber, page), (removed,))

    # -- /time and /timezone -------------------------------------------------------------
    def set_time(self, chat: Chat, text: str, *, username: str | None = None) -> TimeResult:
        """Show (no argument) or set the local delivery time."""
        query = text.strip()
        if not query:
            return self._show(chat, lambda s, sub: TimeResult("show", s, subscribed=sub))
        try:
            at = parse_time(query)
        except TimeParseError as exc:
            reason = exc.reason  # the name exc is unbound after the except block
            return self._show(chat, lambda s, sub: TimeResult("invalid", s, query, reason, sub))
        with self._sessions.begin() as session:
            subscriber = self._subscriber(session, chat, username)
            subscriber = repo.set_delivery_time(session, subscriber, at)
            subscribed = bool(repo.subscriptions_of(session, subscriber))
            return TimeResult("set", self._schedule(subscriber), query, subscribed=subscribed)

    def set_timezone(self, chat: Chat, text: str, *, username: str | None = None) -> TimezoneResult:
        """Show (no argument) or set the IANA timezone, suggesting close names on a typo."""
        query = text.strip()
        if not query:
            return self._show(chat, lambda s, _: TimezoneResult("show", s))
        try:
            match = resolve_timezone(query)
        except UnknownTimezoneError as exc:
            reason, close = exc.reason, tuple(exc.suggestions)
            return self._show(chat, lambda s, _: TimezoneResult("invalid", s, query, reason, close))
        with self._sessions.begin() as session:
            subscriber = self._subscriber(session, chat, username)
            subscriber = repo.set_timezone(session, subscriber, match.name)
            return TimezoneResult("set", self._schedule(subscriber), query,
                                  fixed_offset=match.fixed_offset)

    def _show(self, chat: Chat, build: Callable[[Schedule, bool], object]):  # noqa: ANN202
        with self._sessions() as session:
            subscriber = self._find(session, chat)
            subscribed = bool(subscriber and repo.subscriptions_of(session, subscriber))
            return build(self._schedule(subscriber), subscribed)

    # -- for delivery and admin ----------------------------------------------------------
    def interests(self, chat: Chat) -> Interests | None:
        """Return the chat's interests, or None when it has no subscriptions."""
        with self._sessions() as session:
            subscriber = self._find(session, chat)
            subs = repo.subscriptions_of(session, subscriber) if subscriber else []
            return interests_of(subs) if subs else None

    # -- helpers -------------------------------------------------------------------------
    @staticmethod
    def _full(session: Session, subscriber: SubscriberRecord, kind: str, value: str) -> bool:
        """Tell whether a new subscription would take the chat past MAX_SUBSCRIPTIONS."""
        if repo.find_subscription(session, subscriber, kind, value) is not None:
            return False  # already there: "exists", as before
        return len(repo.subscriptions_of(session, subscriber)) >= MAX_SUBSCRIPTIONS

    def _subscriber(self, session: Session, chat: Chat, username: str | None) -> SubscriberRecord:
        ref = chat_ref(chat)
        return repo.get_or_create_subscriber(
            session, ref.chat_id, username=username, timezone=self._settings.timezone,
            delivery_time=self._settings.delivery_time, thread_id=ref.thread_id, kind=ref.kind,
        )

    @staticmethod
    def _find(session: Session, chat: Chat) -> SubscriberRecord | None:
        ref = chat_ref(chat)
        return repo.subscriber_by_chat(session, ref.chat_id, ref.thread_id)

    def _schedule(self, subscriber: SubscriberRecord | None) -> Schedule:
        """Return when the next briefing arrives (settings' defaults for a new chat)."""
        tz_name = subscriber.timezone if subscriber else self._settings.timezone
        at = subscriber.delivery_time if subscriber else self._settings.delivery_time
        active = subscriber.active if subscriber else True
        return Schedule(at, tz_name, next_delivery(self._clock(), at, zone_of(tz_name)), active)

