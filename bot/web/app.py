"""The bot's one HTTP server (aiohttp): the Telegram webhook, /healthz and /metrics.

In webhook mode Telegram POSTs each update to the webhook path with the secret token in the
`X-Telegram-Bot-Api-Secret-Token` header; the route checks it (403 on a mismatch), parses
the body (400 when it is not an update, however it is malformed) and puts the update on
`application.update_queue`, where PTB's own dispatcher picks it up. An update_id seen lately
is answered 200 but not handled again: Telegram (or whoever replays a captured request)
posting it twice must not run a command twice. In polling mode the same server runs without the
webhook route, for /healthz and /metrics only. Neither the secret nor the bot token is
ever logged or echoed in a response.

/healthz and /metrics answer only clients in BRIEFBOT_METRICS_ALLOW (loopback by default;
403 for others): they tell the world the store's size and the outbox's state. The webhook
route stays open to every address, since Telegram posts from its own networks, and checks
the secret instead. The client address is the TCP peer's: X-Forwarded-For is not trusted, so
behind a reverse proxy the proxy's address is the one to allow.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST
from telegram import Update
from telegram.ext import Application

from bot.web.health import health_report, mark_started
from bot.web.metrics import StoreCollector, render_metrics, scrape_registry

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_UPDATE_BYTES = 1024 * 1024  # updates are small JSON objects; refuse anything huge
APP_KEY = web.AppKey("application", Application)
RESERVED_PATHS = ("/healthz", "/metrics")
# How many recent update_ids are remembered against replays: Telegram redelivers an update
# only until it gets a 200, minutes at most, far fewer updates than this for one bot process.
RECENT_UPDATES = 10_000


@dataclass(frozen=True, slots=True)
class Webhook:
    """Where Telegram posts updates on this server, and the secret it must send."""

    path: str  # e.g. "/tg-7f3a"
    secret: str

    def __repr__(self) -> str:  # keep the secret out of logs and tracebacks
        return f"Webhook(path={self.path!r}, secret=***)"


def make_web_app(application: Application, webhook: Webhook | None = None) -> web.Application:
    """Build the aiohttp app: /healthz, /metrics and, with a webhook, its POST route."""
    app = web.Application(client_max_size=MAX_UPDATE_BYTES)
    app[APP_KEY] = application
    ctx = application.bot_data["ctx"]
    registry = scrape_registry(StoreCollector(lambda: ctx.sessions, ctx.clock))
    allowed = ctx.settings.metrics_allow
    app.router.add_get("/healthz", only_from(allowed, healthz))
    app.router.add_get("/metrics", only_from(allowed, _metrics_route(registry)))
    if webhook is not None:
        app.router.add_post(webhook.path, _webhook_route(webhook.secret))
    return app


def only_from(networks: Sequence[ipaddress.IPv4Network | ipaddress.IPv6Network], handler):
    """Wrap *handler* so that clients outside *networks* get 403."""

    async def guarded(request: web.Request) -> web.StreamResponse:
        if not is_allowed(request.remote, networks):
            logger.info("refused %s to %s: not in BRIEFBOT_METRICS_ALLOW", request.path,
                        request.remote)
            return web.json_response({"ok": False, "error": "forbidden"}, status=403)
        return await handler(request)

    return guarded


def is_allowed(remote: str | None, networks: Sequence[ipaddress.IPv4Network | ipaddress.IPv6Network],
               ) -> bool:
    """Tell whether the client address *remote* is inside one of *networks*."""
    try:
        address = ipaddress.ip_address((remote or "").split("%", 1)[0])  # drop an IPv6 zone
    except ValueError:  # no address (a Unix socket) or not an IP: nobody to allow
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # an IPv4 client of a dual-stack "::" socket
    return any(address in network for network in networks)


async def healthz(request: web.Request) -> web.Response:
    """Answer 200 with the health report when healthy, 503 with it otherwise."""
    healthy, report = await health_report(request.app[APP_KEY])
    return web.json_response(report, status=200 if healthy else 503)


def _metrics_route(registry):
    async def metrics(request: web.Request) -> web.Response:
        body = await render_metrics(registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    return metrics


class RecentIds:
    """The last *size* update ids handled, to answer a repeated one without handling it."""

    def __init__(self, size: int = RECENT_UPDATES) -> None:
        self._ids: OrderedDict[int, None] = OrderedDict()
        self._size = size

    def first_time(self, update_id: int) -> bool:
        """Remember *update_id*; tell whether it was new."""
        if update_id in self._ids:
            return False
        self._ids[update_id] = None
        if len(self._ids) > self._size:
            self._ids.popitem(last=False)
        return True


def _webhook_route(secret: str):
    expected = secret.encode()
    recent = RecentIds()

    async def webhook(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):  # constant time: no guessing by timing
            logger.warning("webhook: refused an update with a wrong or missing secret token")
            return web.json_response({"ok": False, "error": "forbidden"}, status=403)
        application = request.app[APP_KEY]
        update = await _read_update(request, application)
        if update is None:
            return web.json_response({"ok": False, "error": "not a Telegram update"},
                                     status=400)
        if not recent.first_time(update.update_id):
            logger.info("webhook: update %d came again; not handled twice", update.update_id)
            return web.json_response({"ok": True})
        await application.update_queue.put(update)
        return web.json_response({"ok": True})

    return webhook


async def _read_update(request: web.Request, application: Application) -> Update | None:
    """Return the body as an Update, or None when it is not one."""
    try:
        data = json.loads(await request.read())
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nested too deep
        return None
    if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
        return None
    try:
        return Update.de_json(data, application.bot)
    except (KeyError, TypeError, ValueError, AttributeError, RecursionError):
        logger.warning("webhook: body has an update_id but is not a valid update")
        return None


class ListenError(Exception):
    """The HTTP server could not bind its address; the message is one readable line."""


class WebServer:
    """Run make_web_app on an address; `port` is the bound one (useful with port 0)."""

    def __init__(self, application: Application, webhook: Webhook | None = None) -> None:
        self.application = application
        self.webhook = webhook
        self.port = 0
        self._runner: web.AppRunner | None = None

    async def start(self, listen: str, port: int) -> int:
        """Listen on listen:port (0 picks a free port); return the bound port."""
        mark_started(self.application)
        self._runner = web.AppRunner(make_web_app(self.application, self.webhook),
                                     access_log=None, shutdown_timeout=2)
        await self._runner.setup()
        try:
            await web.TCPSite(self._runner, listen, port).start()
        except OSError as exc:
            await self.stop()
            raise ListenError(f"cannot listen on {listen}:{port}: {exc.strerror or exc}") from None
        self.port = self._runner.addresses[0][1]
        logger.info("HTTP server on %s:%d (%s)", listen, self.port,
                    "webhook, /healthz, /metrics" if self.webhook else "/healthz, /metrics")
        return self.port

    async def stop(self) -> None:
        """Stop listening and finish in-flight requests."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
