"""Scheduled delivery end to end: store -> tick -> outbox -> sender -> real PTB -> fake Telegram.

Time is virtual: one `VirtualTime` drives the AppContext clock, the sender's pacing and
waits, and the fake server's rate-limit timer, so nothing waits on the wall clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time as time_module
from collections import Counter
from datetime import UTC, datetime, time, timedelta

import pytest
from telegram import Bot

from bot.context import AppContext
from bot.delivery.jobs import (
    arm_wake,
    is_scheduler_leader,
    register_delivery_jobs,
    release_scheduler_lead,
)
from bot.delivery.pacing import RatePacer
from bot.delivery.scheduler import run_tick
from bot.delivery.sender import OutboxSender, SenderConfig
from bot.settings import load_settings
from storage.clock import as_utc, utcnow
from storage.models import Subscriber
from storage.repositories import deliveries as outbox
from tests.delivery_helpers import VirtualTime, add_subscriber, rows, sent_ids
from tests.fake_telegram.fixtures import ptb_builder
from tests.fake_telegram.server import FakeTelegramServer
from tests.paths import SAMPLES

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

START = datetime(2025, 5, 1, 5, 0, tzinfo=UTC)  # 07:00 in Berlin (CEST)
CONFIG = SenderConfig(lease=timedelta(minutes=2), backoff=timedelta(seconds=30), max_attempts=3)
CHAT = 4242


@pytest.fixture
def vt() -> VirtualTime:
    return VirtualTime(START)


@pytest.fixture
async def server(vt):
    async with FakeTelegramServer(timer=vt.monotonic, per_chat_limit=1, global_limit=30) as fake:
        yield fake


@pytest.fixture
def ctx(server, db_url, tmp_path, vt):
    settings = load_settings(telegram_bot_token=server.token, telegram_api_url=server.url,
                             database_url=db_url, data_dir=tmp_path, catch_up_hours=6)
    context = AppContext(settings, clock=vt.now)
    yield context
    context.engine.dispose()


@pytest.fixture
async def bot(server):
    async with Bot(server.token, base_url=server.base_url) as tg_bot:
        yield tg_bot


def make_sender(bot: Bot, ctx: AppContext, vt: VirtualTime, config: SenderConfig = CONFIG,
                **kwargs) -> OutboxSender:
    pacer = RatePacer(timer=vt.monotonic, sleep=vt.sleep, **kwargs)
    return OutboxSender(bot, ctx.sessions, clock=vt.now, pacer=pacer, sleep=vt.sleep, config=config)


def queue(ctx: AppContext, chat_id: int, messages: list[str], key: str = "daily:2025-05-01") -> int:
    with ctx.sessions() as session:
        sub = add_subscriber(session, chat_id)
        outbox.enqueue_delivery(session, sub.id, key, messages, START, now=START)
        session.commit()
        return sub.id


def texts(server: FakeTelegramServer, chat_id: int) -> list[str]:
    return [m["plain_text"] for m in server.sent_messages(chat_id)]


async def test_briefing_goes_out_at_local_delivery_time_and_not_before(ctx, server, bot, vt) -> None:
    loaded = ctx.ingestor.ingest_path(SAMPLES / "world-digest-2023-09.txt")
    assert loaded.status == "loaded" and loaded.items > 0
    with ctx.sessions() as session:
        add_subscriber(session, CHAT, "Europe/Berlin", time(7, 30), created_at=START)
        session.commit()
    sender = make_sender(bot, ctx, vt)
    built = datetime(2025, 5, 1, 5, 29, tzinfo=UTC)  # 07:29 in Berlin: the tick before 07:30
    vt.set(built - timedelta(seconds=1))
    assert run_tick(ctx).queued == 0, "built one tick ahead, not earlier"
    vt.set(built)
    assert run_tick(ctx).queued == 1, "built ahead of its minute"
    vt.set(datetime(2025, 5, 1, 5, 29, 59, 999_000, tzinfo=UTC))
    assert (await sender.drain()).messages_sent == 0 and server.sent_messages() == []
    vt.set(datetime(2025, 5, 1, 5, 30, tzinfo=UTC))  # 07:30 in Berlin: the due second
    stats = await sender.drain()
    assert run_tick(ctx).queued == 0, "one briefing per local date"
    with ctx.sessions() as session:
        [row] = rows(session)
        subscriber = session.get(Subscriber, row.subscriber_id)
    messages = server.sent_messages(CHAT)
    assert stats.messages_sent == len(messages) == row.sent_count >= 1
    assert (row.status, row.briefing_key) == ("sent", "daily:2025-05-01")
    assert sent_ids(row) == [m["message_id"] for m in messages]
    assert [m["text"] for m in messages] == json.loads(row.messages)
    assert subscriber.last_briefed_at.replace(tzinfo=UTC) == built, "the window closed when built"
    assert server.throttled_count == 0


def test_time_shows_the_instant_the_tick_queues_the_briefing(ctx, vt) -> None:
    # 02:30 is skipped in Berlin on 29 March 2026: /time and the tick must both say 03:30 CEST.
    ctx.subscriptions.subscribe(CHAT, "daily at 02:30")
    ctx.subscriptions.set_timezone(CHAT, "Europe/Berlin")
    vt.set(datetime(2026, 3, 28, 12, 0, tzinfo=UTC))
    run_tick(ctx)  # the runs missed while the clock jumped are recorded as skipped
    shown = ctx.subscriptions.set_time(CHAT, "").schedule.next_delivery
    assert (shown.hour, shown.minute, shown.utcoffset()) == (3, 30, timedelta(hours=2))
    ahead = timedelta(seconds=ctx.settings.tick_seconds)  # built by the tick before
    vt.set(shown.astimezone(UTC) - ahead - timedelta(seconds=1))
    assert run_tick(ctx).queued == 0
    vt.set(shown.astimezone(UTC) - ahead)
    assert run_tick(ctx).queued == 1
    with ctx.sessions() as session:
        queued = [r for r in rows(session) if r.status == "pending"]
    assert [(r.briefing_key, as_utc(r.due_at)) for r in queued] == [
        ("daily:2026-03-29", shown.astimezone(UTC))]


async def test_multi_message_briefing_arrives_in_order_paced_per_chat(ctx, server, bot, vt) -> None:
    parts = ["<b>Part one</b>", "Part <i>two</i>", "Part three", "Part four"]
    queue(ctx, CHAT, parts)
    queue(ctx, CHAT + 1, ["Another chat"])
    stats = await make_sender(bot, ctx, vt).drain()
    assert texts(server, CHAT) == ["Part one", "Part two", "Part three", "Part four"]
    assert texts(server, CHAT + 1) == ["Another chat"]
    times = [r.at for r in server.calls("sendMessage") if r.params["chat_id"] == CHAT]
    assert all(b - a >= 1.0 for a, b in zip(times, times[1:], strict=False)), times
    assert (stats.messages_sent, stats.deliveries_sent, server.throttled_count) == (5, 2, 0)


async def test_retry_after_is_waited_out_and_counted(ctx, server, bot, vt) -> None:
    queue(ctx, CHAT, ["first", "second"])
    server.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    stats = await make_sender(bot, ctx, vt).drain()
    assert texts(server, CHAT) == ["first", "second"]
    assert (stats.throttled, server.throttled_count, stats.deliveries_sent) == (1, 1, 1)
    assert 1.0 in vt.slept
    with ctx.sessions() as session:
        [row] = rows(session)
    assert row.status == "sent" and row.last_error == "RetryAfter: waited 1s"


async def test_blocked_user_becomes_inactive_without_retries(ctx, server, bot, vt) -> None:
    blocked = queue(ctx, CHAT, ["hello", "again"])
    queue(ctx, CHAT + 1, ["still here"])
    server.block_user(CHAT)
    sender = make_sender(bot, ctx, vt)
    stats = await sender.drain()
    vt.advance(3600)
    await sender.drain()
    with ctx.sessions() as session:
        found = {r.subscriber_id: r for r in rows(session)}
        active = session.get(Subscriber, blocked).active
    assert stats.blocked == 1 and active is False
    assert found[blocked].status == "failed" and "blocked by the user" in found[blocked].last_error
    assert [r.status for r in server.calls("sendMessage") if r.params["chat_id"] == CHAT] == [403]
    assert texts(server, CHAT + 1) == ["still here"]


async def test_bad_request_is_recorded_not_retried(ctx, server, bot, vt) -> None:
    queue(ctx, CHAT, ["fine", "<b>broken"])
    sender = make_sender(bot, ctx, vt)
    stats = await sender.drain()
    vt.advance(3600)
    await sender.drain()
    with ctx.sessions() as session:
        [row] = rows(session)
    assert texts(server, CHAT) == ["fine"]
    assert len(server.calls("sendMessage")) == 2
    assert (row.status, row.sent_count, stats.deliveries_failed) == ("failed", 1, 1)
    assert row.last_error.startswith("BadRequest at message 2") and "parse entities" in row.last_error


async def test_network_error_is_retried_with_backoff(ctx, server, bot, vt) -> None:
    queue(ctx, CHAT, ["one", "two"])
    server.fail_next("sendMessage", 502, "Bad Gateway")
    sender = make_sender(bot, ctx, vt)
    first = await sender.drain()
    vt.advance(29)
    assert (await sender.drain()).messages_sent == 0, "backoff not over yet"
    vt.advance(1)
    second = await sender.drain()
    with ctx.sessions() as session:
        [row] = rows(session)
    assert (first.retries_scheduled, second.deliveries_sent) == (1, 1)
    assert texts(server, CHAT) == ["one", "two"]
    assert (row.status, row.attempts) == ("sent", 2)


@pytest.mark.parametrize("concurrency", [1, 10])
async def test_restart_mid_run_sends_everything_once_but_the_in_flight_one(
    ctx, server, bot, vt, concurrency
) -> None:
    # "In flight" is per delivery: with N deliveries sending at once, each may lose the
    # record of the one message it had on the wire; with one at a time, one message at most.
    expected = {chat: [f"chat {chat} part {n}" for n in range(4)] for chat in range(10, 15)}
    for chat, parts in expected.items():
        queue(ctx, chat, parts)
    config = SenderConfig(concurrency=concurrency, lease=CONFIG.lease)
    crashed = asyncio.create_task(make_sender(bot, ctx, vt, config).drain())
    await server.wait_for_request("sendMessage", 7)
    crashed.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await crashed
    assert 7 <= len(server.sent_messages()) < 20
    vt.advance(CONFIG.lease.total_seconds())  # the dead sender's leases run out
    async with Bot(server.token, base_url=server.base_url) as fresh_bot:
        await make_sender(fresh_bot, ctx, vt, config).drain()
    duplicates = Counter()
    for chat, parts in expected.items():
        got = texts(server, chat)
        deduped = [t for i, t in enumerate(got) if i == 0 or t != got[i - 1]]
        assert deduped == parts, (chat, got)
        duplicates[chat] = len(got) - len(deduped)
    assert all(n <= 1 for n in duplicates.values()), duplicates
    assert sum(duplicates.values()) <= (1 if concurrency == 1 else len(expected))
    with ctx.sessions() as session:
        assert {r.status for r in rows(session)} == {"sent"}


async def test_a_claimed_row_waiting_for_its_turn_keeps_its_lease(ctx, server, bot) -> None:
    # Real time: the sender renews its leases while the row waits (here, for a held pacer);
    # without that, the lease would run out and another process could send it too.
    queue(ctx, CHAT, ["held back"])
    turn = asyncio.Event()

    class HeldPacer:
        async def acquire(self, chat_id: int) -> None:
            await turn.wait()

        def sent(self, chat_id: int) -> None:
            pass

    lease = timedelta(seconds=0.3)
    sender = OutboxSender(bot, ctx.sessions, pacer=HeldPacer(), config=SenderConfig(lease=lease))
    draining = asyncio.create_task(sender.drain())
    await asyncio.sleep(4 * lease.total_seconds())
    with ctx.sessions() as session:
        [row] = rows(session)
        assert as_utc(row.next_attempt_at) > utcnow(), "still leased after four lease lengths"
        assert outbox.claim_deliveries(session, utcnow(), 5, lease) == []
    turn.set()
    await draining
    assert texts(server, CHAT) == ["held back"]


async def test_two_senders_share_one_outbox_exactly_once(server, db_url, tmp_path, vt) -> None:
    if db_url.startswith("sqlite"):
        pytest.skip("several sender processes need PostgreSQL (SKIP LOCKED)")
    server.set_rate_limits(per_chat=1, overall=None)
    contexts = [AppContext(load_settings(telegram_bot_token=server.token, database_url=db_url,
                                         telegram_api_url=server.url, data_dir=tmp_path),
                           clock=vt.now) for _ in range(2)]
    expected = {chat: [f"{chat}:a", f"{chat}:b"] for chat in range(100, 160)}
    for chat, parts in expected.items():
        queue(contexts[0], chat, parts)
    async with (Bot(server.token, base_url=server.base_url) as one,
                Bot(server.token, base_url=server.base_url) as two):
        # Small claims, so both get rows while the other is busy: a long-lived process would.
        small = SenderConfig(batch_size=5, concurrency=5)
        stats = await asyncio.gather(make_sender(one, contexts[0], vt, small, rate=14).drain(),
                                     make_sender(two, contexts[1], vt, small, rate=14).drain())
    for context in contexts:
        context.engine.dispose()
    sent = Counter((m["chat_id"], m["plain_text"]) for m in server.sent_messages())
    assert sent == Counter((c, t) for c, parts in expected.items() for t in parts)
    assert all(s.deliveries_sent > 0 for s in stats), "both senders took a share"
    assert server.throttled_count == 0


async def test_jobs_tick_and_drain_inside_the_application(fake_telegram, db_url, tmp_path) -> None:
    vt = VirtualTime(datetime(2025, 5, 1, 5, 30, tzinfo=UTC))  # 07:30 in Berlin
    settings = load_settings(telegram_bot_token=fake_telegram.token, database_url=db_url,
                             telegram_api_url=fake_telegram.url, data_dir=tmp_path)
    ctx = AppContext(settings, clock=vt.now)
    with ctx.sessions() as session:
        add_subscriber(session, CHAT, "Europe/Berlin", time(7, 30), created_at=START)
        session.commit()
    application = ptb_builder(fake_telegram).build()
    application.bot_data["ctx"] = ctx
    register_delivery_jobs(application)
    assert [j.name for j in application.job_queue.jobs()] == [
        "delivery:first-tick", "delivery:scheduler", "delivery:sender"]
    async with application:
        await application.start()
        [message] = await fake_telegram.wait_for_messages(CHAT, 1, timeout=10)
        assert is_scheduler_leader(application), "the only process leads the scheduler"
        [tick] = application.job_queue.get_jobs_by_name("delivery:scheduler")
        assert (tick.next_t.second, tick.next_t.microsecond) == (0, 0), "ticks on the minute"
        await application.stop()
        await release_scheduler_lead(application)  # run_polling's post_stop would do this
    ctx.engine.dispose()
    # Nothing was loaded: the empty briefing is still sent, as a short note.
    assert message["plain_text"] == "No new stories since 30 April 2025."
    with ctx.sessions() as session:
        [row] = rows(session)
    assert (row.status, row.briefing_key, sent_ids(row)) == ("sent", "daily:2025-05-01",
                                                            [message["message_id"]])


async def test_a_row_built_ahead_leaves_at_its_due_second(fake_telegram, db_url, tmp_path) -> None:
    # Real time, and no sender job: only the wake-up armed for the row's due instant sends it.
    settings = load_settings(telegram_bot_token=fake_telegram.token, database_url=db_url,
                             telegram_api_url=fake_telegram.url, data_dir=tmp_path)
    ctx = AppContext(settings)
    application = ptb_builder(fake_telegram).build()
    application.bot_data["ctx"] = ctx
    async with application:
        await application.start()
        with ctx.sessions() as session:
            sub = add_subscriber(session, CHAT)
            due = ctx.clock() + timedelta(seconds=1.5)
            outbox.enqueue_delivery(session, sub.id, "daily:2025-05-01", ["on time"], due,
                                    now=ctx.clock())
            session.commit()
        due_on_server = time_module.monotonic() + (due - ctx.clock()).total_seconds()
        await arm_wake(application)
        await arm_wake(application)  # armed once: the same instant is not armed again
        [message] = await fake_telegram.wait_for_messages(CHAT, 1, timeout=10)
        await application.stop()
    ctx.engine.dispose()
    [call] = fake_telegram.calls("sendMessage")
    assert message["plain_text"] == "on time"
    assert due_on_server - 0.01 <= call.at <= due_on_server + 1.0, call.at - due_on_server


async def test_pacer_spaces_sends_and_bounds_the_window(vt) -> None:
    pacer = RatePacer(timer=vt.monotonic, sleep=vt.sleep)
    stamps = []

    async def send(chat: int, latency: float) -> None:
        await pacer.acquire(chat)
        stamps.append(vt.monotonic())
        await vt.sleep(latency)  # the answer comes back later
        pacer.sent(chat)

    for n in range(90):
        await send(n % 45, latency=0.2 if n % 7 == 0 else 0.01)
    gaps = [b - a for a, b in zip(stamps, stamps[1:], strict=False)]
    assert min(gaps) >= 1 / 29 - 1e-9
    assert all(sum(1 for t in stamps if s <= t < s + 1.0) <= 30 for s in stamps)
    per_chat = [t for i, t in enumerate(stamps) if i % 45 == 0]
    assert per_chat[1] - per_chat[0] >= 1.05
