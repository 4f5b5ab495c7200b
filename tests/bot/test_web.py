"""The HTTP server: Telegram webhook with its secret, /healthz and /metrics, on both databases.

The real Application runs against the fake Bot API server; the web server listens on a free
loopback port; the webhook receives updates the fake server builds, like Telegram would post.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from bot.app import build_application
from bot.cli.main import main
from bot.delivery.jobs import LAST_TICK_KEY
from bot.web.app import is_allowed
from bot.web.run import ServeOptions, bot_serving
from storage.models import Delivery, Item, Story
from storage.repositories import deliveries as outbox
from storage.repositories.subscribers import get_or_create_subscriber, set_active
from tests.bot_harness import make_context
from tests.paths import SAMPLES

SECRET = "s3cret_Token-for-tests"
HOOK_URL = "https://bot.example.org/tg/hook"
CHAT = 760001


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@contextlib.asynccontextmanager
async def serving(fake, db_url: str, tmp_path: Path, *, webhook: bool = True,
                  clock: Callable[[], datetime] | None = None, prepare=None,
                  **overrides) -> AsyncIterator[tuple]:
    """Run the bot (webhook or polling) with its HTTP server; yield (app, ctx, http)."""
    ctx = make_context(fake, db_url, tmp_path, clock=clock, **overrides)
    if prepare is not None:
        prepare(ctx)
    options = ServeOptions(listen="127.0.0.1", port=0,
                           webhook_url=HOOK_URL if webhook else None, webhook_path="/tg/hook",
                           webhook_secret=SECRET if webhook else None)
    application = build_application(ctx)
    try:
        async with (bot_serving(application, options) as server,
                    aiohttp.ClientSession(f"http://127.0.0.1:{server.port}") as http):
            yield application, ctx, http
    finally:
        if "engine" in vars(ctx):
            ctx.engine.dispose()


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 5) -> bool:
    """Poll an async condition until it holds or the timeout passes."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            return False
        await asyncio.sleep(0.02)
    return True


async def scrape(http: aiohttp.ClientSession) -> dict[tuple[str, frozenset], float]:
    """GET /metrics and return {(sample name, labels): value}."""
    async with http.get("/metrics") as resp:
        assert resp.status == 200
        assert resp.headers["Content-Type"].startswith("text/plain")
        text = await resp.text()
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def latency_count(samples: dict, handler: str) -> float:
    """Return the handler latency histogram's count for one handler (0 if never observed)."""
    return samples.get(("briefbot_handler_seconds_count", frozenset({("handler", handler)})), 0)


def update_from(fake, chat: int, text: str) -> dict:
    """Have the fake server build the update a user's message makes; return its JSON."""
    fake.user_sends(chat, text)
    return fake.store.updates[-1]


async def post_update(http, body: bytes | str | dict, secret: str | None = SECRET) -> int:
    """POST to the webhook path; return the HTTP status."""
    headers = {} if secret is None else {"X-Telegram-Bot-Api-Secret-Token": secret}
    data = json.dumps(body) if isinstance(body, dict) else body
    async with http.post("/tg/hook", data=data, headers=headers) as resp:
        return resp.status


# ---- webhook ---------------------------------------------------------------------------


async def test_webhook_with_the_secret_answers_and_counts_latency(fake_telegram, db_url,
                                                                  tmp_path) -> None:
    async with serving(fake_telegram, db_url, tmp_path) as (_app, _ctx, http):
        [call] = fake_telegram.calls("setWebhook")
        assert call.params["url"] == HOOK_URL and call.params["secret_token"] == SECRET
        assert "message" in call.params["allowed_updates"]
        assert not call.params.get("drop_pending_updates")
        before = latency_count(await scrape(http), "/help")

        assert await post_update(http, update_from(fake_telegram, CHAT, "/help")) == 200
        [reply] = await fake_telegram.wait_for_messages(CHAT, 1)
        assert "/search grain deal" in reply["plain_text"]

        async def observed() -> bool:
            return latency_count(await scrape(http), "/help") == before + 1
        assert await eventually(observed)
    assert not fake_telegram.calls("getUpdates"), "webhook mode never polls"


async def test_wrong_or_missing_secret_is_refused_and_not_handled(fake_telegram, db_url,
                                                                  tmp_path) -> None:
    async with serving(fake_telegram, db_url, tmp_path) as (_app, _ctx, http):
        bad_chat, good_chat = CHAT + 1, CHAT + 2
        update = update_from(fake_telegram, bad_chat, "/help")
        assert await post_update(http, update, secret="wrong") == 403
        assert await post_update(http, update, secret=None) == 403
        assert await post_update(http, update, secret=SECRET[:-1]) == 403
        # A good update posted after the refused ones is answered; the refused never are.
        assert await post_update(http, update_from(fake_telegram, good_chat, "/start")) == 200
        await fake_telegram.wait_for_messages(good_chat, 1)
        assert fake_telegram.sent_messages(bad_chat) == []


@pytest.mark.parametrize("body", [
    b"not json", b"", b"[1, 2]", b'{"message": {"text": "/help"}}', b'{"update_id": "7"}',
    b'{"update_id": 7, "message": "text"}', b"\xff\xfe",
])
async def test_a_body_that_is_not_an_update_is_400(fake_telegram, tmp_path, body) -> None:
    db_url = f"sqlite:///{tmp_path / 'web.sqlite3'}"
    async with serving(fake_telegram, db_url, tmp_path) as (_app, _ctx, http):
        assert await post_update(http, body) == 400
        assert await post_update(http, body, secret="nope") == 403  # the secret comes first


async def test_responses_never_contain_the_secret_or_token(fake_telegram, tmp_path) -> None:
    db_url = f"sqlite:///{tmp_path / 'web.sqlite3'}"
    async with serving(fake_telegram, db_url, tmp_path) as (_app, _ctx, http):
        bodies = []
        for path in ("/healthz", "/metrics"):
            async with http.get(path) as resp:
                bodies.append(await resp.text())
        async with http.post("/tg/hook", data=b"x", headers={
                "X-Telegram-Bot-Api-Secret-Token": SECRET}) as resp:
            bodies.append(await resp.text())
    for body in bodies:
        assert SECRET not in body and fake_telegram.token not in body


# ---- polling mode ------------------------------------------------------------------------


async def test_polling_mode_serves_health_and_metrics_beside_polling(fake_telegram, db_url,
                                                                     tmp_path) -> None:
    async with serving(fake_telegram, db_url, tmp_path, webhook=False) as (_app, _ctx, http):
        fake_telegram.user_sends(CHAT, "/help")
        await fake_telegram.wait_for_messages(CHAT, 1)
        async with http.get("/healthz") as resp:
            assert resp.status == 200
        assert ("briefbot_database_up", frozenset()) in await scrape(http)
        async with http.post("/tg/hook", data=b"{}") as resp:
            assert resp.status in (404, 405)  # no webhook route in polling mode
    assert not fake_telegram.calls("setWebhook")


# ---- /healthz ----------------------------------------------------------------------------


async def _wait_for_tick(application) -> None:
    async def ticked() -> bool:
        return LAST_TICK_KEY in application.bot_data
    assert await eventually(ticked), "the scheduler tick ran at start"


async def test_healthz_reports_database_scheduler_and_backlog(fake_telegram, db_url,
                                                             tmp_path) -> None:
    clock = Clock()

    def prepare(ctx) -> None:  # a pending row nobody sends: its subscriber is inactive
        with ctx.sessions.begin() as session:
            sub = _subscriber(session, 1, active=False)
            outbox.enqueue_delivery(session, sub.id, "daily:x", ["hi"],
                                    clock.now - timedelta(minutes=10), now=clock.now)

    async with serving(fake_telegram, db_url, tmp_path, clock=clock,
                       prepare=prepare) as (app, _ctx, http):
        await _wait_for_tick(app)
        async with http.get("/healthz") as resp:
            assert resp.status == 200
            report = await resp.json()
        assert report["status"] == "ok"
        assert report["database"]["ok"] is True and report["database"]["latency_ms"] >= 0
        assert report["scheduler"]["ok"] is True and report["scheduler"]["last_tick"]
        assert report["scheduler"]["leader"] is True  # the only process leads
        assert report["outbox"] == {"pending": 1, "oldest_due_age_seconds": 600.0}

        clock.now += timedelta(minutes=3)  # no tick for three minutes: the scheduler is stuck
        async with http.get("/healthz") as resp:
            assert resp.status == 503
            report = await resp.json()
        assert report["status"] == "unhealthy"
        assert report["scheduler"]["ok"] is False and report["scheduler"]["age_seconds"] >= 180
        assert report["database"]["ok"] is True


@pytest.mark.parametrize("bad_url", ["sqlite-under-a-file", "postgresql://nobody@127.0.0.1:1/x"])
async def test_healthz_is_503_when_the_database_is_unreachable(fake_telegram, tmp_path,
                                                               bad_url) -> None:
    if bad_url.startswith("sqlite"):
        (tmp_path / "afile").write_text("not a folder")
        bad_url = f"sqlite:///{tmp_path / 'afile' / 'db.sqlite3'}"
    async with serving(fake_telegram, bad_url, tmp_path) as (_app, _ctx, http):
        async with http.get("/healthz") as resp:
            assert resp.status == 503
            report = await resp.json()
        samples = await scrape(http)
    assert report["status"] == "unhealthy"
    assert report["database"]["ok"] is False and report["database"]["error"]
    assert "nobody" not in json.dumps(report)  # no connection details leak
    assert report["outbox"] == {"pending": None, "oldest_due_age_seconds": None}
    assert samples[("briefbot_database_up", frozenset())] == 0
    assert ("briefbot_items", frozenset()) not in samples


# ---- /metrics ----------------------------------------------------------------------------


def _subscriber(session, n: int, *, active: bool = True):
    sub = get_or_create_subscriber(session, 770000 + n, username=f"u{n}", timezone="UTC",
                                   delivery_time=time(7, 30))
    session.flush()
    if not active:
        set_active(session, sub, False)
    return sub


def _load_store(ctx, now: datetime) -> None:
    """Samples, three subscribers (one inactive) and outbox rows of every status."""
    ctx.ingestor.ingest_path(SAMPLES / "world-digest-2023-09.txt")
    ctx.ingestor.ingest_path(SAMPLES / "g20-african-union.html")
    with ctx.sessions.begin() as session:
        a, _b = _subscriber(session, 1), _subscriber(session, 2)
        gone = _subscriber(session, 3, active=False)
        old, recent = now - timedelta(days=3), now - timedelta(hours=1)
        for key, when in (("k1", old), ("k2", recent), ("k3", recent)):
            outbox.enqueue_delivery(session, a.id, key, ["m"], when, now=when)
        session.flush()
        outbox.mark_sent(session, _id(session, a.id, "k1"), old)
        outbox.mark_sent(session, _id(session, a.id, "k2"), recent)
        outbox.mark_failed(session, _id(session, a.id, "k3"), "BadRequest", recent)
        outbox.enqueue_delivery(session, gone.id, "k4", ["m"], now - timedelta(minutes=5),
                                now=now - timedelta(minutes=5))
        outbox.enqueue_delivery(session, gone.id, "k5", [], old, now=old, status=outbox.SKIPPED)


def _id(session, subscriber_id: int, key: str) -> int:
    return session.scalars(select(Delivery.id).where(
        Delivery.subscriber_id == subscriber_id, Delivery.briefing_key == key)).one()


async def test_metrics_match_the_database(fake_telegram, db_url, tmp_path) -> None:
    clock = Clock()
    async with serving(fake_telegram, db_url, tmp_path, clock=clock,
                       prepare=lambda ctx: _load_store(ctx, clock.now)) as (app, ctx, http):
        await _wait_for_tick(app)
        samples = await scrape(http)
        with ctx.sessions() as session:
            items = session.scalar(select(func.count()).select_from(Item))
            stories = session.scalar(select(func.count()).select_from(Story))

    def value(name: str, **labels: str) -> float:
        return samples[(name, frozenset(labels.items()))]

    assert items > 0 and value("briefbot_items") == items
    assert value("briefbot_stories") == stories
    assert value("briefbot_documents") == 2
    assert value("briefbot_subscribers") == 2
    assert value("briefbot_database_up") == 1
    assert {s: value("briefbot_deliveries", status=s)
            for s in outbox.STATUSES} == {"sent": 2, "failed": 1, "pending": 1, "skipped": 1}
    assert {s: value("briefbot_deliveries_24h", status=s)
            for s in outbox.STATUSES} == {"sent": 1, "failed": 1, "pending": 1, "skipped": 0}
    assert value("briefbot_outbox_depth") == 1
    assert value("briefbot_outbox_oldest_due_age_seconds") == pytest.approx(300)
    for name in ("briefbot_telegram_429_total", "briefbot_delivery_messages_sent_total"):
        assert (name, frozenset()) in samples


async def test_a_429_on_a_reply_is_counted(fake_telegram, tmp_path) -> None:
    db_url = f"sqlite:///{tmp_path / 'web.sqlite3'}"
    async with serving(fake_telegram, db_url, tmp_path) as (_app, _ctx, http):
        before = (await scrape(http))[("briefbot_telegram_429_total", frozenset())]
        fake_telegram.fail_next("sendMessage", 429, "Too Many Requests: retry after 1",
                                retry_after=1)
        assert await post_update(http, update_from(fake_telegram, CHAT, "/help")) == 200
        await fake_telegram.wait_for_messages(CHAT, 1)  # the reply, sent again after the 429

        async def counted() -> bool:
            samples = await scrape(http)
            return samples[("briefbot_telegram_429_total", frozenset())] == before + 1
        assert await eventually(counted)


# ---- who may read /healthz and /metrics --------------------------------------------------


async def test_only_allowed_networks_read_health_and_metrics_but_telegram_reaches_the_webhook(
        fake_telegram, tmp_path) -> None:
    db_url = f"sqlite:///{tmp_path / 'web.sqlite3'}"
    async with serving(fake_telegram, db_url, tmp_path,
                       metrics_allow="10.0.0.0/8") as (_app, _ctx, http):
        for path in ("/healthz", "/metrics"):
            async with http.get(path) as resp:
                assert resp.status == 403, path
                assert "briefbot" not in await resp.text()
        assert await post_update(http, update_from(fake_telegram, CHAT, "/help")) == 200
        [reply] = await fake_telegram.wait_for_messages(CHAT, 1)
        assert "/search grain deal" in reply["plain_text"]
    async with serving(fake_telegram, db_url, tmp_path, webhook=False,
                       metrics_allow="10.0.0.0/8, 127.0.0.1") as (_app, _ctx, http):
        for path in ("/healthz", "/metrics"):
            async with http.get(path) as resp:
                assert resp.status == 200, path


@pytest.mark.parametrize(("remote", "allowed"), [
    ("127.0.0.1", True), ("127.9.9.9", True), ("::1", True), ("::ffff:127.0.0.1", True),
    ("10.0.0.5", False), ("::ffff:10.0.0.5", False), ("2001:db8::1", False),
    ("fe80::1%eth0", False), (None, False), ("", False), ("not-an-ip", False),
])
def test_loopback_is_the_default_allow_list(remote, allowed) -> None:
    loopback = [ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128")]
    assert is_allowed(remote, loopback) is allowed


def test_a_zone_and_a_mapped_address_match_their_network() -> None:
    assert is_allowed("fe80::1%eth0", [ipaddress.ip_network("fe80::/10")])
    assert is_allowed("::ffff:10.0.0.5", [ipaddress.ip_network("10.0.0.0/8")])


# ---- briefbot healthcheck ----------------------------------------------------------------


def _port(http: aiohttp.ClientSession) -> int:
    return http._base_url.port  # the server's free port, which serving() connected to


def _healthcheck(monkeypatch, tmp_path, *args: str, **env: str) -> int:
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return main(["healthcheck", *args])


async def test_healthcheck_exits_0_when_healthy_and_1_with_a_reason_otherwise(
        fake_telegram, tmp_path, monkeypatch, capsys) -> None:
    clock = Clock()
    db_url = f"sqlite:///{tmp_path / 'web.sqlite3'}"
    async with serving(fake_telegram, db_url, tmp_path, webhook=False,
                       clock=clock) as (app, _ctx, http):
        await _wait_for_tick(app)
        port = _port(http)
        # As a container runs it: the address and port from the settings.
        status = await asyncio.to_thread(_healthcheck, monkeypatch, tmp_path,
                                         BRIEFBOT_WEB_PORT=str(port), BRIEFBOT_WEB_HOST="0.0.0.0")
        assert status == 0
        assert capsys.readouterr().out.startswith("ok: database ")
        clock.now += timedelta(minutes=5)  # the scheduler stopped ticking
        status = await asyncio.to_thread(_healthcheck, monkeypatch, tmp_path)
        assert status == 1
        [line] = capsys.readouterr().err.strip().splitlines()
        assert line.startswith("unhealthy (HTTP 503): scheduler has not ticked for 30")
    # Nobody listens any more.
    assert await asyncio.to_thread(_healthcheck, monkeypatch, tmp_path, "--timeout", "2") == 1
    [line] = capsys.readouterr().err.strip().splitlines()
    assert line == f"cannot reach http://127.0.0.1:{port}/healthz: Connection refused"


async def test_healthcheck_reports_a_refusal_and_a_dead_database(fake_telegram, tmp_path,
                                                                 monkeypatch, capsys) -> None:
    bad_url = "postgresql://nobody@127.0.0.1:1/x"
    async with serving(fake_telegram, bad_url, tmp_path, webhook=False,
                       metrics_allow="10.0.0.0/8") as (_app, _ctx, http):
        url = f"http://127.0.0.1:{_port(http)}/healthz"
        assert await asyncio.to_thread(_healthcheck, monkeypatch, tmp_path, "--url", url) == 1
        assert capsys.readouterr().err.strip() == (
            "refused (403): this address is not in BRIEFBOT_METRICS_ALLOW")
    async with serving(fake_telegram, bad_url, tmp_path, webhook=False) as (_app, _ctx, http):
        url = f"http://127.0.0.1:{_port(http)}/healthz"
        assert await asyncio.to_thread(_healthcheck, monkeypatch, tmp_path, "--url", url) == 1
        line = capsys.readouterr().err.strip()
        assert line.startswith("unhealthy (HTTP 503): database unreachable (")
        assert "nobody" not in line


def test_healthcheck_fails_with_1_on_bad_settings(tmp_path, monkeypatch, capsys) -> None:
    assert _healthcheck(monkeypatch, tmp_path, BRIEFBOT_WEB_PORT="x") == 1
    assert "BRIEFBOT_WEB_PORT" in capsys.readouterr().err
    assert _healthcheck(monkeypatch, tmp_path, BRIEFBOT_WEB_PORT="0") == 1
    assert "the HTTP server is off" in capsys.readouterr().err
