"""End to end: /latest, /search, /brief, /trends, plain questions, and "More" paging."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from briefs.charts import PNG_SIGNATURE
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


async def test_expired_more_button(fake_telegram, db_url, tmp_path) -> None:
    async with bot_running(fake_telegram, db_url, tmp_path) as (app, ctx):
        load_newsletter(ctx, stories=7)
        fake_telegram.user_sends(CHAT, "/search figure")
        [first] = await fake_telegram.wait_for_messages(CHAT, 1)
        app.bot_data["queries"].clear()  # what a restart does to remembered searches
        fake_telegram.user_clicks(CHAT, first["message_id"], buttons(first)[0])
        _, expired = await fake_telegram.wait_for_messages(CHAT, 2)
    assert "expired" in expired["plain_text"]


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
    ("Serbia", "No stories about Serbia"),
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
