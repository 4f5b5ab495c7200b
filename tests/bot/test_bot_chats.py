"""Channels, groups and forum topics end to end: the real Application, the fake Bot API.

A channel is linked from a private chat once Telegram says both the user and the bot
administer it (and the bot may post), then managed from there; a group's admins alone change
its settings, it keeps them when it becomes a supergroup, and the bot removed stops its
deliveries; a forum topic's subscriptions and briefings are the topic's own.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.ext import CommandHandler

from bot.delivery.jobs import start_drain
from bot.delivery.pacing import RatePacer
from bot.delivery.scheduler import run_tick
from bot.telegram.buttons import chats as chat_buttons
from bot.telegram.throttle import Throttle
from briefs.telegram_validate import validate_telegram_html
from storage.repositories import subscribers as repo
from tests.bot_harness import bot_running
from tests.delivery_helpers import VirtualTime
from tests.fake_telegram.store import BOT_ID

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

ADMIN, MEMBER = 5550001, 5550002  # users; their private chats have the same ids
CHANNEL, OTHER_CHANNEL = -1001234500001, -1001234500002
GROUP, SUPERGROUP = -4001, -1009994001
FORUM = -1007770001
START = datetime(2025, 5, 1, 5, 0, tzinfo=UTC)  # 07:00 in Berlin
AT_EIGHT_BERLIN = datetime(2025, 5, 1, 6, 0, tzinfo=UTC)
AT_EIGHT_UTC = datetime(2025, 5, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'bot.sqlite3'}"


class Clock:
    """The application's clock, moved by the test."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def _say(server, chat_id: int, text: str, *, user_id: int | None = None,
               thread_id: int | None = None) -> dict:
    """Send a message; return the bot's one new reply in that chat (valid Telegram HTML)."""
    before = len(server.sent_messages(chat_id))
    server.user_sends(chat_id, text, user_id=user_id, thread_id=thread_id)
    messages = await server.wait_for_messages(chat_id, before + 1, timeout=10)
    assert len(messages) == before + 1, [m["plain_text"] for m in messages[before:]]
    assert validate_telegram_html(messages[-1]["text"]) == [], messages[-1]["text"]
    return messages[-1]


async def _click(server, chat_id: int, message: dict, data: str) -> dict:
    """Press a button; return the bot's answer to the callback query."""
    update_id = server.user_clicks(chat_id, message["message_id"], data)
    assert await server.wait_until(lambda: server.callback_answer(update_id) is not None, 10)
    return server.callback_answer(update_id)


def _rows(message: dict) -> list[list[tuple[str, str]]]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
    return [[(b["text"], b["callback_data"]) for b in row] for row in rows]


def _buttons(message: dict) -> dict[str, str]:
    """Return the picker's chat buttons (each row's first) by label."""
    return dict(row[0] for row in _rows(message))


def _unlink_button(message: dict, label: str) -> str:
    """Return the callback data of the ✖ beside a chat's button."""
    [data] = [row[1][1] for row in _rows(message) if row[0][0] == label and len(row) == 2]
    return data


async def _edited(server, chat_id: int, message_id: int, edits: int) -> dict:
    """Wait until a bot message was edited *edits* times; return it as it is now."""
    def shown() -> dict:
        return next(m for m in server.sent_messages(chat_id) if m["message_id"] == message_id)

    assert await server.wait_until(lambda: len(shown().get("edits", [])) >= edits, 10)
    return shown()


def _subscriber(ctx, chat_id: int, thread_id: int = 0):
    with ctx.sessions() as session:
        found = repo.subscriber_by_chat(session, chat_id, thread_id)
        subs = [(s.kind, s.value) for s in repo.subscriptions_of(session, found)] if found else []
        return found, subs


async def _deliver(server, app, ctx, clock: Clock, when: datetime) -> int:
    """Run the tick at *when* and start a drain (the sender job drains too); return how many
    briefings were queued."""
    clock.now = when
    queued = (await asyncio.to_thread(run_tick, ctx, when)).queued
    start_drain(app)
    return queued


def _thread_of(message: dict) -> int | None:
    return message["params"].get("message_thread_id")


def _channels(server) -> None:
    server.add_chat(CHANNEL, "channel", "Desk <News>", username="desknews")
    server.add_chat(OTHER_CHANNEL, "channel", "Second Desk", username="seconddesk")
    for channel in (CHANNEL, OTHER_CHANNEL):
        server.set_chat_member(channel, ADMIN, "administrator")
        server.set_chat_member(channel, BOT_ID, "administrator")


# ---- channels ----------------------------------------------------------------------------

async def test_channel_linked_managed_from_private_chat_and_briefed_at_its_time(
        fake_telegram, db_url, tmp_path) -> None:
    _channels(fake_telegram)
    clock = Clock()
    async with bot_running(fake_telegram, db_url, tmp_path, clock=clock) as (app, ctx):
        linked = await _say(fake_telegram, ADMIN, "/channel @desknews")
        assert "Linked Desk <News>" in linked["plain_text"]
        assert "✓ Desk <News>" in _buttons(linked)
        zone = await _say(fake_telegram, ADMIN, "/timezone Europe/Berlin")
        assert zone["plain_text"].startswith("📢 For the channel Desk <News>")
        assert "Timezone set to Europe/Berlin" in zone["plain_text"]
        daily = await _say(fake_telegram, ADMIN, "/subscribe daily at 08:00")
        assert "every day at 08:00" in daily["plain_text"]
        channel, subscriptions = _subscriber(ctx, CHANNEL)
        assert (channel.chat_kind, channel.timezone, channel.delivery_time) == (
            "channel", "Europe/Berlin", time(8, 0))
        assert subscriptions == [("daily", "")]
        assert _subscriber(ctx, ADMIN) == (None, []), "the admin's own chat is untouched"

        # A forwarded post links a second channel; the picker switches between them.
        fake_telegram.user_forwards(ADMIN, OTHER_CHANNEL, "A post")
        [*_, second] = await fake_telegram.wait_for_messages(ADMIN, 4)
        assert "Linked Second Desk" in second["plain_text"]
        picker = await _say(fake_telegram, ADMIN, "/channel")
        assert set(_buttons(picker)) == {"Desk <News>", "✓ Second Desk", "👤 This private chat"}
        await _click(fake_telegram, ADMIN, picker, _buttons(picker)["👤 This private chat"])
        own = await _say(fake_telegram, ADMIN, "/time")
        assert "For the channel" not in own["plain_text"]

        assert await _deliver(fake_telegram, app, ctx, clock, AT_EIGHT_BERLIN) == 1
        [briefing, *_] = await fake_telegram.wait_for_messages(CHANNEL, 1, timeout=15)
    assert validate_telegram_html(briefing["text"]) == []
    assert _thread_of(briefing) is None
    assert fake_telegram.sent_messages(OTHER_CHANNEL) == []


async def test_channel_refusals_change_nothing(fake_telegram, sqlite_url, tmp_path) -> None:
    _channels(fake_telegram)
    fake_telegram.add_chat(-1005550003, "channel", "Reader Only", username="readeronly")
    fake_telegram.set_chat_member(-1005550003, ADMIN, "administrator")  # the bot is a member
    fake_telegram.add_chat(-1005550004, "channel", "Mute Desk", username="mutedesk")
    fake_telegram.set_chat_member(-1005550004, ADMIN, "creator")
    fake_telegram.set_chat_member(-1005550004, BOT_ID, "administrator", can_post_messages=False)
    fake_telegram.add_chat(GROUP, "group", "Team")
    async with bot_running(fake_telegram, sqlite_url, tmp_path) as (app, ctx):
        asked = {text: (await _say(fake_telegram, user, text))["plain_text"] for user, text in (
            (MEMBER, "/channel @desknews"), (ADMIN, "/channel @readeronly"),
            (ADMIN, "/channel @mutedesk"), (ADMIN, "/channel @nosuchchannel"),
            (ADMIN, f"/channel {GROUP}"), (ADMIN, "/channel <b>x</b>"))}
        assert ctx.chats.picker(MEMBER).links == () and ctx.chats.picker(ADMIN).links == ()
        assert _subscriber(ctx, -1005550003)[0] is None

        # Linked, then demoted: every change is refused, and the picker keeps nothing forged.
        await _say(fake_telegram, ADMIN, "/channel @desknews")
        fake_telegram.set_chat_member(CHANNEL, ADMIN, "member")
        app.bot_data.pop("group_admins", None)  # the minute the answer is remembered has passed
        demoted = await _say(fake_telegram, ADMIN, "/subscribe India")
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="chat:-1009")]])
        shown = await app.bot.send_message(ADMIN, "forged", reply_markup=keyboard)
        forged = await _click(fake_telegram, ADMIN, {"message_id": shown.message_id}, "chat:-1009")
    assert "not one of them" in asked["/channel @desknews"]
    assert "I am not an administrator of Reader Only" in asked["/channel @readeronly"]
    assert "may not post messages there" in asked["/channel @mutedesk"]
    assert "cannot find a channel called “@nosuchchannel”" in asked["/channel @nosuchchannel"]
    assert "Team is not a channel" in asked[f"/channel {GROUP}"]
    assert "cannot find a channel called “<b>x</b>”" in asked["/channel <b>x</b>"]
    assert "not one of them" in demoted["plain_text"]
    assert _subscriber(ctx, CHANNEL)[1] == []
    assert forged["text"].startswith("That button has expired")
    assert ctx.chats.selected(ADMIN).chat_id == CHANNEL, "the forged pick changed nothing"


async def test_a_linked_channel_is_unlinked_from_the_picker(fake_telegram, sqlite_url,
                                                            tmp_path) -> None:
    _channels(fake_telegram)
    async with bot_running(fake_telegram, sqlite_url, tmp_path) as (app, ctx):
        await _link_two_channels(fake_telegram)
        stale = await _say(fake_telegram, ADMIN, "/channel")
        picker = await _say(fake_telegram, ADMIN, "/channel")
        assert [[label for label, _ in row] for row in _rows(picker)] == [
            ["Desk <News>", "✖ Unlink"], ["✓ Second Desk", "✖ Unlink"], ["👤 This private chat"]]

        # Another user's button naming the admin's channel: refused, nothing unlinked.
        data = chat_buttons.encode(chat_buttons.Unlink(CHANNEL))
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data=data)]])
        shown = await app.bot.send_message(MEMBER, "forged", reply_markup=keyboard)
        forged = await _click(fake_telegram, MEMBER, {"message_id": shown.message_id}, data)
        assert len(ctx.chats.picker(ADMIN).links) == 2

        # Demoted since: the admin may still drop the channel from their own picker.
        fake_telegram.set_chat_member(CHANNEL, ADMIN, "member")
        app.bot_data.pop("group_admins", None)
        done = await _click(fake_telegram, ADMIN, picker,
                            _unlink_button(picker, "Desk <News>"))
        after = await _edited(fake_telegram, ADMIN, picker["message_id"], 1)
        again = await _click(fake_telegram, ADMIN, stale, _unlink_button(stale, "Desk <News>"))
        await _click(fake_telegram, ADMIN, after, _unlink_button(after, "✓ Second Desk"))
        last = await _edited(fake_telegram, ADMIN, picker["message_id"], 2)
        own = await _say(fake_telegram, ADMIN, "/time")
    assert forged["text"].startswith("That button has expired")
    assert done["text"] is None
    assert "Unlinked Desk <News>: you no longer manage it from here." in after["plain_text"]
    assert validate_telegram_html(after["text"]) == []
    assert [[label for label, _ in row] for row in _rows(after)] == [
        ["✓ Second Desk", "✖ Unlink"], ["👤 This private chat"]]
    assert again["text"].startswith("That button has expired"), "a stale picker changes nothing"
    assert "Unlinked Second Desk" in last["plain_text"] and _rows(last) == []
    _assert_all_unlinked(ctx, own)


async def _link_two_channels(fake_telegram) -> None:
    """Link both channels, the first subscribed to India, the second selected."""
    await _say(fake_telegram, ADMIN, "/channel @desknews")
    await _say(fake_telegram, ADMIN, "/subscribe India")
    await _say(fake_telegram, ADMIN, "/channel @seconddesk")


def _assert_all_unlinked(ctx, own: dict) -> None:
    """No chat is linked any more, commands act on the private chat, the channel keeps its news."""
    assert ctx.chats.picker(ADMIN).links == () and ctx.chats.selected(ADMIN) is None
    assert "For the channel" not in own["plain_text"], "commands act on the private chat again"
    assert _subscriber(ctx, CHANNEL)[1] == [("country", "IN")], "the channel keeps what it gets"


async def test_a_linked_channel_is_removed_by_name_or_title(fake_telegram, sqlite_url,
                                                            tmp_path) -> None:
    _channels(fake_telegram)
    async with bot_running(fake_telegram, sqlite_url, tmp_path) as (app, ctx):
        await _link_two_channels(fake_telegram)
        by_name = await _say(fake_telegram, ADMIN, "/channel remove @DeskNews")
        left = ctx.chats.picker(ADMIN).links
        by_title = await _say(fake_telegram, ADMIN, "/channel unlink  second   DESK ")
        own = await _say(fake_telegram, ADMIN, "/time")
    assert by_name["plain_text"].startswith(
        "✅ Unlinked Desk <News>: you no longer manage it from here.")
    assert "Its subscriptions stay" in by_name["plain_text"], "as the ✖ button says"
    assert [[label for label, _ in row] for row in _rows(by_name)] == [
        ["✓ Second Desk", "✖ Unlink"], ["👤 This private chat"]], "the chats left to pick"
    assert [link.chat_id for link in left] == [OTHER_CHANNEL]
    assert "Unlinked Second Desk" in by_title["plain_text"] and _rows(by_title) == []
    _assert_all_unlinked(ctx, own)


async def test_a_channel_the_bot_was_removed_from_is_removed_by_name(fake_telegram, sqlite_url,
                                                                     tmp_path) -> None:
    _channels(fake_telegram)
    async with bot_running(fake_telegram, sqlite_url, tmp_path) as (app, ctx):
        await _say(fake_telegram, ADMIN, "/channel @desknews")
        fake_telegram.bot_membership(CHANNEL, "kicked", old_status="administrator")
        assert await fake_telegram.wait_until(lambda: not _subscriber(ctx, CHANNEL)[0].active, 10)
        # No access any more: Telegram would answer neither who the chat is nor who is in it.
        fake_telegram.block_user(CHANNEL)
        fake_telegram.fail_next("getChat", 400, "Bad Request: chat not found")
        fake_telegram.fail_next("getChatMember", 403, "Forbidden: bot is not a member")
        asked = len(fake_telegram.calls("getChat")) + len(fake_telegram.calls("getChatMember"))
        removed = await _say(fake_telegram, ADMIN, "/channel remove @desknews")
        after = len(fake_telegram.calls("getChat")) + len(fake_telegram.calls("getChatMember"))
    assert "Unlinked Desk <News>: you no longer manage it from here." in removed["plain_text"]
    assert after == asked, "found from what was stored at linking, not asked of Telegram"
    assert ctx.chats.picker(ADMIN).links == ()


async def test_removing_a_chat_that_is_not_linked_changes_nothing(fake_telegram, sqlite_url,
                                                                  tmp_path) -> None:
    _channels(fake_telegram)
    fake_telegram.add_chat(-1001234500003, "channel", "Second Desk", username="deskthree")
    fake_telegram.set_chat_member(-1001234500003, ADMIN, "administrator")
    fake_telegram.set_chat_member(-1001234500003, BOT_ID, "administrator")
    fake_telegram.add_chat(GROUP, "group", "Team")
    async with bot_running(fake_telegram, sqlite_url, tmp_path) as (app, ctx):
        await _say(fake_telegram, ADMIN, "/channel @desknews")
        asked = {text: await _say(fake_telegram, user, text) for user, text in (
            (ADMIN, "/channel remove @nosuchchannel"), (ADMIN, "/channel remove <b>x</b>"),
            (ADMIN, "/channel remove Desk"), (MEMBER, "/channel remove @desknews"),
            (ADMIN, "/channel remove"))}
        in_group = await _say(fake_telegram, GROUP, "/channel remove @desknews", user_id=ADMIN)
        await _say(fake_telegram, ADMIN, "/channel @seconddesk")
        await _say(fake_telegram, ADMIN, "/channel @deskthree")
        same_title = await _say(fake_telegram, ADMIN, "/channel remove Second Desk")
        links = ctx.chats.picker(ADMIN).links
    for text in ("/channel remove @nosuchchannel", "/channel remove <b>x</b>",
                 "/channel remove Desk", "/channel remove @desknews"):
        shown = asked[text]["plain_text"]
        assert "\n" not in shown.strip() and _rows(asked[text]) == [], (text, shown)
    assert asked["/channel remove @nosuchchannel"]["plain_text"] == (
        "“@nosuchchannel” is not one of the chats you manage from here: send /channel to see them.")
    assert "“<b>x</b>” is not one of the chats" in asked["/channel remove <b>x</b>"]["plain_text"]
    assert "“Desk” is not one of the chats" in asked["/channel remove Desk"]["plain_text"]
    assert "“@desknews” is not one of the chats" in asked["/channel remove @desknews"]["plain_text"]
    assert "Tap the chat" in asked["/channel remove"]["plain_text"], "alone: the picker"
    assert "private chat with me" in in_group["plain_text"]
    assert "Several chats you manage are called “Second Desk”" in same_title["plain_text"]
    assert len(_rows(same_title)) == 4, "every chat, to pick the one with ✖"
    assert [link.chat_id for link in links] == [CHANNEL, OTHER_CHANNEL, -1001234500003]
    assert ctx.chats.picker(MEMBER).links == ()


@pytest.mark.parametrize(("button", "data"), [
    (chat_buttons.Pick(None), "chat:me"),
    (chat_buttons.Pick(CHANNEL), "chat:-1001234500001"),
    (chat_buttons.Unlink(CHANNEL), "chat:rm:-1001234500001"),
    (chat_buttons.Unlink(777000), "chat:rm:777000"),
])
def test_chat_buttons_round_trip(button, data) -> None:
    assert chat_buttons.encode(button) == data
    assert chat_buttons.decode(data) == button


@pytest.mark.parametrize("data", [
    "chat:", "chat:rm:", "chat:rm:me", "chat:rm:-0012", "chat:-0", "chat:rm:" + "1" * 17,
    "chat:rm:-1001 ", "chat:rm:١٢٣", "chat:rm:-100:1", "chat:RM:-1001", "chat:me:rm",
])
def test_forged_chat_buttons_decode_to_none(data) -> None:
    assert chat_buttons.decode(data) is None


# ---- groups ------------------------------------------------------------------------------

async def test_group_migration_keeps_subscriptions_and_the_due_briefing(
        fake_telegram, db_url, tmp_path) -> None:
    fake_telegram.add_chat(GROUP, "group", "Team")
    fake_telegram.set_chat_member(GROUP, ADMIN, "administrator")
    clock = Clock()
    async with bot_running(fake_telegram, db_url, tmp_path, clock=clock) as (app, ctx):
        await _say(fake_telegram, GROUP, "/subscribe India", user_id=ADMIN)
        await _say(fake_telegram, GROUP, "/subscribe daily at 08:00", user_id=ADMIN)
        clock.now = AT_EIGHT_UTC
        assert (await asyncio.to_thread(run_tick, ctx, AT_EIGHT_UTC)).queued == 1  # not sent yet
        for _ in range(2):  # the service messages arrive twice: the second changes nothing
            fake_telegram.migrate_group(GROUP, SUPERGROUP)
            assert await fake_telegram.wait_until(
                lambda: _subscriber(ctx, SUPERGROUP)[0] is not None, 10)
        shown = await _say(fake_telegram, SUPERGROUP, "/subscriptions", user_id=MEMBER)
        start_drain(app)
        sent = await fake_telegram.wait_for_messages(SUPERGROUP, 2, timeout=15)
    moved, subscriptions = _subscriber(ctx, SUPERGROUP)
    assert _subscriber(ctx, GROUP)[0] is None
    assert moved.chat_kind == "supergroup" and moved.delivery_time == time(8, 0)
    assert subscriptions == [("daily", ""), ("country", "IN")]
    assert "India" in shown["plain_text"]
    [briefing] = [m for m in sent if m["message_id"] != shown["message_id"]]
    assert validate_telegram_html(briefing["text"]) == []
    assert fake_telegram.sent_messages(GROUP)[-1]["plain_text"].startswith("✅ Subscribed")
    with ctx.sessions() as session:
        assert len(repo.subscriptions_of(session, moved)) == 2


async def test_send_to_a_migrated_group_moves_it_and_sends_there(fake_telegram, sqlite_url,
                                                                 tmp_path) -> None:
    fake_telegram.add_chat(GROUP, "group", "Team")
    clock = Clock()
    async with bot_running(fake_telegram, sqlite_url, tmp_path, clock=clock) as (app, ctx):
        ctx.subscriptions.subscribe(GROUP, "daily at 08:00")
        fake_telegram.migrate_group(GROUP, SUPERGROUP, notices=())  # no service message seen
        assert await _deliver(fake_telegram, app, ctx, clock, AT_EIGHT_UTC) == 1
        [briefing] = await fake_telegram.wait_for_messages(SUPERGROUP, 1, timeout=15)
    assert _subscriber(ctx, SUPERGROUP)[1] == [("daily", "")]
    assert briefing["chat_id"] == SUPERGROUP


async def test_bot_removed_then_added_back(fake_telegram, db_url, tmp_path) -> None:
    fake_telegram.add_chat(GROUP, "group", "Team")
    _channels(fake_telegram)
    clock = Clock()
    async with bot_running(fake_telegram, db_url, tmp_path, clock=clock) as (app, ctx):
        ctx.subscriptions.subscribe(GROUP, "daily at 08:00")
        await _say(fake_telegram, ADMIN, "/channel @desknews")
        await _say(fake_telegram, ADMIN, "/subscribe daily at 08:00")
        fake_telegram.bot_membership(GROUP, "left")
        fake_telegram.bot_membership(CHANNEL, "administrator", old_status="administrator",
                                     can_post_messages=False)  # demoted: may not post
        assert await fake_telegram.wait_until(
            lambda: not _subscriber(ctx, GROUP)[0].active and not _subscriber(ctx, CHANNEL)[0].active,
            10)
        assert await _deliver(fake_telegram, app, ctx, clock, AT_EIGHT_UTC) == 0
        fake_telegram.bot_membership(GROUP, "member", old_status="left")
        fake_telegram.bot_membership(CHANNEL, "administrator", old_status="administrator")
        assert await fake_telegram.wait_until(
            lambda: _subscriber(ctx, GROUP)[0].active and _subscriber(ctx, CHANNEL)[0].active, 10)
        group, subscriptions = _subscriber(ctx, GROUP)
    assert subscriptions == [("daily", "")], "re-adding keeps what the group had"


async def test_group_questions_only_when_addressed(fake_telegram, sqlite_url, tmp_path) -> None:
    fake_telegram.add_chat(GROUP, "group", "Team")
    async with bot_running(fake_telegram, sqlite_url, tmp_path):
        fake_telegram.user_sends(GROUP, "what's new in Serbia?", user_id=MEMBER)
        mentioned = await _say(fake_telegram, GROUP, "@briefbot_test_bot what's new in Serbia?",
                               user_id=MEMBER)
        fake_telegram.user_sends(GROUP, "and India?", user_id=MEMBER,
                                 reply_to=mentioned["message_id"])
        await fake_telegram.wait_for_messages(GROUP, 2, timeout=10)
        await asyncio.sleep(0.3)
    replies = fake_telegram.sent_messages(GROUP)
    assert len(replies) == 2, [m["plain_text"] for m in replies]
    assert "Serbia" in replies[0]["plain_text"] and "India" in replies[1]["plain_text"]


# ---- forum topics ------------------------------------------------------------------------

async def test_forum_topic_subscriptions_are_the_topics_own(fake_telegram, db_url,
                                                            tmp_path) -> None:
    fake_telegram.add_chat(FORUM, "supergroup", "Regions", is_forum=True)
    fake_telegram.add_topic(FORUM, 11)
    fake_telegram.add_topic(FORUM, 22)
    fake_telegram.set_chat_member(FORUM, ADMIN, "administrator")
    clock = Clock()
    async with bot_running(fake_telegram, db_url, tmp_path, clock=clock) as (app, ctx):
        india = await _say(fake_telegram, FORUM, "/subscribe India", user_id=ADMIN, thread_id=11)
        refused = await _say(fake_telegram, FORUM, "/time 09:00", user_id=MEMBER, thread_id=11)
        daily = await _say(fake_telegram, FORUM, "/subscribe daily at 08:00", user_id=ADMIN,
                           thread_id=22)
        await _say(fake_telegram, FORUM, "/time 08:00", user_id=ADMIN, thread_id=11)
        sent = len(fake_telegram.sent_messages(FORUM))
        assert await _deliver(fake_telegram, app, ctx, clock, AT_EIGHT_UTC) == 2
        briefings = (await fake_telegram.wait_for_messages(FORUM, sent + 2, timeout=15))[sent:]
    assert (_thread_of(india), _thread_of(refused), _thread_of(daily)) == (11, 11, 22)
    assert "only its admins" in refused["plain_text"]
    assert _subscriber(ctx, FORUM, 11)[1] == [("country", "IN")]
    assert _subscriber(ctx, FORUM, 22)[1] == [("daily", "")]
    assert _subscriber(ctx, FORUM)[0] is None, "nothing belongs to the forum as a whole"
    assert sorted(_thread_of(m) for m in briefings) == [11, 22]


async def test_forum_topic_gets_its_charts_typing_apologies_and_notices(fake_telegram, sqlite_url,
                                                                       tmp_path) -> None:
    fake_telegram.add_chat(FORUM, "supergroup", "Regions", is_forum=True)
    fake_telegram.add_topic(FORUM, 11)

    async def boom(update, context) -> None:
        raise RuntimeError("kaboom in a topic")

    slow = Throttle(rate=0.001, burst=3)  # three commands each, then one "slow down"
    async with bot_running(fake_telegram, sqlite_url, tmp_path, throttle=slow) as (app, _ctx):
        app.add_handler(CommandHandler("boom", boom), group=-1)
        for text in ("/trends 7", "/brief", "/boom"):
            fake_telegram.user_sends(FORUM, text, user_id=ADMIN, thread_id=11)
        for _ in range(4):
            fake_telegram.user_sends(FORUM, "/help", user_id=MEMBER, thread_id=11)

        def texts() -> str:
            return " ".join(m.get("plain_text") or "" for m in fake_telegram.sent_messages(FORUM))

        assert await fake_telegram.wait_until(
            lambda: any(m["kind"] == "photo" for m in fake_telegram.sent_messages(FORUM))
            and "went wrong" in texts() and "at once" in texts()
            and len(fake_telegram.calls("sendChatAction")) >= 2, 15)
        await asyncio.sleep(0.3)  # the brief's reply, if still on its way
    sent = fake_telegram.sent_messages(FORUM)
    assert {m["kind"] for m in sent} == {"text", "photo"}
    assert [int(_thread_of(m) or 0) for m in sent] == [11] * len(sent), "all in the topic"
    actions = fake_telegram.calls("sendChatAction")
    assert {a.params["action"] for a in actions} == {"upload_photo", "typing"}
    assert [int(a.params.get("message_thread_id") or 0) for a in actions] == [11] * len(actions)


async def test_groups_and_channels_get_at_most_twenty_messages_a_minute() -> None:
    async def minute_of(chat_id: int) -> float:
        """Return the seconds 21 messages to one chat take to start."""
        vt = VirtualTime(START)
        pacer = RatePacer(timer=vt.monotonic, sleep=vt.sleep)
        for _ in range(21):
            await pacer.acquire(chat_id)
            pacer.sent(chat_id)
        return vt.monotonic()

    assert await minute_of(GROUP) >= 60 and await minute_of(CHANNEL) >= 60
    assert await minute_of(ADMIN) < 25, "a private chat: one a second"
