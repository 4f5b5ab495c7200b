"""Abuse end to end: floods, 429s, forged numbers, double taps, long messages, group members."""

from __future__ import annotations

import random
import time

import pytest

from bench.corpus import newsletter
from bot.telegram.throttle import BURST, Throttle
from storage.repositories import subscribers as repo
from tests.bot_harness import bot_running
from tests.bot_helpers_app import START, buttons, load_newsletter

FLOODER = 750001
OTHER = 750002
ADMIN = 750003
GROUP = -1007500000001
MEMBER, GROUP_ADMIN, VIEWER = 750011, 750012, 750013
APOLOGY = "something went wrong"
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'bot.sqlite3'}"


def _texts(server, chat: int) -> list[str]:
    return [m["plain_text"] for m in server.sent_messages(chat)]


def _apologies(server) -> list[str]:
    return [m["plain_text"] for m in server.sent_messages() if APOLOGY in m["plain_text"]]


async def _settle(server, seconds: float = 0.5) -> None:
    """Let in-flight updates finish: wait until nothing was sent for a while."""
    while True:
        count = len(server.requests)
        await server.wait_until(lambda: False, seconds)
        if len(server.requests) == count:
            return


# ---- floods and 429s ----


async def test_a_flood_from_one_chat_leaves_other_users_served(fake_telegram, db_url,
                                                                tmp_path) -> None:
    # A slow refill: on a loaded machine the flood takes seconds, and the default rate would
    # give the flooder extra tokens meanwhile.
    throttle = Throttle(rate=0.01)
    async with bot_running(fake_telegram, db_url, tmp_path, throttle=throttle) as (_app, ctx):
        load_newsletter(ctx, stories=12)
        for _ in range(300):
            fake_telegram.user_sends(FLOODER, "/search figure")
        started = time.monotonic()
        fake_telegram.user_sends(OTHER, "/help")
        [help_reply] = await fake_telegram.wait_for_messages(OTHER, 1, timeout=10)
        waited = time.monotonic() - started
        await _settle(fake_telegram)
    assert "/latest" in help_reply["plain_text"] and waited < 5
    assert _apologies(fake_telegram) == []
    flooded = _texts(fake_telegram, FLOODER)
    # The burst is answered, the flooder hears "slow down" once, the rest is dropped unread.
    assert len(flooded) == BURST + 1
    assert sum("at once" in text for text in flooded) == 1
    assert fake_telegram.throttled_count == 0


async def test_a_reply_refused_with_429_is_sent_after_retry_after(fake_telegram,
                                                                  sqlite_url, tmp_path) -> None:
    fake_telegram.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    async with bot_running(fake_telegram, sqlite_url, tmp_path):
        fake_telegram.user_sends(OTHER, "/help")
        [reply] = await fake_telegram.wait_for_messages(OTHER, 1, timeout=10)
        await _settle(fake_telegram)
    assert "/latest" in reply["plain_text"] and _apologies(fake_telegram) == []
    refused, sent = fake_telegram.calls("sendMessage")
    assert refused.status == 429 and sent.status == 200 and sent.at - refused.at >= 1


async def test_a_long_retry_after_is_not_waited_out(fake_telegram, sqlite_url, tmp_path) -> None:
    fake_telegram.fail_next("sendMessage", 429, "Too Many Requests: retry after 30",
                            retry_after=30)
    async with bot_running(fake_telegram, sqlite_url, tmp_path):
        fake_telegram.user_sends(OTHER, "/help")
        [reply] = await fake_telegram.wait_for_messages(OTHER, 1, timeout=5)
    assert APOLOGY in reply["plain_text"], "the bot gave up at once rather than stall for 30 s"


async def test_admins_uploads_are_not_throttled(fake_telegram, sqlite_url, tmp_path) -> None:
    uploads = BURST + 3
    async with bot_running(fake_telegram, sqlite_url, tmp_path, admin_ids=[ADMIN],
                           throttle=Throttle()):
        for seed in range(uploads):
            text = newsletter(random.Random(200 + seed), 2, START).encode()
            fake_telegram.user_uploads(ADMIN, f"weekly-{seed}.txt", text, "text/plain")
        replies = await fake_telegram.wait_for_messages(ADMIN, uploads, timeout=30)
    assert len(replies) == uploads and all("weekly-" in r["plain_text"] for r in replies)


def test_throttle_bucket_refills_and_notices_once_per_window() -> None:
    now = [0.0]
    throttle = Throttle(rate=1.0, burst=3, notice_seconds=30, clock=lambda: now[0])
    assert [throttle.allow(1) for _ in range(4)] == [True, True, True, False]
    assert throttle.allow(2), "another user has a bucket of their own"
    assert throttle.should_notice(1) and not throttle.should_notice(1)
    now[0] = 1.0
    assert throttle.allow(1) and not throttle.allow(1)
    now[0] = 31.0
    assert throttle.should_notice(1), "a new window, a new notice"
    assert [throttle.allow(1) for _ in range(4)] == [True, True, True, False]


# ---- arguments, buttons and long messages ----


@pytest.mark.parametrize("text", [
    "/latest India ²", "/latest ٣", "/latest 99999999999999999999", "/latest " + "9" * 5000,
    "/trends ²", "/trends 99999999999999999999", "/trends " + "1" * 5000,
])
async def test_bad_numbers_get_the_usage_hint(fake_telegram, sqlite_url, tmp_path,
                                              text) -> None:
    async with bot_running(fake_telegram, sqlite_url, tmp_path):
        fake_telegram.user_sends(OTHER, text)
        [reply] = await fake_telegram.wait_for_messages(OTHER, 1)
    assert "Example:" in reply["plain_text"] and APOLOGY not in reply["plain_text"]


async def test_a_double_tap_on_more_sends_one_page(fake_telegram, sqlite_url, tmp_path) -> None:
    async with bot_running(fake_telegram, sqlite_url, tmp_path) as (_app, ctx):
        load_newsletter(ctx, stories=12)
        fake_telegram.user_sends(OTHER, "/latest")
        [first] = await fake_telegram.wait_for_messages(OTHER, 1)
        [data] = buttons(first)
        taps = [fake_telegram.user_clicks(OTHER, first["message_id"], data) for _ in range(2)]
        await fake_telegram.wait_until(
            lambda: all(fake_telegram.callback_answer(tap) is not None for tap in taps), 5)
        await _settle(fake_telegram)
    assert len(_texts(fake_telegram, OTHER)) == 2, "the page once, and no apology"
    assert _apologies(fake_telegram) == []


async def test_a_double_tap_on_the_sources_pager_is_a_no_op(fake_telegram, sqlite_url,
                                                            tmp_path) -> None:
    async with bot_running(fake_telegram, sqlite_url, tmp_path, admin_ids=[ADMIN]) as (_, ctx):
        for seed in range(12):
            text = newsletter(random.Random(300 + seed), 1, START).encode()
            ctx.ingestor.ingest_bytes(text, f"doc-{seed:02}.txt")
        fake_telegram.user_sends(ADMIN, "/sources")
        [listing] = await fake_telegram.wait_for_messages(ADMIN, 1)
        for _ in range(2):
            fake_telegram.user_clicks(ADMIN, listing["message_id"], "page:src:10")
        await fake_telegram.wait_for_request("editMessageText", 2)
        await _settle(fake_telegram)
    [edited] = fake_telegram.sent_messages(ADMIN)
    assert len(edited["edits"]) == 1 and _apologies(fake_telegram) == []


@pytest.mark.parametrize("text", [
    "/search " + "offic* " * 580,
    "what about " + "sanctionsx " * 360,
    "/latest " + "Atlantis" * 500,
    "/timezone " + "Mars/Olympus" * 330,
    "/unknowncommand" + "x" * 4000,
])
async def test_a_long_message_gets_a_reply_within_telegrams_limit(fake_telegram, sqlite_url,
                                                                  tmp_path, text) -> None:
    assert 3900 <= len(text) <= 4096
    async with bot_running(fake_telegram, sqlite_url, tmp_path) as (_app, ctx):
        load_newsletter(ctx, stories=4)
        fake_telegram.user_sends(OTHER, text)
        [reply] = await fake_telegram.wait_for_messages(OTHER, 1, timeout=20)
    assert APOLOGY not in reply["plain_text"]
    assert len(reply["plain_text"]) < 1000 and "…" in reply["plain_text"]


# ---- groups: members look, admins change ----


async def _group_says(server, user_id: int, text: str) -> str:
    before = len(server.sent_messages(GROUP))
    server.user_sends(GROUP, text, user_id=user_id)
    messages = await server.wait_for_messages(GROUP, before + 1)
    return messages[-1]["plain_text"]


def _group_subscriptions(ctx) -> list[tuple[str, str]]:
    with ctx.sessions() as session:
        subscriber = repo.subscriber_by_chat(session, GROUP)
        return [(s.kind, s.value) for s in repo.subscriptions_of(session, subscriber)] \
            if subscriber else []


async def test_only_group_admins_change_the_groups_subscriptions(fake_telegram, sqlite_url,
                                                                 tmp_path) -> None:
    fake_telegram.set_chat_member(GROUP, GROUP_ADMIN, "administrator")
    async with bot_running(fake_telegram, sqlite_url, tmp_path,
                           throttle=Throttle()) as (_app, ctx):
        refused = [await _group_says(fake_telegram, MEMBER, text)
                   for text in ("/subscribe India", "/time 07:30", "/timezone Europe/Berlin",
                                "/unsubscribe all")]
        assert _group_subscriptions(ctx) == []
        added = await _group_says(fake_telegram, GROUP_ADMIN, "/subscribe India")
        timed = await _group_says(fake_telegram, GROUP_ADMIN, "/time 07:30")
        shown = await _group_says(fake_telegram, VIEWER, "/subscriptions")
        listing = fake_telegram.sent_messages(GROUP)[-1]
        [remove] = [data for data in buttons(listing) if data.startswith("unsub:")]
        tap = fake_telegram.user_clicks(GROUP, listing["message_id"], remove, user_id=VIEWER)
        await fake_telegram.wait_until(lambda: fake_telegram.callback_answer(tap) is not None, 5)
        subscriptions = _group_subscriptions(ctx)
    assert all("only its admins" in text for text in refused)
    assert "Subscribed to 🇮🇳 India" in added and "07:30" in timed
    assert "India" in shown, "any member may look"
    assert "only its admins" in fake_telegram.callback_answer(tap)["text"]
    assert subscriptions == [("country", "IN")], "the member's tap removed nothing"
    # Each user's status was asked once and remembered (looking asks nothing).
    assert fake_telegram.member_lookups == 3
