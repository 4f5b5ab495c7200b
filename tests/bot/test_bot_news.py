"""End to end: /latest, /search, /brief, /trends, plain questions, and "More" paging."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from briefs.charts import PNG_SIGNATURE
from storage.models import SavedQuery
from tests.bot_harness import bot_running
from tests.bot_helpers_app import buttons, load_newsletter, load_samples

CHAT = 720001
NOW = datetime(2025, 3, 9, 12, 0, tzinfo=UTC)  # the synthetic newsletter's last day
SAMPLES_NOW = datetime(2023, 9, 10, 9, 0, tzinfo=UTC)  # the day after the samples' G20 summit


def clock() -> datetime:
    return NOW


def samples_clock() -> datetime:
    return SAMPLES_NOW


async def _page_through(fake_telegram, first: dict, chat: int = CHAT) -> list[dict]:
    """Click "More" until the last page; return every page message."""
    pages = [first]
    while buttons(pages[-1]):
        [data] = buttons(pages[-1])
        fake_telegram.user_clicks(chat, pages[-1]["message_id"], data)
        sent = await fake_telegram.wait_for_messages(chat, len(pages) + 1)
        pages.append(sent[-1])
    return pages


def _numbers(message: dict) -> list[int]:
    return [int(n) for n in re.findall(r"^(\d+)\. ", message["plain_text"], re.M)]


async def test_latest_pages_with_more_button(fake_telegram, db_url, tmp_path) -> None:
    async with bot_running(fake_telegram, db_url, tmp_path, clock=clock) as (_app, ctx):
        total = load_newsletter(ctx, stories=12)
        fake_telegram.user_sends(CHAT, "/latest")
        [first] = await fake_telegram.wait_for_messages(CHAT, 1)
        pages = await _page_through(fake_telegram, first)
    assert [len(_numbers(p)) for p in pages] == [5, 5, 2] and total == 12
    assert sum((_numbers(p) for p in pages), []) == list(range(1, 13))
    # Each clicked page lost its button, so it cannot be paged twice.
    assert all(not buttons(m) for m in fake_telegram.sent_messages(CHAT))
    assert len(fake_telegram.calls("editMessageReplyMarkup")) == 2


async def test_latest_for_a_country_and_bad_arguments(fake_telegram, db_url, tmp_path) -> None:
    async with bot_running(fake_telegram, db_url, tmp_path) as (_app, ctx):
        load_samples(ctx)
        for text in ("/latest India 2", "/latest Indai", "/latest 99", "/latest Atlantis"):
            fake_telegram.user_sends(CHAT, text)
            await fake_telegram.wait_for_messages(CHAT, len(fake_telegram.sent_messages(CHAT)) + 1)
    india, typo, too_many, unknown = [m["plain_text"] for m in fake_telegram.sent_messages(CHAT)]
    assert india.startswith("Latest: 🇮🇳 India") and _numbers({"plain_text": india}) == [1, 2]
    assert "Did you mean 🇮🇳 India?" in typo
    assert "between 1 and 10" in too_many and "/latest India 5" in too_many
    assert "don't know a country called Atlantis" in unknown


async def test_search_highlights_and_pages(fake_telegram, db_url, tmp_path) -> None:
    async with bot_running(fake_telegram, db_url, tmp_path) as (_app, ctx):
        load_newsletter(ctx, stories=8)
        fake_telegram.user_sends(CHAT, "/search figure")
        [first] = await fake_telegram.wait_for_messages(CHAT, 1)
        pages = await _page_through(fake_telegram, first)
    assert [len(_numbers(p)) for p in pages] == [5, 3]
    assert first["plain_text"].startswith("🔎 figure")
    assert "<b>figure</b>" in first["text"], "snippets highlight the matched word"
    assert first["parse_mode"] == "HTML"


@pytest.mark.parametrize(("text", "expected"), [
    ("/search", "Tell me what to search for"),
    ("/search zzyzx", "No stories match zzyzx"),
])
async def test_search_without_results(fake_telegram, db_url, tmp_path, text, expected) -> None:
    async with bot_running(fake_telegram, db_url, tmp_path):
        fake_telegram.user_sends(CHAT, text)
        [reply] = await fake_telegram.wait_for_messages(CHAT, 1)
    assert expected in reply["plain_text"]


async def test_more_survives_a_restart(fake_telegram, db_url, tmp_path) -> None:
    """The button carries the search: a freshly built application continues the listing."""
    async with bot_running(fake_telegram, db_url, tmp_path) as (_app, ctx):
        load_newsletter(ctx, stories=8)
        fake_telegram.user_sends(CHAT, "/search figure")
        fake_telegram.user_sends(CHAT + 2, "/latest 3")
        [first] = await fake_telegram.wait_for_messages(CHAT, 1)
        [latest] = await fake_telegram.wait_for_messages(CHAT + 2, 1)
    async with bot_running(fake_telegram, db_url, tmp_path):  # a restart: nothing in memory
        pages = await _page_through(fake_telegram, first)
        more_latest = await _page_through(fake_telegram, latest, CHAT + 2)
    assert [len(_numbers(p)) for p in pages] == [5, 3]
    assert sum((_numbers(p) for p in more_latest), []) == list(range(1, 9))


async def test_more_button_expires_after_a_day(fake_telegram, db_url, tmp_path) -> None:
    later = {"now": NOW}
    async with bot_running(fake_telegram, db_url, tmp_path, clock=lambda: later["now"]) as (_a, ctx):
        load_newsletter(ctx, stories=7)
        for chat, text in ((CHAT, "/search figure"), (CHAT + 1, "/latest 3")):
            fake_telegram.user_sends(chat, text)
            [first] = await fake_telegram.wait_for_messages(chat, 1)
            later["now"] = NOW + timedelta(hours=25)
            fake_telegram.user_clicks(chat, first["message_id"], buttons(first)[0])
            _, expired = await fake_telegram.wait_for_messages(chat, 2)
            later["now"] = NOW
            assert "That button has expired" in expired["plain_text"]


LONG_QUERY = "figure " + " ".join(["OR figures"] * 8)  # over the 64 bytes of a button


def _saved_ids(ctx) -> list[int]:
    with ctx.sessions() as session:
        return list(session.scalars(select(SavedQuery.id)))


async def test_a_long_search_survives_a_restart(fake_telegram, db_url, tmp_path) -> None:
    """Too long for its button, the search is saved once; a fresh application pages it on."""
    async with bot_running(fake_telegram, db_url, tmp_path) as (_app, ctx):
        load_newsletter(ctx, stories=12)
        fake_telegram.user_sends(CHAT, f"/search {LONG_QUERY}")
        [first] = await fake_telegram.wait_for_messages(CHAT, 1)
    [saved] = _saved_ids(ctx)
    assert buttons(first)[0].startswith("more:Q:") and buttons(first)[0].endswith(f":{saved}")
    async with bot_running(fake_telegram, db_url, tmp_path) as (_app, ctx):  # nothing in memory
        pages = await _page_through(fake_telegram, first)
        assert _saved_ids(ctx) == [saved], "every page's button carries the one saved search"
    assert [len(_numbers(p)) for p in pages] == [5, 5, 2]
    assert all(p["plain_text"].startswith("🔎 figure OR figures") for p in pages)


async def test_a_saved_search_expires(fake_telegram, db_url, tmp_path) -> None:
    """Unknown ids, and searches saved over a day ago (deleted by the next save), are expired."""
    later = {"now": NOW}
    async with bot_running(fake_telegram, db_url, tmp_path, clock=lambda: later["now"]) as (app, ctx):
        load_newsletter(ctx, stories=7)
        fake_telegram.user_sends(CHAT, f"/search {LONG_QUERY}")
        [first] = await fake_telegram.wait_for_messages(CHAT, 1)
        [old] = _saved_ids(ctx)
        later["now"] = NOW + timedelta(hours=25)
        fake_telegram.user_sends(CHAT + 1, f"/search {LONG_QUERY}")
        [second] = await fake_telegram.wait_for_messages(CHAT + 1, 1)
        assert old not in _saved_ids(ctx), "a save deletes searches older than a day"
        # A button of this hour naming the deleted search (as a modified client could send).
        hour = buttons(second)[0].split(":")[2]
        made_up = InlineKeyboardMarkup([[InlineKeyboardButton(
            "More", callback_data=f"more:Q:{hour}:5:{old}")]])
        forged = (await app.bot.send_message(CHAT + 2, "forged", reply_markup=made_up)).to_dict()
        for chat, shown in ((CHAT, first), (CHAT + 2, forged)):
            fake_telegram.user_clicks(chat, shown["message_id"], buttons(shown)[0])
            *_, expired = await fake_telegram.wait_for_messages(chat, 2)
            assert "That button has expired" in expired["plain_text"], buttons(shown)


async def test_brief_now(fake_telegram, db_url, tmp_path) -> None:
    async with bot_running(fake_telegram, db_url, tmp_path, clock=samples_clock) as (_app, ctx):
        load_samples(ctx)
        for n, text in enumerate(["/brief India", "/brief grain", "/brief Rusia"], 1):
            fake_telegram.user_sends(CHAT, text)
            await fake_telegram.wait_for_messages(CHAT, n)
        fake_telegram.user_sends(CHAT, "/brief")
        sent = await fake_telegram.wait_for_messages(CHAT, 4)
    india, grain, typo, daily = [m["plain_text"] for m in sent[:4]]
    assert "India" in india and "African Union" in india
    assert "Black Sea" in grain
    assert "Did you mean 🇷🇺 Russia" in typo
    assert daily and "Sorry" not in daily


@pytest.mark.parametrize(("text", "expected"), [
    ("what's new in India?", "African Union"),
    ("Serbia", "I have no stories about Serbia yet"),
    ("India in March", "No stories about India in March 2023; the latest:"),
    ("news on Russia", "African Union"),
    ("anything about the grain deal?", "Black Sea"),
    ("hello there", "did not catch a question"),
])
async def test_plain_questions(fake_telegram, db_url, tmp_path, text, expected) -> None:
    async with bot_running(fake_telegram, db_url, tmp_path, clock=samples_clock) as (_app, ctx):
        load_samples(ctx)
        fake_telegram.user_sends(CHAT, text)
        sent = await fake_telegram.wait_for_messages(CHAT, 1)
    assert expected in " ".join(m["plain_text"] for m in sent)


async def test_trends_sends_a_chart(fake_telegram, db_url, tmp_path) -> None:
    async with bot_running(fake_telegram, db_url, tmp_path, clock=clock) as (_app, ctx):
        load_newsletter(ctx, stories=10)
        fake_telegram.user_sends(CHAT, "/trends 7")
        fake_telegram.user_sends(CHAT + 1, "/trends 500")
        [photo] = await fake_telegram.wait_for_messages(CHAT, 1)
        [refused] = await fake_telegram.wait_for_messages(CHAT + 1, 1)
    assert photo["photo"].data.startswith(PNG_SIGNATURE)
    assert "last 7 days" in photo["plain_caption"]
    assert "from 2 to 60" in refused["plain_text"]
