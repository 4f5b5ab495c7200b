"""`briefbot ingest | items | latest | search | demo`: the store on the command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.cli import output as out
from bot.cli.commands.common import CliError, country_code, iso_date, positive_int
from bot.context import AppContext
from services import news
from storage.ingest.files import iter_files
from storage.ingest.pipeline import IngestResult
from storage.query import SearchTimeout

SAMPLES_DIR = Path(__file__).resolve().parents[3] / "samples"
PROGRESS_MIN_FILES = 20


def register(sub: argparse._SubParsersAction) -> None:
    """Add the store subcommands."""
    ingest = sub.add_parser("ingest", help="load files or folders (recursively)")
    ingest.add_argument("paths", nargs="+", type=Path)
    ingest.add_argument("--json", action="store_true", help="one JSON object per file")
    ingest.set_defaults(handler=cmd_ingest)

    for name, help_ in (("items", "list items, newest first"), ("latest", "the newest items")):
        p = sub.add_parser(name, help=help_)
        p.add_argument("--country", help="ISO2, ISO3 or name")
        p.add_argument("--limit", type=positive_int, default=20 if name == "items" else 10)
        p.add_argument("--json", action="store_true", help="one JSON object per item")
        if name == "items":
            p.add_argument("--since", type=iso_date, help="YYYY-MM-DD")
        p.set_defaults(handler=cmd_items)

    search = sub.add_parser("search", help="full-text search, ranked, with snippets")
    search.add_argument("query", nargs="+")
    search.add_argument("--country", help="ISO2, ISO3 or name")
    search.add_argument("--limit", type=positive_int, default=10)
    search.add_argument("--json", action="store_true", help="one JSON object per match")
    search.set_defaults(handler=cmd_search)

    demo = sub.add_parser("demo", help="load the bundled samples and show what they hold")
    demo.set_defaults(handler=cmd_demo)


def cmd_ingest(ctx: AppContext, args: argparse.Namespace) -> int:
    """Load every file under the given paths; exit 1 when any failed."""
    files = list(iter_files(args.paths))
    progress = sys.stderr.isatty() and not args.json and len(files) >= PROGRESS_MIN_FILES
    results: list[IngestResult] = []
    # Results arrive a batch at a time, once the batch is committed.
    for n, result in enumerate(ctx.ingestor.ingest_paths(files), 1):
        results.append(result)
        if args.json:
            out.print_json_lines([result.as_json()])
        elif not progress or result.status == "failed":
            print(("\r" if progress else "") + out.ingest_line(result))
        if progress:
            sys.stderr.write(out.progress_bar(n, len(files)))
    if progress:
        sys.stderr.write("\n")
    if not args.json:
        print(out.ingest_summary(results))
    return 1 if any(r.status == "failed" for r in results) else 0


def cmd_items(ctx: AppContext, args: argparse.Namespace) -> int:
    """List items newest first (`items` and `latest`: the bot's /latest, item by item)."""
    items = news.latest_items(ctx.sessions, country_code(args.country),
                              since=getattr(args, "since", None), limit=args.limit)
    if args.json:
        out.print_json_lines([out.item_json(i) for i in items])
    else:
        out.print_items(items)
    return 0


def cmd_search(ctx: AppContext, args: argparse.Namespace) -> int:
    """Search items and print the ranked matches with snippets (the bot's /search)."""
    query = " ".join(args.query)
    if news.is_blank_query(query):
        raise CliError("nothing to search for: give at least one word (quotes and -word are fine)")
    if news.is_shortened_query(query):
        print("briefbot: a long query: only its first words are searched for", file=sys.stderr)
    try:
        found = news.find_items(ctx.sessions, query, country_code(args.country), limit=args.limit)
    except SearchTimeout:
        raise CliError("the search took too long and was stopped: try fewer or more specific "
                       "words") from None
    if args.json:
        out.print_json_lines([out.found_json(f) for f in found])
    else:
        out.print_items([f.item for f in found], snippets={f.item.id: f.snippet for f in found})
    return 0


def cmd_demo(ctx: AppContext, args: argparse.Namespace) -> int:
    """Load the bundled samples, show the newest items, then the newest day's daily briefing."""
    status = cmd_ingest(ctx, argparse.Namespace(paths=[SAMPLES_DIR], json=False))
    print()
    cmd_items(ctx, argparse.Namespace(country=None, since=None, limit=10, json=False))
    print()
    print(ctx.briefings.render(ctx.briefings.daily(tz=ctx.default_tz), "text"))
    return status
