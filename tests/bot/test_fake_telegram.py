"""End-to-end tests of the fake Telegram server with the real python-telegram-bot stack."""

from __future__ import annotations

import asyncio
import datetime as dtm
import json

import httpx
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, ReplyParameters, Update
from telegram.error import BadRequest, Forbidden, RetryAfter
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes, MessageHandler, filters

from tests.fake_telegram import FakeTelegramServer, HtmlError, parse_html, utf16_len
from tests.fake_telegram.fixtures import fake_telegram, ptb_builder, running_application

__all__ = ["fake_telegram"]  # the fixture is used by name below

CHAT = 5550001
# PTB 22 warns that RetryAfter.retry_after will become a timedelta; both forms are handled.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


def _seconds(value: int | dtm.timedelta) -> float:
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


def _retry_seconds(exc: RetryAfter) -> float:
    return _seconds(exc.retry_after)


@pytest.fixture
async def bot(fake_telegram: FakeTelegramServer):
    """A bare PTB Bot talking to the fake server."""
    async with Bot(
        fake_telegram.token,
        base_url=fake_telegram.base_url,
        base_file_url=fake_telegram.base_file_url,
    ) as tg_bot:
        yield tg_bot


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.effective_message.reply_text(" ".join(context.args) or "(nothing)")


async def test_command_round_trip_through_polling(fake_telegram: FakeTelegramServer) -> None:
    app = ptb_builder(fake_telegram).build()
    app.add_handler(CommandHandler("echo", echo))
    async with running_application(app):
        assert app.bot.username == "briefbot_test_bot"
        fake_telegram.user_sends(CHAT, "/echo hi there")
        [reply] = await fake_telegram.wait_for_messages(CHAT, 1, timeout=3)
    assert reply["plain_text"] == "hi there"
    assert reply["chat_id"] == CHAT
    assert fake_telegram.calls("deleteWebhook"), "PTB bootstraps polling with deleteWebhook"
    assert fake_telegram.store.updates == [], "the stop-time getUpdates confirmed the update"


async def test_bad_html_is_rejected(bot: Bot, fake_telegram: FakeTelegramServer) -> None:
    with pytest.raises(BadRequest, match="(?i)can't parse entities"):
        await bot.send_message(CHAT, "<b>bold <i>mixed</b></i>", parse_mode="HTML")
    with pytest.raises(BadRequest, match="(?i)unsupported start tag"):
        await bot.send_message(CHAT, "line<br>break", parse_mode="HTML")
    assert fake_telegram.sent_messages() == []
    assert fake_telegram.counters[400] == 2


async def test_valid_html_returns_visible_text(bot: Bot, fake_telegram: FakeTelegramServer) -> None:
    sent = await bot.send_message(
        CHAT, '<b>Top</b> &amp; <a href="https://example.org">more</a>', parse_mode="HTML"
    )
    assert sent.text == "Top & more"
    assert sent.text_html == '<b>Top</b> &amp; <a href="https://example.org">more</a>'
    [record] = fake_telegram.sent_messages(CHAT)
    assert record["parse_mode"] == "HTML"
    assert record["text"].startswith("<b>Top</b>")


async def test_message_length_limit_counts_visible_utf16(bot: Bot) -> None:
    with pytest.raises(BadRequest, match="(?i)message is too long"):
        await bot.send_message(CHAT, "x" * 4097)
    # Markup does not count, but astral characters count twice.
    sent = await bot.send_message(CHAT, "<b>" + "y" * 4096 + "</b>", parse_mode="HTML")
    assert len(sent.text) == 4096
    with pytest.raises(BadRequest, match="(?i)message is too long"):
        await bot.send_message(CHAT, "\U0001f600" * 2049)
    with pytest.raises(BadRequest, match="(?i)message text is empty"):
        await bot.send_message(CHAT, "   ")


async def test_injected_429_becomes_retry_after(
    bot: Bot, fake_telegram: FakeTelegramServer
) -> None:
    fake_telegram.fail_next("sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(CHAT, "first")
    assert _retry_seconds(caught.value) == 7
    await bot.send_message(CHAT, "second")  # the fault is one-shot
    assert fake_telegram.throttled_count == 1


async def test_per_chat_rate_limit(bot: Bot, fake_telegram: FakeTelegramServer) -> None:
    fake_telegram.set_rate_limits(per_chat=1)
    await bot.send_message(CHAT, "one")
    await bot.send_message(CHAT + 1, "another chat is fine")
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(CHAT, "two")
    assert _retry_seconds(caught.value) == 1
    assert [m["plain_text"] for m in fake_telegram.sent_messages()] == [
        "one",
        "another chat is fine",
    ]


async def test_global_rate_limit_with_fake_timer() -> None:
    now = [100.0]
    server = FakeTelegramServer(timer=lambda: now[0], global_limit=3)
    async with server, Bot(server.token, base_url=server.base_url) as tg_bot:
        for chat in range(1, 4):
            await tg_bot.send_message(chat, "hello")
        with pytest.raises(RetryAfter):
            await tg_bot.send_message(4, "hello")
        now[0] += 1.0
        await tg_bot.send_message(4, "hello")
    assert server.throttled_count == 1
    assert [r.status for r in server.calls("sendMessage")] == [200, 200, 200, 429, 200]


async def test_blocked_user_gives_forbidden(bot: Bot, fake_telegram: FakeTelegramServer) -> None:
    fake_telegram.block_user(CHAT)
    with pytest.raises(Forbidden, match="(?i)bot was blocked by the user"):
        await bot.send_message(CHAT, "hello?")
    fake_telegram.unblock_user(CHAT)
    await bot.send_message(CHAT, "hello again")


async def test_callback_query_round_trip(fake_telegram: FakeTelegramServer) -> None:
    async def menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        keyboard = InlineKeyboardMarkup(
            [[InlineKeyboardButton("Daily", callback_data="sub:daily")]]
        )
        await update.effective_message.reply_text("Pick one", reply_markup=keyboard)

    async def clicked(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        await query.answer("Subscribed")
        await query.edit_message_text(f"You chose {query.data}")

    app = ptb_builder(fake_telegram).build()
    app.add_handler(CommandHandler("menu", menu))
    app.add_handler(CallbackQueryHandler(clicked))
    async with running_application(app):
        fake_telegram.user_sends(CHAT, "/menu")
        [shown] = await fake_telegram.wait_for_messages(CHAT, 1)
        assert shown["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "sub:daily"
        with pytest.raises(ValueError, match="no button"):
            fake_telegram.user_clicks(CHAT, shown["message_id"], "sub:weekly")
        update_id = fake_telegram.user_clicks(CHAT, shown["message_id"], "sub:daily")
        await fake_telegram.wait_for_request("editMessageText")
    assert fake_telegram.callback_answer(update_id)["text"] == "Subscribed"
    [edited] = fake_telegram.sent_messages(CHAT)
    assert edited["plain_text"] == "You chose sub:daily"
    assert edited["edits"][0]["plain_text"] == "Pick one"


async def test_long_callback_data_is_rejected(bot: Bot) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="é" * 33)]])
    with pytest.raises(BadRequest, match="(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(CHAT, "menu", reply_markup=keyboard)


async def test_document_upload_is_downloadable(fake_telegram: FakeTelegramServer) -> None:
    payload = b"%PDF-1.4 not really a pdf\x00\xff"
    received: list[bytes] = []

    async def on_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        doc = update.effective_message.document
        received.append(bytes(await (await doc.get_file()).download_as_bytearray()))
        await update.effective_message.reply_text(f"got {doc.file_name}")

    app = ptb_builder(fake_telegram).build()
    app.add_handler(MessageHandler(filters.Document.ALL, on_document))
    async with running_application(app):
        fake_telegram.user_uploads(CHAT, "brief.pdf", payload, "application/pdf")
        await fake_telegram.wait_for_messages(CHAT, 1)
    assert received == [payload]


async def test_bot_uploads_photo_and_document(bot: Bot, fake_telegram: FakeTelegramServer) -> None:
    png = b"\x89PNG\r\n\x1a\nfake-image-bytes"
    await bot.send_photo(CHAT, photo=png, caption="<i>chart</i>", parse_mode="HTML")
    await bot.send_document(CHAT, document=b"col1,col2\n", filename="data.csv")
    photo, document = fake_telegram.sent_messages(CHAT)
    assert photo["photo"].data == png
    assert photo["plain_caption"] == "chart"
    assert document["document"].data == b"col1,col2\n"
    assert document["document"].file_name == "data.csv"


async def test_set_my_commands_is_recorded(bot: Bot, fake_telegram: FakeTelegramServer) -> None:
    await bot.set_my_commands([("latest", "Latest briefing"), ("help", "How to use me")])
    assert fake_telegram.commands == [
        {"command": "latest", "description": "Latest briefing"},
        {"command": "help", "description": "How to use me"},
    ]
    assert [c.command for c in await bot.get_my_commands()] == ["latest", "help"]
    with pytest.raises(BadRequest, match="(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([("Bad-Name", "nope")])


async def test_edit_errors_match_telegram(bot: Bot) -> None:
    sent = await bot.send_message(CHAT, "same")
    with pytest.raises(BadRequest, match="(?i)message is not modified"):
        await bot.edit_message_text("same", CHAT, sent.message_id)
    with pytest.raises(BadRequest, match="(?i)message to edit not found"):
        await bot.edit_message_text("other", CHAT, 999)
    assert await bot.delete_message(CHAT, sent.message_id)
    with pytest.raises(BadRequest, match="(?i)message to delete not found"):
        await bot.delete_message(CHAT, sent.message_id)


async def test_raw_http_contract(fake_telegram: FakeTelegramServer) -> None:
    base = f"{fake_telegram.base_url}{fake_telegram.token}"
    async with httpx.AsyncClient() as client:
        unknown = await client.post(f"{base}/sendTelepathy", json={})
        wrong_token = await client.post(f"{fake_telegram.base_url}1:nope/getMe")
        as_json = await client.post(
            f"{base}/sendMessage",
            json={
                "chat_id": CHAT,
                "text": "hi",
                "reply_markup": json.dumps({"inline_keyboard": []}),
            },
        )
    assert unknown.status_code == 404
    assert unknown.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
    assert wrong_token.status_code == 401
    assert as_json.json()["result"]["chat"]["id"] == CHAT
    assert fake_telegram.sent_messages()[0]["reply_markup"] == {"inline_keyboard": []}


async def test_long_poll_waits_for_update(fake_telegram: FakeTelegramServer) -> None:
    async with Bot(fake_telegram.token, base_url=fake_telegram.base_url) as tg_bot:
        poll = asyncio.create_task(tg_bot.get_updates(timeout=5))
        await asyncio.sleep(0.05)
        assert not poll.done()
        update_id = fake_telegram.user_sends(CHAT, "plain words")
        [update] = await asyncio.wait_for(poll, 2)
        assert update.update_id == update_id and update.message.entities == ()
        assert await tg_bot.get_updates(offset=update_id + 1, timeout=0) == ()


@pytest.mark.parametrize(
    "html",
    [
        "<b>open",
        "</b>",
        "a < b",
        "AT&T",
        '<span class="x">s</span>',
        "<a>no link</a>",
        "<pre><b>x</b></pre>",
        "<blockquote><blockquote>q</blockquote></blockquote>",
    ],
)
def test_html_validator_rejects(html: str) -> None:
    with pytest.raises(HtmlError):
        parse_html(html)


def test_html_validator_entities_and_lengths() -> None:
    parsed = parse_html('<pre><code class="language-py">x = 1</code></pre> &#128512;&lt;')
    assert parsed.text == "x = 1 \U0001f600<"
    assert parsed.entities == [{"type": "pre", "offset": 0, "length": 5, "language": "py"}]
    assert utf16_len(parsed.text) == 9
    assert parse_html("AT&T", strict_ampersand=False).text == "AT&T"
    assert (
        parse_html("<B>loud</B> <tg-spoiler>hidden</tg-spoiler>").entities[1]["type"] == "spoiler"
    )


async def test_group_reply_quotes_the_user_message(fake_telegram: FakeTelegramServer) -> None:
    group = -1001234567890

    async def typing_echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.effective_chat.send_action("typing")
        await update.effective_message.reply_text("pong", do_quote=True)

    app = ptb_builder(fake_telegram).build()
    app.add_handler(CommandHandler("ping", typing_echo))
    async with running_application(app):
        update_id = fake_telegram.user_sends(group, "/ping@briefbot_test_bot", user_id=42)
        [reply] = await fake_telegram.wait_for_messages(group, 1)
        with pytest.raises(BadRequest, match="(?i)message to be replied not found"):
            await app.bot.send_message(group, "late", reply_parameters=ReplyParameters(999))
    assert update_id > 0
    assert reply["params"]["reply_parameters"]["message_id"] == 1
    assert fake_telegram.calls("sendChatAction")[0].params["action"] == "typing"
