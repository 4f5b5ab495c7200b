"""Feeds in Telegram, end to end through the fake Bot API against a feed server on loopback:
/addfeed, /feeds and its buttons (poll now, pause, remove, pages), OPML uploads, links sent in
a private chat, refusals of non-admins and of bad URLs, forged and expired buttons."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp import web
from sqlalchemy import func, select
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.ext import CallbackQueryHandler

from bench.corpus import newsletter
from bot.app import handlers
from bot.telegram.buttons import delete, more, pager, start_menu, subscribe, timezone, unsubscribe
from bot.telegram.buttons import feeds as feed_buttons
from bot.telegram.buttons.common import CONFIRM_SECONDS
from bot.telegram.handlers import feeds as feed_handlers
from services.feed_poll import shutdown_parse_pool
from storage.models import Document
from tests.bot_harness import bot_running
from tests.bot_helpers_app import START, buttons

ADMIN = 750001
USER = 750002
WAIT = 30  # s: a poll starts a parsing process on a loaded machine

ENTRIES = [
    ("Terminal opens", "The port authority opened a new container terminal on Friday, doubling "
     "the harbour's capacity, its director told reporters at the quay."),
    ("Rail strike ends", "Rail workers ended a three-day strike on Sunday after the union and "
     "the operator agreed on a wage rise of four percent over two years."),
]


def _rss(entries: list[tuple[str, str]]) -> bytes:
    items = "".join(
        f"<item><title>{title}</title><link>http://news.test/{n}</link><guid>g{n}</guid>"
        f"<description><![CDATA[{''.join(f'<p>{body}</p>' for _ in range(4))}]]></description>"
        f"</item>" for n, (title, body) in enumerate(entries))
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Port News</title>'
            f"{items}</channel></rss>").encode()


def _article() -> bytes:
    title, *paragraphs = newsletter(random.Random(11), 3, START).split("\n\n")
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
            f"{body}</article></body></html>").encode()


@pytest.fixture
async def feed_site() -> AsyncIterator[str]:
    """Serve /rss (a feed), / (a home page announcing it), /article and /gone (404)."""
    page = '<html><head><link rel="alternate" type="application/rss+xml" href="/rss"></head></html>'
    app = web.Application()
    routes = {"/rss": (_rss(ENTRIES), "application/rss+xml"), "/": (page.encode(), "text/html"),
              "/article": (_article(), "text/html")}

    async def serve(request: web.Request) -> web.Response:
        if request.path not in routes:
            raise web.HTTPNotFound()
        body, content_type = routes[request.path]
        return web.Response(body=body, content_type=content_type)

    app.router.add_get("/{path:.*}", serve)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"
    await runner.cleanup()
    shutdown_parse_pool()


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now


def _running(fake, db_url, tmp_path, clock=None):
    return bot_running(fake, db_url, tmp_path, admin_ids=[ADMIN], clock=clock,
                       feeds_allow_private=True, feeds_timeout_seconds=10)


def _no_scheduled_polls(app) -> None:
    """Stop the scheduler's feed job: here only the buttons poll, so the outcome is theirs."""
    for job in app.job_queue.get_jobs_by_name("feeds:poll"):
        job.schedule_removal()


async def _say(fake, chat: int, text: str) -> dict:
    """Send text (a command or a message) and return the bot's answer."""
    before = len(fake.sent_messages(chat))
    fake.user_sends(chat, text)
    return (await fake.wait_for_messages(chat, before + 1, timeout=WAIT))[before]


async def _press(fake, message: dict, data: str, user_id: int = ADMIN,
                 edited: bool = True) -> tuple[dict, dict]:
    """Press a button of message; return the callback answer and the message (as edited)."""
    edits = len(fake.calls("editMessageText"))
    update_id = fake.user_clicks(message["chat_id"], message["message_id"], data,
                                 user_id=user_id)
    assert await fake.wait_until(lambda: fake.callback_answer(update_id) is not None, WAIT)
    if edited:
        await fake.wait_for_request("editMessageText", edits + 1, timeout=WAIT)
    return fake.callback_answer(update_id), _current(fake, message)


def _current(fake, message: dict) -> dict:
    return next(m for m in fake.sent_messages(message["chat_id"])
                if m["message_id"] == message["message_id"])


async def _forged(app, fake, data: str) -> dict:
    """Show a button carrying data (as a forger could), press it; return the answer."""
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("forged", callback_data=data)]])
    shown = await app.bot.send_message(ADMIN, "forged", reply_markup=keyboard)
    update_id = fake.user_clicks(ADMIN, shown.message_id, data)
    assert await fake.wait_until(lambda: fake.callback_answer(update_id) is not None, WAIT)
    return fake.callback_answer(update_id)


def _documents(ctx) -> int:
    with ctx.sessions() as session:
        return session.scalar(select(func.count(Document.id)))


async def test_add_list_poll_pause_and_remove(fake_telegram, db_url, tmp_path, feed_site):
    async with _running(fake_telegram, db_url, tmp_path) as (app, ctx):
        _no_scheduled_polls(app)
        added = await _say(fake_telegram, ADMIN, f"/addfeed {feed_site}/rss 30m")
        listing = await _say(fake_telegram, ADMIN, "/feeds")
        [feed] = ctx.feeds.list_feeds()
        assert (feed.name, feed.interval_seconds, feed.paused) == ("Port News", 1800, False)
        assert buttons(listing) == [f"feed:p:{feed.id}:0", f"feed:n:{feed.id}:0",
                                    f"feed:x:{feed.id}:0"]
        assert _documents(ctx) == 0

        _, polled = await _press(fake_telegram, listing, f"feed:n:{feed.id}:0")
        assert _documents(ctx) == 2
        _, paused = await _press(fake_telegram, polled, f"feed:p:{feed.id}:0")
        assert ctx.feeds.find_feed(feed.id).paused
        assert buttons(paused)[0] == f"feed:r:{feed.id}:0"
        _, resumed = await _press(fake_telegram, paused, f"feed:r:{feed.id}:0")
        assert not ctx.feeds.find_feed(feed.id).paused

        _, question = await _press(fake_telegram, resumed, f"feed:x:{feed.id}:0")
        confirm = f"feed:X:{feed.id}:0:{int(ctx.clock().timestamp())}"
        assert buttons(question) == [confirm, "feed:pg:0"]
        assert len(ctx.feeds.list_feeds()) == 1, "nothing goes before the confirmation"
        _, removed = await _press(fake_telegram, question, confirm)
        assert ctx.feeds.list_feeds() == []
        assert _documents(ctx) == 2, "what the feed loaded stays"

    assert added["plain_text"].splitlines()[0] == f"✅ Added the feed Port News (#{feed.id})."
    assert "every 30 min" in added["plain_text"]
    text = listing["plain_text"]
    assert "Feeds (1)" in text and f"{feed_site}/rss" in text and "not polled yet" in text
    polled_text = polled["plain_text"]
    assert polled_text.startswith("🔄 Port News: 2 new entries loaded"), polled_text
    assert "✅ ok" in polled_text and "2 entries loaded" in polled_text
    assert "last success: never" not in polled_text
    assert paused["plain_text"].startswith("⏸ Paused Port News.") and "⏸ paused" in paused[
        "plain_text"]
    assert question["plain_text"].startswith(f"🗑 Remove the feed Port News (#{feed.id}, ")
    assert removed["plain_text"].startswith("🗑 Removed Port News; what it loaded stays.")
    assert "No feeds yet." in removed["plain_text"] and buttons(removed) == []


async def test_poll_now_reports_a_failing_feed_and_nothing_new(fake_telegram, db_url, tmp_path,
                                                             feed_site):
    async with _running(fake_telegram, db_url, tmp_path) as (app, ctx):
        _no_scheduled_polls(app)
        ctx.feeds.import_opml(_opml(f"{feed_site}/rss", f"{feed_site}/gone"))
        listing = await _say(fake_telegram, ADMIN, "/feeds")
        good, gone = ctx.feeds.list_feeds()
        _, failed = await _press(fake_telegram, listing, f"feed:n:{gone.id}:0")
        _, first = await _press(fake_telegram, failed, f"feed:n:{good.id}:0")
        _, again = await _press(fake_telegram, first, f"feed:n:{good.id}:0")
    assert failed["plain_text"].splitlines()[0] == "❌ Feed 1 failed: HTTP 404 Not Found"
    assert "❌ failing (1 poll)" in failed["plain_text"]
    assert "error: HTTP 404 Not Found" in failed["plain_text"]
    assert first["plain_text"].startswith("🔄 Feed 0: 2 new entries loaded, 2 items.")
    assert again["plain_text"].startswith("🔄 Feed 0: nothing new.")


def _opml(*urls: str) -> bytes:
    outlines = "".join(f'<outline type="rss" text="Feed {n}" xmlUrl="{url}"/>'
                       for n, url in enumerate(urls))
    return (f'<?xml version="1.0" encoding="UTF-8"?><opml version="2.0"><head><title>mine'
            f"</title></head><body>{outlines}</body></opml>").encode()


async def test_opml_upload_adds_feeds(fake_telegram, db_url, tmp_path, feed_site):
    async with _running(fake_telegram, db_url, tmp_path) as (app, ctx):
        _no_scheduled_polls(app)
        fake_telegram.user_uploads(ADMIN, "subscriptions.opml",
                                   _opml(f"{feed_site}/rss", "ftp://files.test/feed"),
                                   "application/octet-stream")
        [imported] = await fake_telegram.wait_for_messages(ADMIN, 1, timeout=WAIT)
        # No .opml name, an XML type: recognised by its content.
        fake_telegram.user_uploads(ADMIN, "export.xml", _opml(f"{feed_site}/rss",
                                                             f"{feed_site}/other"), "text/xml")
        _, second = await fake_telegram.wait_for_messages(ADMIN, 2, timeout=WAIT)
        fake_telegram.user_uploads(ADMIN, "broken.opml", b"<opml><body></body></opml>",
                                   "text/x-opml")
        *_, broken = await fake_telegram.wait_for_messages(ADMIN, 3, timeout=WAIT)
        urls = [f.url for f in ctx.feeds.list_feeds()]
        assert _documents(ctx) == 0, "an OPML file is not loaded as a document"
    assert urls == [f"{feed_site}/rss", f"{feed_site}/other"]
    lines = imported["plain_text"].splitlines()
    assert lines[0] == "📥 subscriptions.opml: 1 feed added, 1 refused."
    assert lines[1] == "• ftp://files.test/feed: refused: only http and https URLs can be fetched"
    assert second["plain_text"].startswith("📥 export.xml: 1 feed added, 1 already there.")
    assert broken["plain_text"].startswith("❌ Could not read broken.opml: no feeds found")


async def test_links_sent_in_chat(fake_telegram, db_url, tmp_path, feed_site):
    async with _running(fake_telegram, db_url, tmp_path) as (app, ctx):
        _no_scheduled_polls(app)
        article = await _say(fake_telegram, ADMIN, f"{feed_site}/article")
        assert _documents(ctx) == 1
        site = await _say(fake_telegram, ADMIN, f"  {feed_site}/ ")
        feed = await _say(fake_telegram, ADMIN, f"{feed_site}/rss")
        assert ctx.feeds.list_feeds() == [], "a link only offers the feed"
        _, added = await _press(fake_telegram, site, feed_buttons.ADD)
        [listed] = ctx.feeds.list_feeds()
        _, again = await _press(fake_telegram, feed, feed_buttons.ADD)
        dead = await _say(fake_telegram, ADMIN, f"{feed_site}/gone")
    assert article["plain_text"].startswith(f"✅ Loaded {feed_site}/article: ")
    assert "item" in article["plain_text"]
    assert site["plain_text"].splitlines()[:2] == ["📰 This site announces a feed:",
                                                   f"{feed_site}/rss"]
    assert feed["plain_text"].startswith("📰 This link is a feed:")
    assert buttons(site) == buttons(feed) == [feed_buttons.ADD]
    assert listed.url == f"{feed_site}/rss" and listed.name == "Port News"
    assert added["plain_text"].startswith(f"✅ Added the feed Port News (#{listed.id}).")
    assert buttons(added) == []
    assert again["plain_text"].startswith(f"ℹ️ The feed Port News (#{listed.id}) was already")
    assert dead["plain_text"] == f"❌ Could not load {feed_site}/gone: HTTP 404 Not Found"


async def test_bad_urls_get_a_one_line_reason(fake_telegram, db_url, tmp_path, feed_site):
    async with _running(fake_telegram, db_url, tmp_path) as (app, ctx):
        _no_scheduled_polls(app)
        replies = [await _say(fake_telegram, ADMIN, text) for text in (
            "/addfeed ftp://files.test/feed",
            f"/addfeed {feed_site}/gone",
            f"/addfeed {feed_site}/article",
            f"/addfeed {feed_site}/rss 5x",
            "/addfeed",
            "http://169.254.169.254/latest/meta-data",
        )]
        assert ctx.feeds.list_feeds() == [] and _documents(ctx) == 0
    texts = [r["plain_text"] for r in replies]
    assert texts[0] == ("❌ Feed not added (ftp://files.test/feed): refused: only http and https "
                        "URLs can be fetched")
    assert texts[1] == f"❌ Feed not added ({feed_site}/gone): HTTP 404 Not Found"
    assert texts[2].startswith(f"❌ Feed not added ({feed_site}/article): not a feed")
    assert texts[3].startswith("❌ Feed not added: not an interval")
    assert texts[4].startswith("Which feed? Send /addfeed with its address")
    assert texts[5].startswith("❌ Could not load http://169.254.169.254/latest/meta-data: "
                               "refused: 169.254.169.254 is a link-local")
    assert all("\n" not in t for t in texts[:4] + texts[5:])


async def test_non_admins_are_refused_politely(fake_telegram, db_url, tmp_path, feed_site):
    async with _running(fake_telegram, db_url, tmp_path) as (app, ctx):
        _no_scheduled_polls(app)
        ctx.feeds.import_opml(_opml(f"{feed_site}/rss"))
        replies = [await _say(fake_telegram, USER, text) for text in (
            "/feeds", f"/addfeed {feed_site}/rss", f"{feed_site}/article")]
        fake_telegram.user_uploads(USER, "mine.opml", _opml(f"{feed_site}/other"), "text/x-opml")
        *_, upload = await fake_telegram.wait_for_messages(USER, 4, timeout=WAIT)
        # The admin's list, its buttons pressed by someone else.
        listing = await _say(fake_telegram, ADMIN, "/feeds")
        [feed] = ctx.feeds.list_feeds()
        answer, after = await _press(fake_telegram, listing, f"feed:x:{feed.id}:0", user_id=USER,
                                     edited=False)
        assert len(ctx.feeds.list_feeds()) == 1 and _documents(ctx) == 0
    texts = [r["plain_text"] for r in replies]
    assert texts[0].startswith("Sorry, /feeds is only for the bot's admins.")
    assert texts[1].startswith("Sorry, /addfeed is only for the bot's admins.")
    assert texts[2].startswith("Thanks! Only the bot's admins can load links and feeds")
    assert upload["plain_text"].startswith("Sorry, loading documents is only for")
    assert answer["text"] == "Only for admins." and after == listing


async def test_forged_and_expired_buttons_change_nothing(fake_telegram, db_url, tmp_path,
                                                        feed_site):
    clock = Clock()
    async with _running(fake_telegram, db_url, tmp_path, clock=clock) as (app, ctx):
        _no_scheduled_polls(app)
        ctx.feeds.import_opml(_opml(f"{feed_site}/rss"))
        [feed] = ctx.feeds.list_feeds()
        listing = await _say(fake_telegram, ADMIN, "/feeds")
        _, question = await _press(fake_telegram, listing, f"feed:x:{feed.id}:0")
        confirm = buttons(question)[0]
        clock.now += timedelta(seconds=CONFIRM_SECONDS + 1)
        expired, unchanged = await _press(fake_telegram, question, confirm, edited=False)
        forged = [await _forged(app, fake_telegram, data) for data in (
            "feed:", "feed:p:0:0", f"feed:p:0{feed.id}:0", f"feed:q:{feed.id}:0",
            f"feed:X:{feed.id}:0:{int(clock.now.timestamp()) + 3600}",  # from the future
            feed_buttons.ADD,  # on a message that names no feed
        )]
        # A feed removed meanwhile (the CLI, another admin): its buttons say so.
        fresh = await _say(fake_telegram, ADMIN, "/feeds")
        ctx.feeds.remove_feed(feed.id)
        _, gone = await _press(fake_telegram, fresh, f"feed:p:{feed.id}:0")
        assert ctx.feeds.list_feeds() == []
    assert expired["text"] == "That button has expired" and unchanged == question
    assert [f["text"] for f in forged] == ["That button has expired"] * len(forged)
    assert gone["plain_text"].startswith(f"There is no feed #{feed.id} (any more).")


async def test_feeds_are_paged(fake_telegram, db_url, tmp_path, feed_site):
    async with _running(fake_telegram, db_url, tmp_path) as (app, ctx):
        _no_scheduled_polls(app)
        ctx.feeds.import_opml(_opml(*(f"{feed_site}/rss?n={n}" for n in range(7))))
        first = await _say(fake_telegram, ADMIN, "/feeds")
        _, second = await _press(fake_telegram, first, "feed:pg:5")
        _, back = await _press(fake_telegram, second, "feed:pg:0")
    ids = [f"feed:n:{n}:" for n in range(1, 8)]
    assert buttons(first)[-1] == "feed:pg:5" and "Feeds (7)" in first["plain_text"]
    assert "5. " in first["plain_text"] and "6. " not in first["plain_text"]
    assert [b for b in buttons(second) if b.startswith("feed:n:")] == [
        ids[5] + "5", ids[6] + "5"]
    assert buttons(second)[-1] == "feed:pg:0" and "7. " in second["plain_text"]
    assert back["plain_text"] == first["plain_text"]


# ---- buttons and recognising OPML, without a bot ----------------------------------------


@pytest.mark.parametrize(("value", "data"), [
    (feed_buttons.Page(0), "feed:pg:0"),
    (feed_buttons.Page(15), "feed:pg:15"),
    (feed_buttons.Action("pause", 12, 5), "feed:p:12:5"),
    (feed_buttons.Action("resume", 2**31 - 1, 0), "feed:r:2147483647:0"),
    (feed_buttons.Action("poll", 1, 0), "feed:n:1:0"),
    (feed_buttons.Action("ask_remove", 3, 10), "feed:x:3:10"),
    (feed_buttons.Remove(3, 10, 1741593600), "feed:X:3:10:1741593600"),
    (feed_buttons.Add(), "feed:add"),
])
def test_buttons_round_trip(value, data) -> None:
    assert feed_buttons.encode(value) == data and feed_buttons.decode(data) == value


@pytest.mark.parametrize("data", [
    "feed:", "feed:pg:", "feed:pg:01", "feed:pg:-1", "feed:p:0:0", "feed:p:01:0", "feed:p:1:01",
    "feed:p:1", "feed:p:²:0", "feed:q:1:0", "feed:X:1:0", "feed:X:1:0:01", "feed:X:1:0:",
    "feed:p:2147483648:0", "feed:add ", "feed:ADD", "feed:add:1", "feed:n:1:0:1",
])
def test_forged_data_decodes_to_none_in_every_family(data) -> None:
    for family in (feed_buttons, delete, more, pager, start_menu, subscribe, timezone,
                   unsubscribe):
        assert family.decode(data) is None, family.__name__


def test_every_feed_button_reaches_the_feeds_handler() -> None:
    for data in ("feed:pg:0", "feed:p:1:0", "feed:X:1:0:1", "feed:add", "feed:x"):
        matching = [h.callback for h in handlers()
                    if isinstance(h, CallbackQueryHandler) and h.pattern.match(data)]
        assert matching == [feed_handlers.button], data


def test_a_removal_confirmation_expires_after_ten_minutes() -> None:
    now = datetime(2025, 3, 10, 8, 0, tzinfo=UTC)
    asked = feed_buttons.Remove(1, 0, int(now.timestamp()))
    assert not asked.expired(now + timedelta(seconds=CONFIRM_SECONDS))
    assert asked.expired(now + timedelta(seconds=CONFIRM_SECONDS + 1))
    assert asked.expired(now - timedelta(minutes=5))  # asked in the future: forged
