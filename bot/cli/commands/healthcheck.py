"""`briefbot healthcheck`: exit 0 when the running bot's /healthz says ok, 1 otherwise.

For a container's health probe (docker-compose.yml, the Dockerfile): it asks the process over
HTTP, on BRIEFBOT_WEB_HOST/BRIEFBOT_WEB_PORT as `briefbot run` uses them, and prints one line.
Every failure, a settings problem included, exits 1: Docker reserves 2.
"""

from __future__ import annotations

import argparse
import sys

from bot.context import AppContext
from bot.web.probe import health_url, probe

UNHEALTHY = 1


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `healthcheck` subcommand."""
    check = sub.add_parser("healthcheck",
                           help="exit 0 when the running bot's /healthz answers ok, 1 otherwise")
    check.add_argument("--url", help="the /healthz URL (default: from BRIEFBOT_WEB_HOST and "
                                     "BRIEFBOT_WEB_PORT)")
    check.add_argument("--timeout", type=float, default=5.0, help="seconds to wait (default 5)")
    check.set_defaults(handler=cmd_healthcheck, error_status=UNHEALTHY)


def cmd_healthcheck(ctx: AppContext, args: argparse.Namespace) -> int:
    """Probe /healthz and print one line; return 0 when healthy."""
    if args.url is None and ctx.settings.web_port == 0:
        print("unhealthy: the HTTP server is off (BRIEFBOT_WEB_PORT=0)", file=sys.stderr)
        return UNHEALTHY
    url = args.url or health_url(ctx.settings.web_host, ctx.settings.web_port)
    result = probe(url, timeout=max(args.timeout, 0.1))
    print(result.reason, file=sys.stdout if result.healthy else sys.stderr)
    return 0 if result.healthy else UNHEALTHY
