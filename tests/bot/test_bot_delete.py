"""/delete ID with its confirmation button, end to end through the fake Bot API, and the
/sub, /unsub, /list aliases."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.ext import CallbackQueryHandler

from bench.corpus import newsletter
from bot.app import handlers
from bot.telegram.buttons import delete, more, pager, start_menu, subscribe, timezone, unsubscribe
from bot.telegram.buttons.common import CONFIRM_SECONDS
from bot.telegram.handlers import admin
from services import news
from storage.models import Document, Item, Subscription
from tests.bot_harness import bot_running
from tests.bot_helpers_app import START, buttons

ADMIN = 740001
USER = 740002
NOW = datetime(2025, 3, 10, 8, 0, tzinfo=UTC)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def _load(ctx, seed: int) -> int:
    result = ctx.ingestor.ingest_bytes(newsletter(random.Random(seed), 3, START).encode(),
                                       f"weekly-{seed}.txt")
    assert result.status == "loaded"
    return result.document_id


def _count(ctx, model, *where) -> int:
    with ctx.sessions() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


async def _click(fake, chat: int, message: dict, data: str, **who) -> dict:
    update_id = fake.user_clicks(chat, message["message_id"], data, **who)
    return await _answer(fake, update_id)


async def _answer(fake, update_id: int) -> dict:
    assert await fake.wait_until(lambda: fake.callback_answer(update_id) is not None, 5)
    return fake.callback_answer(update_id)


async def _forged(app, fake, data: str) -> dict:
    """Show a button carrying *data* (as a forger could), press it; return the answer."""
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("forged", callback_data=data)]])
    shown = await app.bot.send_message(ADMIN, "forged", reply_markup=keyboard)
    return await _answer(fake, fake.user_clicks(ADMIN, shown.message_id, data))


async def test_admin_deletes_a_document_after_confirming(fake_telegram, db_url, tmp_path) -> None:
    clock = Clock()
    async with bot_running(fake_telegram, db_url, tmp_path, admin_ids=[ADMIN],
                           clock=clock) as (_app, ctx):
        doomed, kept = _load(ctx, 1), _load(ctx, 2)
        doomed_items = _count(ctx, Item, Item.document_id == doomed)
        fake_telegram.user_sends(ADMIN, f"/delete {doomed}")
        [question] = await fake_telegram.wait_for_messages(ADMIN, 1)
        assert question["plain_text"].startswith(f"🗑 Delete weekly-1.txt (#{doomed}, ")
        confirm = f"del:{doomed}:{int(NOW.timestamp())}"
        assert buttons(question) == [confirm, "del:keep"]
        assert _count(ctx, Document) == 2, "nothing goes before the confirmation"

        taps = [fake_telegram.user_clicks(ADMIN, question["message_id"], confirm)
                for _ in range(2)]  # a double tap: the second one does nothing more
        for tap in taps:
            await _answer(fake_telegram, tap)
        await fake_telegram.wait_for_request("editMessageText")
        assert _count(ctx, Document, Document.id == doomed) == 0
        assert _count(ctx, Item, Item.document_id == doomed) == 0
        assert _count(ctx, Document, Document.id == kept) == 1
        sources = news.sources_page(ctx.sessions, 0, 10)
        assert [d.id for d in sources.documents] == [kept]
    [shown] = fake_telegram.sent_messages(ADMIN)
    assert shown["plain_text"].startswith(
        f"🗑 Deleted weekly-1.txt (#{doomed}): {doomed_items} items; ")
    assert buttons(shown) == []
    assert len(fake_telegram.calls("editMessageText")) == 1


async def test_keep_expired_forged_and_missing(fake_telegram, db_url, tmp_path) -> None:
    clock = Clock()
    async with bot_running(fake_telegram, db_url, tmp_path, admin_ids=[ADMIN],
                           clock=clock) as (app, ctx):
        document = _load(ctx, 3)
        fake_telegram.user_sends(ADMIN, f"/delete {document}")
        [question] = await fake_telegram.wait_for_messages(ADMIN, 1)
        confirm, keep = buttons(question)
        clock.now += timedelta(seconds=CONFIRM_SECONDS + 1)
        assert (await _click(fake_telegram, ADMIN, question, confirm))["text"] == (
            "That button has expired")
        for forged in ("del:", "del:0:1", f"del:{document}:x", f"del:0{document}:1",
                       f"del:{document}:{int(clock.now.timestamp()) + 3600}"):  # the future
            answer = await _forged(app, fake_telegram, forged)
            assert answer["text"] == "That button has expired", forged
        assert _count(ctx, Document) == 1
        await _click(fake_telegram, ADMIN, question, keep)
        await fake_telegram.wait_for_request("editMessageText")
        assert _count(ctx, Document) == 1

        replies = []
        for command in ("/delete 99999", "/delete", "/delete twelve"):  # one at a time: in order
            fake_telegram.user_sends(ADMIN, command)
            replies.append((await fake_telegram.wait_for_messages(ADMIN, 7 + len(replies)))[-1])
        missing, usage, words = replies
    [edited, *_] = fake_telegram.sent_messages(ADMIN)
    assert edited["plain_text"] == "Nothing deleted." and buttons(edited) == []
    assert missing["plain_text"].startswith("There is no document #99999")
    assert usage["plain_text"].startswith("Which document?") and words["plain_text"] == usage[
        "plain_text"]


async def test_non_admins_are_refused_politely(fake_telegram, db_url, tmp_path) -> None:
    clock = Clock()
    async with bot_running(fake_telegram, db_url, tmp_path, admin_ids=[ADMIN],
                           clock=clock) as (_app, ctx):
        document = _load(ctx, 4)
        fake_telegram.user_sends(USER, f"/delete {document}")
        [refusal] = await fake_telegram.wait_for_messages(USER, 1)
        # A confirm button an admin was shown, pressed by someone else.
        fake_telegram.user_sends(ADMIN, f"/delete {document}")
        [question] = await fake_telegram.wait_for_messages(ADMIN, 1)
        answer = await _click(fake_telegram, ADMIN, question, buttons(question)[0],
                              user_id=USER)
        assert _count(ctx, Document) == 1
    assert refusal["plain_text"].startswith("Sorry, /delete is only for the bot's admins.")
    assert answer["text"] == "Only for admins."


@pytest.mark.parametrize(("value", "data"), [
    (delete.Confirm(12, 1741593600), "del:12:1741593600"),
    (delete.Confirm(2**31 - 1, 1), "del:2147483647:1"),
    (delete.Keep(), "del:keep"),
])
def test_buttons_round_trip(value, data) -> None:
    assert delete.encode(value) == data and delete.decode(data) == value


@pytest.mark.parametrize("data", [
    "del:", "del:0:1", "del:12", "del:12:", "del:012:1", "del:12:01", "del:²:1", "del:12:٣",
    "del:2147483648:1", "del:12:1:1", "del:keep ", "del:KEEP", "del:-1:1", "del:12:999999999999",
])
def test_forged_data_decodes_to_none_in_every_family(data) -> None:
    for family in (delete, more, pager, start_menu, subscribe, timezone, unsubscribe):
        assert family.decode(data) is None, family.__name__


def test_every_del_button_reaches_the_delete_handler() -> None:
    for data in ("del:12:1741593600", "del:keep", "del:x"):
        matching = [h.callback for h in handlers()
                    if isinstance(h, CallbackQueryHandler) and h.pattern.match(data)]
        assert matching == [admin.delete_button], data


def test_a_confirmation_expires_after_ten_minutes() -> None:
    asked = delete.Confirm(1, int(NOW.timestamp()))
    assert not asked.expired(NOW + timedelta(seconds=CONFIRM_SECONDS))
    assert asked.expired(NOW + timedelta(seconds=CONFIRM_SECONDS + 1))
    assert asked.expired(NOW - timedelta(minutes=5))  # asked in the future: forged


# ---- /sub, /unsub, /list -----------------------------------------------------------------


async def test_short_aliases_do_what_the_long_commands_do(fake_telegram, db_url,
                                                          tmp_path) -> None:
    async with bot_running(fake_telegram, db_url, tmp_path) as (_app, ctx):
        fake_telegram.user_sends(USER, "/sub India")
        [subscribed] = await fake_telegram.wait_for_messages(USER, 1)
        assert _count(ctx, Subscription) == 1
        fake_telegram.user_sends(USER, "/list")
        _, listing = await fake_telegram.wait_for_messages(USER, 2)
        fake_telegram.user_sends(USER, "/unsub India")
        await fake_telegram.wait_for_messages(USER, 3)
        assert _count(ctx, Subscription) == 0
        fake_telegram.user_sends(USER, "/help")
        *_, shown = await fake_telegram.wait_for_messages(USER, 4)
    assert "Subscribed to 🇮🇳 India" in subscribed["plain_text"]
    assert "India" in listing["plain_text"]
    assert "I don't know" not in " ".join(m["plain_text"] for m in
                                         fake_telegram.sent_messages(USER))
    help_text = shown["plain_text"]
    for long, short in (("subscribe", "sub"), ("unsubscribe", "unsub"), ("subscriptions", "list")):
        assert f"/{long} (or /{short}) — " in help_text
    menu = [c["command"] for c in fake_telegram.commands]
    assert "subscribe" in menu and "sub" not in menu  # the menu keeps one name per command
