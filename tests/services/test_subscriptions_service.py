"""The subscription service on real SQLite and PostgreSQL: parse, apply, list, remove, schedule."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.settings import load_settings
from services import schedule
from services.briefings import Interests
from services.subscription_parsing import (
    TimeParseError,
    UnknownTimezoneError,
    parse_time,
    resolve_timezone,
)
from services.subscriptions import LIST_PAGE_SIZE, MENU_PAGE_SIZE, SubscriptionService, interests_of
from storage.models import Subscriber
from storage.repositories import deliveries as outbox
from storage.repositories import subscribers as repo
from storage.repositories.items import country_item_counts
from tests.paths import SAMPLES

CHAT, OTHER = 1001, 2002
NOW = datetime(2025, 3, 8, 12, 0, tzinfo=UTC)


@pytest.fixture
def service(sessions) -> SubscriptionService:
    settings = load_settings(timezone="Europe/Berlin", delivery_time=time(8, 15))
    return SubscriptionService(sessions, settings, clock=lambda: NOW)


def _kinds(service: SubscriptionService, chat: int = CHAT) -> list[tuple[str, str]]:
    return [(s.kind, s.value) for s in service.listing(chat).items]


def _subscriber_counts(session) -> tuple[int, int]:
    """Return how many subscribers are active, and how many there are."""
    active = session.scalars(select(Subscriber.active)).all()
    return sum(active), len(active)


def test_new_subscriber_gets_the_settings_defaults(service, sessions):
    result = service.subscribe(CHAT, "India", username="alice")
    assert result.status == "added"
    assert (result.schedule.timezone, result.schedule.delivery_time) == ("Europe/Berlin", time(8, 15))
    assert result.schedule.next_delivery == datetime(2025, 3, 9, 8, 15, tzinfo=ZoneInfo("Europe/Berlin"))
    with sessions() as session:
        subscriber = repo.subscriber_by_chat(session, CHAT)
        assert subscriber.username == "alice" and subscriber.active
        assert _subscriber_counts(session) == (1, 1)


@pytest.mark.parametrize("text", ["India", "IN", "ind", "indian", "country india"])
def test_country_by_name_code_alpha3_or_demonym(service, text):
    assert service.subscribe(CHAT, text).subscription.value == "IN"
    assert service.subscribe(CHAT, "India").status == "exists"
    assert _kinds(service) == [("country", "IN")]


def test_topic_daily_and_time_in_one_go(service):
    topic = service.subscribe(CHAT, "topic  “Sanctions  Relief” ")
    assert (topic.status, topic.subscription.value) == ("added", "sanctions relief")
    assert service.subscribe(CHAT, "topic sanctions relief").status == "exists"
    daily = service.subscribe(CHAT, "daily at 7:05")
    assert daily.status == "added" and daily.time_changed
    assert daily.schedule.delivery_time == time(7, 5)
    assert _kinds(service) == [("daily", ""), ("topic", "sanctions relief")]


def test_bad_input_changes_nothing(service):
    bad = service.subscribe(CHAT, "daily at 25:00")
    assert (bad.status, bad.time_error, bad.query) == ("bad_time", "hour", "25:00")
    assert service.subscribe(CHAT, "topic").status == "topic_prompt"
    assert service.subscribe(CHAT, "topic " + "word " * 40).status == "topic_too_long"
    assert service.listing(CHAT).schedule is None, "no subscriber was created"


def test_unknown_country_suggests_close_names_or_offers_a_topic(service):
    typo = service.subscribe(CHAT, "Indai")
    assert typo.status == "unknown_country"
    assert [c.code for c in typo.suggestions] == ["IN"] and typo.topic_offer == ""
    assert service.add(CHAT, "country", "XX").status == "unknown_country"
    words = service.subscribe(CHAT, "grain deal")
    assert (words.suggestions, words.topic_offer) == ((), "grain deal")


def test_menu_lists_store_countries_most_covered_first_with_pages(service, ingestor, sessions):
    for path in sorted(SAMPLES.iterdir()):
        assert ingestor.ingest_path(path).status == "loaded"
    service.subscribe(CHAT, "daily")
    with sessions() as session:
        expected = [code for code, _ in country_item_counts(session, limit=48)]
    service.subscribe(CHAT, expected[1])
    first = service.subscribe(CHAT, "").menu
    assert [c.code for c in first.choices] == expected[:MENU_PAGE_SIZE]
    assert first.daily_subscribed and [c.subscribed for c in first.choices][:2] == [False, True]
    assert first.choices[0].items >= first.choices[-1].items
    if len(expected) > MENU_PAGE_SIZE:
        second = service.menu(CHAT, page=1).menu
        assert [c.code for c in second.choices] == expected[MENU_PAGE_SIZE:2 * MENU_PAGE_SIZE]
        assert first.pages == second.pages > 1
    assert service.menu(CHAT, page=99).menu.page == first.pages - 1


def test_menu_on_an_empty_store_still_offers_daily_and_topic(service):
    menu = service.subscribe(OTHER, "   ").menu
    assert (menu.choices, menu.pages, menu.daily_subscribed) == ((), 1, False)


def test_unsubscribe_by_text(service):
    for text in ("India", "Serbia", "topic sanctions", "daily"):
        service.subscribe(CHAT, text)
    assert service.unsubscribe(CHAT, "").status == "list"
    removed = service.unsubscribe(CHAT, "indian")
    assert (removed.status, removed.removed[0].name) == ("removed", "India")
    assert service.unsubscribe(CHAT, "sanctions").removed[0].kind == "topic"
    assert service.unsubscribe(CHAT, "India").status == "not_found"
    unknown = service.unsubscribe(CHAT, "Serbya")
    assert unknown.status == "unknown_country" and [c.code for c in unknown.suggestions] == ["RS"]
    everything = service.unsubscribe(CHAT, "all")
    assert everything.status == "removed_all" and len(everything.removed) == 2
    assert everything.listing.total == 0
    assert service.unsubscribe(OTHER, "India").status == "not_found"


def test_remove_by_id_only_touches_own_subscriptions(service):
    mine = service.subscribe(CHAT, "India").subscription
    theirs = service.subscribe(OTHER, "India").subscription
    assert service.remove(CHAT, theirs.id).status == "not_found"
    assert service.remove(CHAT, mine.id).removed == (mine,)
    assert service.remove(CHAT, mine.id).status == "not_found"
    assert _kinds(service, OTHER) == [("country", "IN")]


def test_listing_is_paged(service):
    topics = [f"topic number {i:02d}" for i in range(LIST_PAGE_SIZE + 3)]
    for topic in topics:
        service.subscribe(CHAT, f"topic {topic}")
    first, second = service.listing(CHAT, 0), service.listing(CHAT, 1)
    assert (first.pages, first.total, len(first.items), len(second.items)) == (2, len(topics), LIST_PAGE_SIZE, 3)
    assert second.offset == LIST_PAGE_SIZE
    assert [s.value for s in first.items + second.items] == topics


def test_time_show_set_and_reject(service):
    shown = service.set_time(CHAT, "")
    assert (shown.status, shown.schedule.delivery_time, shown.subscribed) == ("show", time(8, 15), False)
    assert service.listing(CHAT).schedule is None, "showing creates nothing"
    assert service.set_time(CHAT, "7pm").schedule.delivery_time == time(19, 0)
    bad = service.set_time(CHAT, "25:00")
    assert (bad.status, bad.error, bad.schedule.delivery_time) == ("invalid", "hour", time(19, 0))


def test_timezone_set_alias_offset_and_typo(service):
    assert service.set_timezone(CHAT, "").schedule.timezone == "Europe/Berlin"
    assert service.set_timezone(CHAT, "new york").schedule.timezone == "America/New_York"
    fixed = service.set_timezone(CHAT, "UTC+3")
    assert (fixed.schedule.timezone, fixed.fixed_offset) == ("Etc/GMT-3", True)
    typo = service.set_timezone(CHAT, "Europe/Berlni")
    assert typo.status == "invalid" and typo.suggestions[0] == "Europe/Berlin"
    assert typo.schedule.timezone == "Etc/GMT-3", "a typo changes nothing"
    assert service.set_timezone(CHAT, "+05:30").error == "half_offset"


def test_interests_of_subscriptions(service):
    service.subscribe(CHAT, "daily")
    assert service.interests(CHAT) == Interests() and service.interests(CHAT).everything
    service.subscribe(CHAT, "India")
    service.subscribe(CHAT, "topic sanctions")
    assert service.interests(CHAT) == Interests(frozenset({"IN"}), frozenset({"sanctions"}))
    assert service.interests(OTHER) is None
    assert interests_of([]) == Interests()


def test_inactive_subscriber_is_reactivated_by_subscribing(service, sessions):
    service.subscribe(CHAT, "India")
    with sessions.begin() as session:
        repo.set_active(session, repo.subscriber_by_chat(session, CHAT), False)
    with sessions() as session:
        assert _subscriber_counts(session) == (0, 1)
    assert not service.listing(CHAT).schedule.active
    assert service.subscribe(CHAT, "Serbia").schedule.active


@pytest.mark.parametrize(("text", "expected"), [
    ("07:30", time(7, 30)), ("7:30", time(7, 30)), ("07.30", time(7, 30)), ("7am", time(7)),
    ("19:05", time(19, 5)), ("7:30 pm", time(19, 30)), ("12am", time(0)), ("12 p.m.", time(12)),
    ("0730", time(7, 30)), ("0", time(0)),
])
def test_parse_time_accepts(text, expected):
    assert parse_time(text) == expected


@pytest.mark.parametrize(("text", "reason"), [
    ("25:00", "hour"), ("24:00", "hour"), ("7:60", "minute"), ("13pm", "ampm"), ("0am", "ampm"),
    ("soon", "format"), ("", "format"), ("7:3", "format"),
])
def test_parse_time_rejects(text, reason):
    with pytest.raises(TimeParseError) as info:
        parse_time(text)
    assert info.value.reason == reason


@pytest.mark.parametrize(("text", "name"), [
    ("Europe/Berlin", "Europe/Berlin"), ("EUROPE/BERLIN", "Europe/Berlin"), ("Berlin", "Europe/Berlin"),
    ("sao paulo", "America/Sao_Paulo"), ("America/New York", "America/New_York"), ("utc", "UTC"),
    ("GMT-5", "Etc/GMT+5"), ("UTC+0", "UTC"), ("UTC+14", "Etc/GMT-14"),
])
def test_resolve_timezone(text, name):
    assert resolve_timezone(text).name == name


@pytest.mark.parametrize(("text", "reason"), [("UTC+15", "offset_range"), ("UTC+5:45", "half_offset"),
                                              ("Atlantis/Nowhere", "unknown")])
def test_resolve_timezone_rejects(text, reason):
    with pytest.raises(UnknownTimezoneError) as info:
        resolve_timezone(text)
    assert info.value.reason == reason


@pytest.mark.parametrize(("now", "wall"), [
    # 02:30 is skipped in Berlin on 30 March 2025: the briefing goes out at 03:30 CEST.
    (datetime(2025, 3, 29, 12, 0, tzinfo=UTC), datetime(2025, 3, 30, 3, 30)),
    # 02:30 happens twice on 26 October 2025: the briefing goes out at the first (CEST) one.
    (datetime(2025, 10, 25, 12, 0, tzinfo=UTC), datetime(2025, 10, 26, 2, 30)),
])
def test_time_shows_when_the_scheduler_really_delivers(sessions, now, wall):
    settings = load_settings(timezone="Europe/Berlin", delivery_time=time(2, 30))
    service = SubscriptionService(sessions, settings, clock=lambda: now)
    service.subscribe(CHAT, "daily")
    shown = service.set_time(CHAT, "").schedule.next_delivery
    assert shown.replace(tzinfo=None) == wall, "the wall-clock time /time shows"
    due = shown.astimezone(UTC)
    assert _fresh_runs(sessions, due - timedelta(seconds=1)) == []
    [run] = _fresh_runs(sessions, due)
    assert run.due_at == due


def _fresh_runs(sessions, now: datetime) -> list[schedule.DueRun]:
    """Return the runs the scheduler tick would send at *now*."""
    with sessions() as session:
        subscribers = outbox.scheduled_subscribers(session, schedule.recent_daily_keys(now))
    return [r for r in schedule.due_runs(subscribers, now, timedelta(hours=6)) if not r.stale]
