"""`briefbot brief daily | country | topic`: briefings on the command line."""

from __future__ import annotations

import argparse
import json
import logging

from bot.cli.commands.common import country_code, iso_date, positive_int
from bot.context import AppContext
from briefs.render import FORMATS
from briefs.types import Briefing
from services.briefings import Interests

logger = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `brief` subcommands."""
    brief = sub.add_parser("brief", help="build a briefing: daily, country or topic")
    kinds = brief.add_subparsers(dest="kind", required=True, metavar="KIND")

    daily = _with_output(kinds.add_parser("daily", help="the stories of one day, by country"))
    daily.add_argument("--date", type=iso_date, help="YYYY-MM-DD (default: today, or the newest day)")
    daily.add_argument("--country", action="append", default=[], help="ISO2, ISO3 or name; repeatable")
    daily.add_argument("--topic", action="append", default=[], help="a search query; repeatable")
    daily.set_defaults(handler=cmd_daily)

    country = _with_output(kinds.add_parser("country", help="the latest stories about one country"))
    country.add_argument("country", help="ISO2, ISO3 or name")
    country.add_argument("--days", type=positive_int, default=7, help="look back N days (default 7)")
    country.set_defaults(handler=cmd_country)

    topic = _with_output(kinds.add_parser("topic", help="stories matching a search query"))
    topic.add_argument("query", nargs="*", help='words, "a phrase", -excluded')
    topic.add_argument("--limit", type=positive_int, default=10)
    topic.set_defaults(handler=cmd_topic)


def _with_output(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("--format", choices=FORMATS, default="text", help="default: text")
    parser.add_argument("--json", action="store_true",
                        help="telegram: a JSON array of messages; others: a JSON object")
    return parser


def cmd_daily(ctx: AppContext, args: argparse.Namespace) -> int:
    """Print the daily briefing, optionally narrowed to countries and topics."""
    interests = Interests.of([country_code(c) for c in args.country], args.topic)
    return _show(ctx, ctx.briefings.daily(args.date, interests, ctx.default_tz), args)


def cmd_country(ctx: AppContext, args: argparse.Namespace) -> int:
    """Print the latest stories about one country."""
    return _show(ctx, ctx.briefings.country(country_code(args.country), args.days), args)


def cmd_topic(ctx: AppContext, args: argparse.Namespace) -> int:
    """Print the stories matching a query (a blank query gets a helpful note)."""
    return _show(ctx, ctx.briefings.topic(" ".join(args.query), args.limit), args)


def _show(ctx: AppContext, briefing: Briefing, args: argparse.Namespace) -> int:
    print(format_briefing(ctx, briefing, args.format, args.json))
    return 0


def format_briefing(ctx: AppContext, briefing: Briefing, fmt: str, as_json: bool) -> str:
    """Return what the CLI prints for a briefing in *fmt* (JSON when asked)."""
    if fmt == "telegram":
        messages = ctx.briefings.messages(briefing)
        if as_json:
            return json.dumps(messages, ensure_ascii=False)
        return "\n\n----- next message -----\n\n".join(messages)
    rendered = ctx.briefings.render(briefing, fmt)
    if not as_json:
        return rendered
    return json.dumps({"kind": briefing.kind, "title": briefing.title, "format": fmt,
                       "empty": briefing.is_empty, "text": rendered}, ensure_ascii=False)
