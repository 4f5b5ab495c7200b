"""End to end: /start, /help, the start menu, the command menu, unknown commands, errors."""

from __future__ import annotations

import pytest
from telegram.ext import CommandHandler

from bot.telegram.handlers.common import COMMANDS
from news.language import SUPPORTED_LANGUAGES
from tests.bot_harness import bot_running

CHAT = 710001
ADMIN = 710002


async def test_start_welcomes_with_action_buttons(fake_telegram, db_url, tmp_path) -> None:
    async with bot_running(fake_telegram, db_url, tmp_path):
        fake_telegram.user_sends(CHAT, "/start", username="ann")
        [reply] = await fake_telegram.wait_for_messages(CHAT, 1)
    assert "Hello" in reply["plain_text"] and "briefing" in reply["plain_text"]
    assert "send me a TXT" not in reply["plain_text"], "admin hint shown to a non-admin"
    buttons = [b["callback_data"] for row in reply["reply_markup"]["inline_keyboard"] for b in row]
    assert buttons == ["act:latest", "act:brief", "act:trends", "act:help"]


async def test_help_lists_every_command_with_example(fake_telegram, db_url, tmp_path) -> None:
    async with bot_running(fake_telegram, db_url, tmp_path, admin_ids=[ADMIN]):
        fake_telegram.user_sends(CHAT, "/help")
        fake_telegram.user_sends(ADMIN, "/help")
        [user_help] = await fake_telegram.wait_for_messages(CHAT, 1)
        [admin_help] = await fake_telegram.wait_for_messages(ADMIN, 1)
    for command in COMMANDS:
        assert (f"/{command.name} " in admin_help["plain_text"]) or command.name == "start"
        assert command.example in admin_help["plain_text"]
        assert (command.example in user_help["plain_text"]) != command.admin
    assert "/stats" not in user_help["plain_text"]


async def test_command_menu_is_registered(fake_telegram, db_url, tmp_path) -> None:
    async with bot_running(fake_telegram, db_url, tmp_path, admin_ids=[ADMIN]):
        pass
    public = [c["command"] for c in fake_telegram.commands]
    assert public[:3] == ["start", "help", "latest"] and "stats" not in public
    scoped = [r for r in fake_telegram.calls("setMyCommands") if r.params.get("scope")]
    # One admin menu per language (the default and each translation).
    assert len(scoped) == len(SUPPORTED_LANGUAGES)
    assert all('"chat_id": 710002' in str(r.params["scope"]).replace("'", '"') for r in scoped)


async def test_start_menu_help_button(fake_telegram, db_url, tmp_path) -> None:
    async with bot_running(fake_telegram, db_url, tmp_path):
        fake_telegram.user_sends(CHAT, "/start")
        [menu] = await fake_telegram.wait_for_messages(CHAT, 1)
        update_id = fake_telegram.user_clicks(CHAT, menu["message_id"], "act:help")
        _, help_reply = await fake_telegram.wait_for_messages(CHAT, 2)
    assert fake_telegram.callback_answer(update_id) is not None
    assert "/search grain deal" in help_reply["plain_text"]


@pytest.mark.parametrize("text", ["/frobnicate", "/frobnicate now please"])
async def test_unknown_command_gets_hint(fake_telegram, db_url, tmp_path, text) -> None:
    async with bot_running(fake_telegram, db_url, tmp_path):
        fake_telegram.user_sends(CHAT, text)
        [reply] = await fake_telegram.wait_for_messages(CHAT, 1)
    assert "/frobnicate" in reply["plain_text"] and "/help" in reply["plain_text"]


async def test_error_handler_apologises_and_bot_keeps_working(
    fake_telegram, db_url, tmp_path, caplog
) -> None:
    async def boom(update, context) -> None:
        raise RuntimeError("kaboom in a handler")

    async with bot_running(fake_telegram, db_url, tmp_path) as (application, _ctx):
        application.add_handler(CommandHandler("boom", boom), group=-1)
        fake_telegram.user_sends(CHAT, "/boom")
        # group -1 raises; group 0 still answers "unknown command", as PTB runs every group.
        first = await fake_telegram.wait_for_messages(CHAT, 2)
        fake_telegram.user_sends(CHAT, "/help")
        *_, after = await fake_telegram.wait_for_messages(CHAT, 3)
    assert any("Sorry, something went wrong" in m["plain_text"] for m in first)
    assert "/latest" in after["plain_text"]
    logged = [r for r in caplog.records if r.name == "bot.telegram.handlers.errors"]
    assert logged and logged[0].exc_info and "kaboom" in str(logged[0].exc_info[1])
