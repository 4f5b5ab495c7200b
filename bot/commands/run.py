"""`briefbot run`: the Telegram bot process (long polling, or a webhook with a secret)."""

from __future__ import annotations

import argparse
import logging
import re
from urllib.parse import urlparse

from sqlalchemy.exc import SQLAlchemyError
from telegram import Update

from bot.commands.common import CliError
from bot.context import AppContext

logger = logging.getLogger(__name__)

# Telegram accepts 1-256 characters A-Z, a-z, 0-9, _ and - as a webhook secret token.
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `run` subcommand."""
    run = sub.add_parser("run", help="run the Telegram bot (long polling unless --webhook-url)")
    run.add_argument("--webhook-url", help="public HTTPS URL Telegram posts updates to")
    run.add_argument("--webhook-secret", help="secret token Telegram sends with each update")
    run.add_argument("--listen", default="0.0.0.0", help="address for the webhook server")
    run.add_argument("--port", type=int, default=8080, help="port for the webhook server")
    run.set_defaults(handler=cmd_run)


def check_run_settings(ctx: AppContext, args: argparse.Namespace) -> None:
    """Raise CliError (one clear line) when the bot cannot start with these settings."""
    if not ctx.settings.token:
        raise CliError("TELEGRAM_BOT_TOKEN is not set: get a token from @BotFather and export it")
    if not re.fullmatch(r"\d+:[\w-]+", ctx.settings.token):
        raise CliError("TELEGRAM_BOT_TOKEN is malformed: expected '<digits>:<letters>'")
    if args.webhook_url is None:
        return
    if urlparse(args.webhook_url).scheme not in ("http", "https") or not urlparse(
            args.webhook_url).netloc:
        raise CliError(f"--webhook-url is not an http(s) URL: {args.webhook_url!r}")
    if not args.webhook_secret or not _SECRET.match(args.webhook_secret):
        raise CliError("--webhook-secret is required with --webhook-url "
                       "(1-256 characters: letters, digits, _ and -)")


def cmd_run(ctx: AppContext, args: argparse.Namespace) -> int:
    """Run the bot until interrupted."""
    check_run_settings(ctx, args)
    from bot.app import build_application  # telegram.ext is only needed to really run

    try:
        ctx.engine  # noqa: B018 - open and upgrade the database now, not at the first update
    except SQLAlchemyError as exc:
        raise CliError(f"cannot open the database: {str(exc).splitlines()[0]}") from None
    application = build_application(ctx)
    if args.webhook_url:
        path = urlparse(args.webhook_url).path.lstrip("/")
        application.run_webhook(listen=args.listen, port=args.port, url_path=path,
                                webhook_url=args.webhook_url, secret_token=args.webhook_secret,
                                allowed_updates=Update.ALL_TYPES)
    else:
        application.run_polling(poll_interval=0, allowed_updates=Update.ALL_TYPES)
    return 0
