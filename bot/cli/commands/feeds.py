"""`briefbot feeds add | list | remove | poll | import | export`: feeds as sources."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bot.cli import output as out
from bot.cli.commands.common import CliError
from bot.context import AppContext
from services.feed_poll import FAILED, NEW
from services.feeds import DEFAULT_INTERVAL, FeedRefused, parse_interval
from storage.records import FeedRecord


def register(sub: argparse._SubParsersAction) -> None:
    """Add the feeds subcommands."""
    feeds = sub.add_parser("feeds", help="RSS, Atom and JSON feeds as sources")
    cmds = feeds.add_subparsers(dest="feeds_command", required=True, metavar="ACTION")

    add = cmds.add_parser("add", help="add a feed, or the feed a site's page announces")
    add.add_argument("url")
    add.add_argument("--interval", type=_interval, default=DEFAULT_INTERVAL,
                     help="how often to poll: 90s, 15m, 2h, 1d (default 15m)")
    add.add_argument("--name", help="the publisher's name shown on its items")
    add.add_argument("--json", action="store_true")
    add.set_defaults(handler=cmd_add)

    listing = cmds.add_parser("list", help="every feed with its status")
    listing.add_argument("--json", action="store_true", help="one JSON object per feed")
    listing.set_defaults(handler=cmd_list)

    remove = cmds.add_parser("remove", help="remove a feed (what it loaded stays)")
    remove.add_argument("feed", help="feed id or URL")
    remove.set_defaults(handler=cmd_remove)

    poll = cmds.add_parser("poll", help="poll due feeds now (or the ones given, due or not)")
    poll.add_argument("ids", nargs="*", type=int, metavar="ID")
    poll.add_argument("--json", action="store_true", help="one JSON object per feed")
    poll.set_defaults(handler=cmd_poll)

    imp = cmds.add_parser("import", help="add the feeds an OPML file lists")
    imp.add_argument("file", type=Path)
    imp.add_argument("--json", action="store_true", help="one JSON object per feed")
    imp.set_defaults(handler=cmd_import)

    export = cmds.add_parser("export", help="print every feed as OPML")
    export.set_defaults(handler=cmd_export)


def _interval(text: str) -> int:
    try:
        return parse_interval(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def cmd_add(ctx: AppContext, args: argparse.Namespace) -> int:
    """Add a feed; a refused URL exits 2 with the reason."""
    try:
        added = asyncio.run(ctx.feeds.add_feed(args.url, name=args.name, interval=args.interval))
    except FeedRefused as exc:
        raise CliError(f"feed not added: {exc}") from None
    if args.json:
        out.print_json_lines([dict(feed_json(added.feed), created=added.created)])
        return 0
    found = f" (announced by {added.discovered_from})" if added.discovered_from else ""
    state = "added" if added.created else "already there"
    print(f"{state}: #{added.feed.id} {added.feed.url}{found}")
    return 0


def cmd_list(ctx: AppContext, args: argparse.Namespace) -> int:
    """List every feed and how its last polls went."""
    feeds = ctx.feeds.list_feeds()
    if args.json:
        out.print_json_lines([feed_json(f) for f in feeds])
    elif not feeds:
        print("no feeds: add one with `briefbot feeds add URL`")
    for feed in feeds if not args.json else []:
        print(feed_line(feed))
    return 0


def cmd_remove(ctx: AppContext, args: argparse.Namespace) -> int:
    """Remove a feed by id or URL."""
    feed = ctx.feeds.remove_feed(args.feed)
    if feed is None:
        raise CliError(f"no such feed: {args.feed[:200]}")
    print(f"removed: #{feed.id} {feed.url}")
    return 0


def cmd_poll(ctx: AppContext, args: argparse.Namespace) -> int:
    """Poll once: one line per feed; exit 1 when any failed."""
    unknown = [i for i in args.ids if ctx.feeds.find_feed(i) is None]
    if unknown:
        raise CliError(f"no such feed: {', '.join(map(str, unknown))}")
    results = asyncio.run(ctx.feeds.poll_feeds(args.ids or None))
    for result in results:
        if args.json:
            out.print_json_lines([result.as_json()])
            continue
        what = {NEW: f"new {result.items}", FAILED: f"failed: {result.error}"}
        print(f"#{result.id} {result.url}: {what.get(result.status, result.status)}")
        for problem in result.entry_errors:
            print(f"  entry failed: {problem}", file=sys.stderr)
    if not results and not args.json:
        print("no feed is due" if not args.ids else "those feeds are being polled right now")
    return 1 if any(r.status == FAILED for r in results) else 0


def cmd_import(ctx: AppContext, args: argparse.Namespace) -> int:
    """Add every feed of an OPML file; exit 1 when any was refused."""
    try:
        data = args.file.read_bytes()
        results = ctx.feeds.import_opml(data)
    except OSError as exc:
        raise CliError(f"cannot read {args.file}: {exc.strerror or exc}") from None
    except FeedRefused as exc:
        raise CliError(f"{args.file}: {exc}") from None
    for result in results:
        if args.json:
            out.print_json_lines([result.as_json()])
        else:
            print(f"{result.status}: {result.url}" + (f" ({result.error})" if result.error else ""))
    return 1 if any(r.status == "failed" for r in results) else 0


def cmd_export(ctx: AppContext, args: argparse.Namespace) -> int:
    """Print the feeds as OPML."""
    sys.stdout.write(ctx.feeds.export_opml().decode("utf-8"))
    return 0


def feed_json(feed: FeedRecord) -> dict:
    """Return the JSON shape of a feed that scripts rely on."""
    def stamp(value):
        return value.isoformat() if value else None
    return {"id": feed.id, "url": feed.url, "name": feed.name,
            "interval_seconds": feed.interval_seconds, "paused": feed.paused,
            "items": feed.items, "last_success": stamp(feed.last_success_at),
            "last_polled": stamp(feed.last_polled_at), "next_poll": stamp(feed.next_poll_at),
            "failures": feed.failures, "error": feed.last_error}


def feed_line(feed: FeedRecord) -> str:
    """Return one readable line about a feed."""
    if feed.paused:
        state = "paused"
    elif feed.last_error:
        state = f"failing ({feed.failures}x): {feed.last_error}"
    elif feed.last_success_at:
        state = f"ok, last {feed.last_success_at:%Y-%m-%d %H:%M} UTC"
    else:
        state = "not polled yet"
    name = f" {feed.name}" if feed.name else ""
    return f"#{feed.id}{name} <{feed.url}> every {feed.interval_seconds // 60} min, " \
           f"{feed.items} entries loaded, {state}"
