"""Subscription commands end to end: the real Application, polling the fake Bot API server."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from briefs.telegram_validate import validate_telegram_html
from storage.repositories import subscribers as repo
from tests.bot_harness import bot_running
from tests.paths import SAMPLES

CHAT = 6660001
NOW = datetime(2025, 3, 8, 12, 0, tzinfo=UTC)
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'bot.sqlite3'}"


async def _ask(server, text: str) -> dict:
    """Send a message and return the bot's one new reply (checked to be valid Telegram HTML)."""
    before = len(server.sent_messages(CHAT))
    server.user_sends(CHAT, text)
    messages = await server.wait_for_messages(CHAT, before + 1, timeout=5)
    assert len(messages) == before + 1, [m["plain_text"] for m in messages[before:]]
    reply = messages[-1]
    assert validate_telegram_html(reply["text"]) == [], reply["text"]
    return reply


async def _click(server, message: dict, data: str, *, edits: bool = True) -> dict:
    """Click a button; return the message once the bot answered the query (and edited it)."""
    before = len(_find(server, message).get("edits", []))
    update_id = server.user_clicks(CHAT, message["message_id"], data)
    assert await server.wait_until(lambda: server.callback_answer(update_id) is not None, 5)
    if edits:
        assert await server.wait_until(lambda: len(_find(server, message).get("edits", [])) > before, 5)
        assert validate_telegram_html(_find(server, message)["text"]) == []
    return _find(server, message) | {"answer": server.callback_answer(update_id)}


def _find(server, message: dict) -> dict:
    return next(m for m in server.sent_messages(CHAT) if m["message_id"] == message["message_id"])


def _buttons(message: dict) -> dict[str, str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
    return {b["text"]: b["callback_data"] for row in rows for b in row}


def _subscriptions(ctx) -> list[tuple[str, str]]:
    with ctx.sessions() as session:
        subscriber = repo.subscriber_by_chat(session, CHAT)
        return [(s.kind, s.value) for s in repo.subscriptions_of(session, subscriber)] if subscriber else []


async def test_menu_keyboard_subscribes_by_click(fake_telegram, db_url, tmp_path):
    async with bot_running(fake_telegram, db_url, tmp_path, clock=lambda: NOW) as (_, ctx):
        for path in sorted(SAMPLES.iterdir()):
            ctx.ingestor.ingest_path(path)
        menu = await _ask(fake_telegram, "/subscribe")
        buttons = _buttons(menu)
        assert "🗞 Daily briefing (everything)" in buttons and "🔎 A topic…" in buttons
        india = next(text for text in buttons if text.endswith("India"))
        clicked = await _click(fake_telegram, menu, buttons[india])
        assert clicked["answer"]["text"] == "Subscribed to India"
        assert "Subscribed to 🇮🇳 India" in clicked["plain_text"]
        assert "✓ 🇮🇳 India" in _buttons(clicked), "the menu marks what is subscribed"
        await _click(fake_telegram, clicked, "sub:d:0")
        assert _subscriptions(ctx) == [("daily", ""), ("country", "IN")]
        sent = len(fake_telegram.sent_messages(CHAT))
        await _click(fake_telegram, clicked, "sub:topic", edits=False)
        [*_, prompt] = await fake_telegram.wait_for_messages(CHAT, sent + 1)
    assert "/subscribe topic sanctions" in prompt["plain_text"]


async def test_subscribe_directly_with_arguments(fake_telegram, sqlite_url, tmp_path):
    async with bot_running(fake_telegram, sqlite_url, tmp_path, clock=lambda: NOW,
                           timezone="Europe/Berlin") as (_, ctx):
        india = await _ask(fake_telegram, "/subscribe India")
        assert "Subscribed to 🇮🇳 India" in india["plain_text"]
        assert "07:30 (Europe/Berlin)" in india["plain_text"], "defaults come from the settings"
        topic = await _ask(fake_telegram, "/subscribe topic sanctions")
        assert "Subscribed to 🔎 the topic sanctions" in topic["plain_text"]
        daily = await _ask(fake_telegram, "/subscribe daily at 06:45")
        assert "every day at 06:45" in daily["plain_text"]
        again = await _ask(fake_telegram, "/subscribe ind")
        assert "already subscribed" in again["plain_text"]
        bad = await _ask(fake_telegram, "/subscribe daily at 25:00")
        assert "hours go from 0 to 23" in bad["plain_text"]
    assert _subscriptions(ctx) == [("daily", ""), ("country", "IN"), ("topic", "sanctions")]


async def test_unknown_country_offers_suggestions(fake_telegram, sqlite_url, tmp_path):
    async with bot_running(fake_telegram, sqlite_url, tmp_path) as (_, ctx):
        typo = await _ask(fake_telegram, "/subscribe Indai")
        assert "Did you mean 🇮🇳 India?" in typo["plain_text"]
        clicked = await _click(fake_telegram, typo, _buttons(typo)["🇮🇳 India"])
        assert "Subscribed to 🇮🇳 India" in clicked["plain_text"]
        words = await _ask(fake_telegram, "/subscribe grain deal")
        assert "/subscribe topic grain deal" in words["plain_text"]
        await _click(fake_telegram, words, "sub:t:grain deal")
    assert _subscriptions(ctx) == [("country", "IN"), ("topic", "grain deal")]


async def test_subscriptions_list_with_remove_buttons(fake_telegram, sqlite_url, tmp_path):
    async with bot_running(fake_telegram, sqlite_url, tmp_path) as (_, ctx):
        empty = await _ask(fake_telegram, "/subscriptions")
        assert "You have no subscriptions" in empty["plain_text"] and not _buttons(empty)
        for text in ("/subscribe Serbia", "/subscribe India", "/subscribe topic sanctions"):
            await _ask(fake_telegram, text)
        listing = await _ask(fake_telegram, "/subscriptions")
        assert "1. 🇮🇳 India\n2. 🇷🇸 Serbia\n3. 🔎 the topic sanctions" in listing["plain_text"]
        buttons = _buttons(listing)
        assert set(buttons) == {"✖ 🇮🇳 India", "✖ 🇷🇸 Serbia", "✖ Topic: sanctions"}
        removed = await _click(fake_telegram, listing, buttons["✖ 🇷🇸 Serbia"])
        assert removed["answer"]["text"] == "Unsubscribed from Serbia"
        assert removed["plain_text"].startswith("🗑 Unsubscribed from 🇷🇸 Serbia")
        assert "✖ 🇷🇸 Serbia" not in _buttons(removed)
        assert _subscriptions(ctx) == [("country", "IN"), ("topic", "sanctions")]


async def test_unsubscribe_with_buttons_and_by_text(fake_telegram, sqlite_url, tmp_path):
    async with bot_running(fake_telegram, sqlite_url, tmp_path) as (_, ctx):
        await _ask(fake_telegram, "/subscribe India")
        await _ask(fake_telegram, "/subscribe daily")
        older = await _ask(fake_telegram, "/subscriptions")
        menu = await _ask(fake_telegram, "/unsubscribe")
        assert "Tap a subscription below to remove it" in menu["plain_text"]
        after = await _click(fake_telegram, menu, _buttons(menu)["✖ Daily briefing"])
        assert _subscriptions(ctx) == [("country", "IN")]
        assert set(_buttons(after)) == {"✖ 🇮🇳 India"}
        stale = await _click(fake_telegram, older, _buttons(older)["✖ Daily briefing"])
        assert stale["answer"]["text"] == "Already removed"
        assert "That subscription was already removed" in stale["plain_text"]
        gone = await _ask(fake_telegram, "/unsubscribe indian")
        assert "Unsubscribed from 🇮🇳 India" in gone["plain_text"]
        missing = await _ask(fake_telegram, "/unsubscribe Serbia")
        assert "You are not subscribed to “Serbia”" in missing["plain_text"]
    assert _subscriptions(ctx) == []


async def test_list_pages(fake_telegram, sqlite_url, tmp_path):
    async with bot_running(fake_telegram, sqlite_url, tmp_path) as (_, ctx):
        for i in range(10):
            ctx.subscriptions.subscribe(CHAT, f"topic subject {i}")
        first = await _ask(fake_telegram, "/subscriptions")
        assert "(page 1 of 2)" in first["plain_text"] and "More ▶" in _buttons(first)
        second = await _click(fake_telegram, first, "unsub:p:1")
        assert "(page 2 of 2)" in second["plain_text"] and "9. 🔎 the topic subject 8" in second["plain_text"]
        removed = await _click(fake_telegram, second, _buttons(second)["✖ Topic: subject 9"])
        assert "(page 2 of 2)" in removed["plain_text"] and "◀ Back" in _buttons(removed)


async def test_time_command(fake_telegram, sqlite_url, tmp_path):
    async with bot_running(fake_telegram, sqlite_url, tmp_path, clock=lambda: NOW) as (_, ctx):
        shown = await _ask(fake_telegram, "/time")
        assert "every day at 07:30 (UTC)" in shown["plain_text"]
        assert "no subscriptions yet" in shown["plain_text"]
        assert "Delivery time set to 19:05" in (await _ask(fake_telegram, "/time 7.05pm"))["plain_text"]
        bad = await _ask(fake_telegram, "/time 25:00")
        assert "hours go from 0 to 23" in bad["plain_text"] and "at 19:05" in bad["plain_text"]
    with ctx.sessions() as session:
        assert repo.subscriber_by_chat(session, CHAT).delivery_time == time(19, 5)


async def test_timezone_command_with_suggestions(fake_telegram, sqlite_url, tmp_path):
    async with bot_running(fake_telegram, sqlite_url, tmp_path, clock=lambda: NOW) as (_, ctx):
        shown = await _ask(fake_telegram, "/timezone")
        assert "Telegram does not tell bots your timezone" in shown["plain_text"]
        done = await _ask(fake_telegram, "/timezone Europe/Berlin")
        assert "Timezone set to Europe/Berlin" in done["plain_text"]
        assert "next: 9 March 2025, 07:30" in done["plain_text"]
        typo = await _ask(fake_telegram, "/timezone Europe/Berlni")
        assert "Did you mean Europe/Berlin" in typo["plain_text"]
        picked = await _click(fake_telegram, typo, "tz:Europe/Dublin")
        assert picked["answer"]["text"] == "Timezone: Europe/Dublin"
        assert "Timezone set to Europe/Dublin" in picked["plain_text"]
        fixed = await _ask(fake_telegram, "/timezone UTC+3")
        assert "does not follow daylight saving" in fixed["plain_text"]
    with ctx.sessions() as session:
        assert repo.subscriber_by_chat(session, CHAT).timezone == "Etc/GMT-3"
