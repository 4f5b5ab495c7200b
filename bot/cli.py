"""The `briefbot` command line: the same services the bot uses, without Telegram."""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import date
from pathlib import Path

from bot import cli_output as out
from bot.context import AppContext
from bot.settings import SettingsError, load_settings
from storage.ingest.countries import UnknownCountryError, resolve_country
from storage.ingest.pipeline import IngestResult, iter_files
from storage.query import parse_query
from storage.repositories.items import items_by_ids, newest_items
from storage.repositories.search import search_items

logger = logging.getLogger(__name__)
SAMPLES_DIR = Path(__file__).resolve().parent.parent / "samples"


class CliError(Exception):
    """A problem to report on one line, with exit status 2."""


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"not a positive number: {text!r}")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every subcommand."""
    parser = argparse.ArgumentParser(prog="briefbot", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    sub = parser.add_subparsers(dest="command", required=True)

    ingest = sub.add_parser("ingest", help="load files or folders (recursively)")
    ingest.add_argument("paths", nargs="+", type=Path)
    ingest.add_argument("--json", action="store_true", help="one JSON object per file")

    for name, help_ in (("items", "list items, newest first"), ("latest", "the newest items")):
        p = sub.add_parser(name, help=help_)
        p.add_argument("--country", help="ISO2, ISO3 or name")
        p.add_argument("--limit", type=_positive, default=20)
        p.add_argument("--json", action="store_true")
        if name == "items":
            p.add_argument("--since", type=_date, help="YYYY-MM-DD")

    search = sub.add_parser("search", help="full-text search, ranked")
    search.add_argument("query", nargs="+")
    search.add_argument("--country")
    search.add_argument("--limit", type=_positive, default=10)
    search.add_argument("--json", action="store_true")

    db = sub.add_parser("db", help="database maintenance")
    db.add_argument("action", choices=["upgrade", "revision"])

    sub.add_parser("demo", help="load the bundled samples and show what they hold")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return the process exit status."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        ctx = AppContext(load_settings())
        return COMMANDS[args.command](ctx, args)
    except (SettingsError, CliError) as exc:
        print(f"briefbot: {exc}", file=sys.stderr)
        return 2
    except UnknownCountryError as exc:
        print(f"briefbot: {exc}", file=sys.stderr)
        return 2


def _country(text: str | None) -> str | None:
    return resolve_country(text) if text else None


def cmd_ingest(ctx: AppContext, args: argparse.Namespace) -> int:
    """Load every file under the given paths; exit 1 when any failed."""
    results = []
    files = list(iter_files(args.paths))
    progress = sys.stderr.isatty() and not args.json and len(files) > 20
    for n, (path, error) in enumerate(files, 1):
        if error:
            result = IngestResult(str(path), "failed", error=error)
        else:
            result = ctx.ingestor.ingest_path(path)
        results.append(result)
        if progress:
            sys.stderr.write(f"\r[{n}/{len(files)}] {n * 100 // len(files)}%")
        if args.json:
            out.print_json_lines([result.as_json()])
        elif not progress or result.status == "failed":
            print(out.ingest_line(result))
    if progress:
        sys.stderr.write("\n")
    if not args.json:
        print(out.ingest_summary(results))
    return 1 if any(r.status == "failed" for r in results) else 0


def cmd_items(ctx: AppContext, args: argparse.Namespace) -> int:
    """List items newest first."""
    country = _country(args.country)
    with ctx.sessions() as session:
        items = newest_items(session, country=country, since=getattr(args, "since", None),
                             limit=args.limit)
        if args.json:
            out.print_json_lines([out.item_json(i) for i in items])
        else:
            out.print_items(items)
    return 0


def cmd_search(ctx: AppContext, args: argparse.Namespace) -> int:
    """Search items and print the ranked matches with snippets."""
    query = parse_query(" ".join(args.query))
    if query.is_empty:
        raise CliError("nothing to search for: give at least one word (quotes and -word are fine)")
    country = _country(args.country)
    with ctx.sessions() as session:
        hits = search_items(session, query, country=country, limit=args.limit)
        items = items_by_ids(session, [h.item_id for h in hits])
        if args.json:
            out.print_json_lines([out.item_json(items[h.item_id], h.snippet, h.score) for h in hits])
        else:
            out.print_items([items[h.item_id] for h in hits], snippets={h.item_id: h.snippet for h in hits})
    return 0


def cmd_db(ctx: AppContext, args: argparse.Namespace) -> int:
    """Upgrade the schema (idempotent) or show its revision."""
    from storage.db import current_revision

    engine = ctx.engine  # building the engine upgrades it
    print(f"database at revision {current_revision(engine)}")
    return 0


def cmd_demo(ctx: AppContext, args: argparse.Namespace) -> int:
    """Load the bundled samples, then show the newest items."""
    status = cmd_ingest(ctx, argparse.Namespace(paths=[SAMPLES_DIR], json=False))
    print()
    cmd_items(ctx, argparse.Namespace(country=None, since=None, limit=10, json=False))
    return status


COMMANDS = {
    "ingest": cmd_ingest,
    "items": cmd_items,
    "latest": cmd_items,
    "search": cmd_search,
    "db": cmd_db,
    "demo": cmd_demo,
}

if __name__ == "__main__":
    sys.exit(main())
