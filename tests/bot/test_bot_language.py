"""End to end: the reader's language (Telegram's language_code, /language, a group's own),
localised dates and country names, Russian country questions, per-language command menus."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.delivery.scheduler import run_tick
from news.language import SUPPORTED_LANGUAGES
from storage.models import Delivery, Subscriber
from tests.bot_harness import bot_running
from tests.bot_helpers_app import buttons, load_samples

CHAT = 760001
OTHER = 760002
GROUP = -1007600
SAMPLES_NOW = datetime(2023, 9, 10, 9, 0, tzinfo=UTC)  # the day after the samples' G20 summit


def samples_clock() -> datetime:
    return SAMPLES_NOW


def _stored_language(ctx, chat_id: int) -> str | None:
    with ctx.sessions() as session:
        return session.scalar(select(Subscriber.language).where(Subscriber.chat_id == chat_id))


async def test_russian_user_gets_russian_replies_dates_and_countries(fake_telegram, db_url,
                                                                     tmp_path) -> None:
    async with bot_running(fake_telegram, db_url, tmp_path, clock=samples_clock) as (_app, ctx):
        load_samples(ctx)
        fake_telegram.user_sends(CHAT, "/start", language_code="ru-RU")
        fake_telegram.user_sends(OTHER, "/start", language_code="en")  # at the same time
        [welcome] = await fake_telegram.wait_for_messages(CHAT, 1)
        [english] = await fake_telegram.wait_for_messages(OTHER, 1)
        fake_telegram.user_sends(CHAT, "/latest Индия")
        await fake_telegram.wait_for_messages(CHAT, 2)
        fake_telegram.user_sends(CHAT, "что нового в Индии?")
        sent = await fake_telegram.wait_for_messages(CHAT, 3)
    welcome, latest, answer = sent[0], sent[1], sent[2]
    assert "Здравствуйте" in welcome["plain_text"] and "Hello" in english["plain_text"]
    assert [b["text"] for row in welcome["reply_markup"]["inline_keyboard"] for b in row][0] \
        == "📰 Последние"
    text = latest["plain_text"]
    assert "Последние новости: 🇮🇳 Индия" in text, text[:300]
    assert "сентября 2023" in text and "September" not in text
    assert "Индия" in answer["plain_text"] and "последние новости" in answer["plain_text"]
    assert "G20" in answer["plain_text"], "the Russian question brought no story about India"


async def test_language_command_buttons_switch_and_unknown_code(fake_telegram, db_url,
                                                                tmp_path) -> None:
    async with bot_running(fake_telegram, db_url, tmp_path) as (app, ctx):
        fake_telegram.user_sends(CHAT, "/language")
        [menu] = await fake_telegram.wait_for_messages(CHAT, 1)
        assert buttons(menu) == [f"lang:{code}" for code in SUPPORTED_LANGUAGES]
        assert "English" in menu["plain_text"]
        fake_telegram.user_clicks(CHAT, menu["message_id"], "lang:de")
        assert await fake_telegram.wait_until(lambda: bool(fake_telegram.calls("editMessageText")), 5)
        edited = fake_telegram.calls("editMessageText")[-1].params["text"]
        assert "Ab jetzt antworte ich hier auf Deutsch" in edited
        assert _stored_language(ctx, CHAT) == "de"
        fake_telegram.user_sends(CHAT, "/help")
        [_, help_reply] = await fake_telegram.wait_for_messages(CHAT, 2)
        assert "Befehle" in help_reply["plain_text"]
        fake_telegram.user_sends(CHAT, "/language klingon")
        [*_, unknown] = await fake_telegram.wait_for_messages(CHAT, 3)
        assert "„klingon“ spreche ich noch nicht" in unknown["plain_text"]
        assert "Русский (ru)" in unknown["plain_text"] and "English (en)" in unknown["plain_text"]
        assert _stored_language(ctx, CHAT) == "de", "an unknown code changed the language"
        fake_telegram.user_sends(CHAT, "/language ru-RU")
        [*_, switched] = await fake_telegram.wait_for_messages(CHAT, 4)
        assert "Теперь я отвечаю здесь" in switched["plain_text"]
        # A forged button (a language never offered) on a message of the bot's own.
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("xx", callback_data="lang:xx")]])
        shown = await app.bot.send_message(CHAT, "forged", reply_markup=keyboard)
        forged = fake_telegram.user_clicks(CHAT, shown.message_id, "lang:xx")
        fake_telegram.user_sends(CHAT, "/time")
        [*_, time_reply] = await fake_telegram.wait_for_messages(CHAT, 6)
        assert await fake_telegram.wait_until(lambda: fake_telegram.callback_answer(forged), 5)
    assert "Ваша сводка приходит каждый день" in time_reply["plain_text"]
    assert "истёк" in fake_telegram.callback_answer(forged)["text"]
    assert _stored_language(ctx, CHAT) == "ru"


async def test_group_language_and_its_scheduled_briefing(fake_telegram, db_url, tmp_path) -> None:
    now = SAMPLES_NOW.replace(hour=6)
    async with bot_running(fake_telegram, db_url, tmp_path, clock=lambda: now) as (_app, ctx):
        load_samples(ctx)
        fake_telegram.add_chat(GROUP, "supergroup", "Desk")
        fake_telegram.set_chat_member(GROUP, OTHER, "administrator")
        # The group chose Russian; its English-speaking member gets Russian answers there.
        fake_telegram.user_sends(GROUP, "/language ru", user_id=OTHER, language_code="en")
        await fake_telegram.wait_for_messages(GROUP, 1)
        fake_telegram.user_sends(GROUP, "/subscribe India", user_id=OTHER)
        await fake_telegram.wait_for_messages(GROUP, 2)
        sent = fake_telegram.sent_messages(GROUP)
    assert "Подписка оформлена: 🇮🇳 Индия" in sent[1]["plain_text"]
    later = now + timedelta(hours=2)
    assert run_tick(ctx, later).queued == 1
    with ctx.sessions() as session:
        [messages] = session.scalars(select(Delivery.messages)).all()
    briefing = "\n".join(json.loads(messages))
    assert "Ваша сводка" in briefing and "Индия" in briefing, briefing[:300]
    ctx.close()


async def test_command_menus_are_registered_per_language(fake_telegram, db_url, tmp_path) -> None:
    async with bot_running(fake_telegram, db_url, tmp_path):
        pass
    menus = {key[1]: commands for key, commands in fake_telegram.store.commands.items()
             if key[0] == '{"type": "default"}'}
    assert set(menus) == {"", "ru", "de"}
    assert [c["command"] for c in menus["ru"]] == [c["command"] for c in menus[""]]
    described = {c["command"]: c["description"] for c in menus["ru"]}
    assert described["language"] == "Язык, на котором я отвечаю"
    assert {c["command"]: c["description"] for c in menus[""]}["language"] == \
        "The language I answer in"
