"""What the subscription service answers: plain dataclasses the templates and keyboards read."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time

from news.countries.lookup import UnknownCountryError, country_of
from storage.records import SubscriptionRecord

_QUOTES = "\"'“”‘’«»"


@dataclass(frozen=True, slots=True)
class SubscriptionView:
    """One subscription as shown to its subscriber."""

    id: int
    kind: str  # daily | country | topic
    value: str  # "" for daily, ISO2 for a country, the topic words for a topic
    name: str  # country name or topic words ("" for daily)
    flag: str = ""


@dataclass(frozen=True, slots=True)
class CountryChoice:
    """A country offered in the subscribe menu or as a suggestion."""

    code: str
    name: str
    flag: str
    items: int = 0
    subscribed: bool = False


@dataclass(frozen=True, slots=True)
class Schedule:
    """When a subscriber's briefing arrives: local time, timezone and the next delivery."""

    delivery_time: time
    timezone: str
    next_delivery: datetime  # aware, in the subscriber's timezone (`services.schedule`)
    active: bool = True


@dataclass(frozen=True, slots=True)
class SubscribeMenu:
    """The /subscribe keyboard: daily, a page of countries (most covered first), a topic."""

    choices: tuple[CountryChoice, ...]
    page: int
    pages: int
    daily_subscribed: bool = False


@dataclass(frozen=True, slots=True)
class SubscribeResult:
    """Outcome of /subscribe or a subscribe button.

    status: menu | added | exists | unknown_country | topic_prompt | topic_too_long | bad_time
    | too_many
    """

    status: str
    subscription: SubscriptionView | None = None
    menu: SubscribeMenu | None = None
    suggestions: tuple[CountryChoice, ...] = ()
    query: str = ""
    time_error: str = ""  # TimeParseError.reason when status is bad_time
    schedule: Schedule | None = None
    time_changed: bool = False
    topic_offer: str = ""  # a topic to offer instead of an unknown country
    limit: int = 0  # the most subscriptions a chat may have (status too_many)


@dataclass(frozen=True, slots=True)
class SubscriptionList:
    """A page of a subscriber's subscriptions, with the schedule they arrive on."""

    items: tuple[SubscriptionView, ...]
    page: int
    pages: int
    total: int
    schedule: Schedule | None  # None when the chat never subscribed
    offset: int = 0  # how many subscriptions come before this page


@dataclass(frozen=True, slots=True)
class UnsubscribeResult:
    """Outcome of /unsubscribe or a remove button.

    status: list | removed | removed_all | not_found | unknown_country
    """

    status: str
    listing: SubscriptionList
    removed: tuple[SubscriptionView, ...] = ()
    query: str = ""
    suggestions: tuple[CountryChoice, ...] = ()


@dataclass(frozen=True, slots=True)
class TimeResult:
    """Outcome of /time. status: show | set | invalid (reason in ``error``)."""

    status: str
    schedule: Schedule
    query: str = ""
    error: str = ""
    subscribed: bool = True  # False: the time is kept, but nothing is subscribed yet


@dataclass(frozen=True, slots=True)
class TimezoneResult:
    """Outcome of /timezone. status: show | set | invalid (reason in ``error``)."""

    status: str
    schedule: Schedule
    query: str = ""
    error: str = ""  # unknown | half_offset | offset_range
    suggestions: tuple[str, ...] = ()
    fixed_offset: bool = False
    examples: tuple[str, ...] = field(default=("Europe/Berlin", "America/New_York", "Asia/Kolkata"))


def country_choice(code: str, items: int = 0, subscribed: bool = False) -> CountryChoice | None:
    """Return a CountryChoice for a code, or None when the gazetteer does not know it."""
    try:
        country = country_of(code)
    except UnknownCountryError:
        return None
    return CountryChoice(code, country.name, country.flag, items, subscribed)


def suggestions_of(error: UnknownCountryError) -> tuple[CountryChoice, ...]:
    """Turn an UnknownCountryError's suggested codes into choices."""
    return tuple(c for c in (country_choice(code) for code in error.suggestions) if c)


def normalise_topic(text: str) -> str:
    """Return topic words as stored: quotes trimmed, spaces collapsed, case-folded."""
    return " ".join(text.strip().strip(_QUOTES).split()).casefold()


def view_of(subscription: SubscriptionRecord) -> SubscriptionView:
    """Return how a subscription is shown."""
    if subscription.kind == "country":
        country = country_of(subscription.value)
        return SubscriptionView(subscription.id, "country", subscription.value, country.name, country.flag)
    return SubscriptionView(subscription.id, subscription.kind, subscription.value, subscription.value)
