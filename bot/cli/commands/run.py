"""`briefbot run`: the Telegram bot process (long polling, or a webhook with a secret).

Both modes serve `GET /healthz` and `GET /metrics`: in webhook mode on the webhook's
`--port`, in polling mode on `--health-port` (0 turns the server off); both default to
BRIEFBOT_WEB_PORT, and the address `--listen` to BRIEFBOT_WEB_HOST (loopback). The webhook secret is
required rather than generated: several processes behind one proxy must share it, and a
random one per process would make each `setWebhook` lock the others out.
"""

from __future__ import annotations

import argparse
import logging
import re
from urllib.parse import urlparse

from sqlalchemy.exc import SQLAlchemyError

from bot.cli.commands.common import CliError
from bot.context import AppContext
from bot.settings import is_loopback

logger = logging.getLogger(__name__)

# Telegram accepts 1-256 characters A-Z, a-z, 0-9, _ and - as a webhook secret token.
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_RESERVED = ("/healthz", "/metrics")


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `run` subcommand."""
    run = sub.add_parser("run", help="run the Telegram bot (long polling unless --webhook-url)")
    run.add_argument("--webhook-url", help="public HTTPS URL Telegram posts updates to")
    run.add_argument("--webhook-secret",
                     help="secret token Telegram sends with each update (required with "
                          "--webhook-url; 1-256 of A-Z a-z 0-9 _ -)")
    run.add_argument("--listen", help="address for the HTTP server (default: BRIEFBOT_WEB_HOST, "
                                      "127.0.0.1)")
    run.add_argument("--port", type=int,
                     help="port for the webhook, /healthz and /metrics in webhook mode "
                          "(default: BRIEFBOT_WEB_PORT, 8080)")
    run.add_argument("--health-port", type=int,
                     help="port for /healthz and /metrics in polling mode, 0 = off "
                          "(default: BRIEFBOT_WEB_PORT, 8080)")
    run.set_defaults(handler=cmd_run)


def web_defaults(ctx: AppContext, args: argparse.Namespace) -> None:
    """Fill the address and ports not given on the command line from the settings."""
    for name, value in (("listen", ctx.settings.web_host), ("port", ctx.settings.web_port),
                        ("health_port", ctx.settings.web_port)):
        if getattr(args, name, None) is None:
            setattr(args, name, value)


def check_run_settings(ctx: AppContext, args: argparse.Namespace) -> None:
    """Raise CliError (one clear line) when the bot cannot start with these settings."""
    web_defaults(ctx, args)
    if not ctx.settings.token:
        raise CliError("TELEGRAM_BOT_TOKEN is not set: get a token from @BotFather and export it")
    if not re.fullmatch(r"\d+:[\w-]+", ctx.settings.token):
        raise CliError("TELEGRAM_BOT_TOKEN is malformed: expected '<digits>:<letters>'")
    _check_port("--health-port", args.health_port, allow_zero=True)
    if args.webhook_url is not None:
        check_webhook(args.webhook_url, args.webhook_secret)
        _check_port("--port", args.port, allow_zero=False)


def check_webhook(url: str, secret: str | None) -> None:
    """Raise CliError unless url is a usable webhook URL and secret a valid secret token."""
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise CliError(f"--webhook-url is not an http(s) URL: {url!r}")
    if parsed.scheme == "http" and not is_loopback(parsed.hostname):
        raise CliError("--webhook-url must use https (plain http only for a loopback host)")
    if (parsed.path.rstrip("/") or "/") in _RESERVED:
        raise CliError(f"--webhook-url path {parsed.path!r} is taken by the health endpoints")
    if not secret or not _SECRET.match(secret):
        # Never echo the secret itself: it would land in terminal scrollback and logs.
        raise CliError("--webhook-secret is required with --webhook-url "
                       "(1-256 characters: letters, digits, _ and -)")


def _check_port(option: str, port: int, *, allow_zero: bool) -> None:
    if not (0 if allow_zero else 1) <= port <= 65535:
        raise CliError(f"{option} must be {'0' if allow_zero else '1'}-65535, not {port}")


def serve_options(args: argparse.Namespace):
    """Translate the run arguments into ServeOptions."""
    from bot.web.run import ServeOptions

    if args.webhook_url is None:
        return ServeOptions(listen=args.listen, port=args.health_port or None)
    return ServeOptions(listen=args.listen, port=args.port, webhook_url=args.webhook_url,
                        webhook_path=urlparse(args.webhook_url).path or "/",
                        webhook_secret=args.webhook_secret)


def cmd_run(ctx: AppContext, args: argparse.Namespace) -> int:
    """Run the bot until interrupted."""
    check_run_settings(ctx, args)
    # telegram.ext and aiohttp are only needed to really run.
    from telegram.error import TelegramError

    from bot.app import build_application
    from bot.web.app import ListenError
    from bot.web.run import serve_forever

    _quiet_http_logs()
    redact_logs(ctx.settings.token, args.webhook_secret)
    try:
        ctx.engine  # noqa: B018 - open and upgrade the database now, not at the first update
    except SQLAlchemyError as exc:
        raise CliError(f"cannot open the database: {str(exc).splitlines()[0]}") from None
    try:
        serve_forever(build_application(ctx), serve_options(args))
    except ListenError as exc:
        raise CliError(str(exc)) from None
    except TelegramError as exc:
        raise CliError(_telegram_problem(exc, ctx)) from None
    return 0


def _telegram_problem(exc: Exception, ctx: AppContext) -> str:
    """Return one line saying why the Bot API stopped the start (never with the token)."""
    from telegram.error import InvalidToken, NetworkError

    if isinstance(exc, InvalidToken):  # its message quotes the token itself
        return "the Bot API rejected TELEGRAM_BOT_TOKEN: check it with @BotFather"
    if isinstance(exc, NetworkError):
        return f"cannot reach the Bot API at {ctx.settings.telegram_api_url}: {exc}"
    line = f"the Bot API refused to start the bot: {exc}"
    return line.replace(ctx.settings.token, "***") if ctx.settings.token else line


def _quiet_http_logs() -> None:
    # httpx logs every request URL at INFO, and Bot API URLs contain the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)


class _Redact(logging.Filter):
    """Replace secrets in every formatted log record with '***'."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = self._clean(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            # Formatters reuse exc_text, so the traceback is cleaned once, here.
            record.exc_text = self._clean(logging.Formatter().formatException(record.exc_info))
        return True

    def _clean(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text


def redact_logs(*secrets: str | None) -> None:
    """Keep these strings (bot token, webhook secret) out of everything the root logger writes."""
    kept = [s for s in secrets if s]
    for handler in logging.getLogger().handlers:
        handler.addFilter(_Redact(kept))
