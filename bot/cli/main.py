"""The `briefbot` command line: the same services the bot uses, without Telegram.

Each group of subcommands lives in a module of `bot.cli.commands` with a `register(subparsers)`
function that adds its parsers and sets `handler` on them; this module only dispatches.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from importlib.metadata import PackageNotFoundError, version

from bot.cli.commands import brief, db, documents, feeds, healthcheck, run, store
from bot.cli.commands.common import CliError
from bot.context import AppContext
from bot.settings import SettingsError, load_settings
from news.countries.lookup import UnknownCountryError
from storage.allocator import tune_allocator

logger = logging.getLogger(__name__)

# Every subcommand group, in the order `briefbot --help` lists them.
COMMAND_MODULES = (store, brief, documents, feeds, run, healthcheck, db)


def package_version() -> str:
    """Return briefbot's version from the installed package's metadata."""
    try:
        return version("briefbot")
    except PackageNotFoundError:  # running from a checkout that was never installed
        return "unknown (not installed)"


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every subcommand."""
    parser = argparse.ArgumentParser(prog="briefbot", description="News documents in, briefings out.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    parser.add_argument("--version", action="version", version=f"%(prog)s {package_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return the process exit status."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    tune_allocator()
    ctx: AppContext | None = None
    try:
        ctx = AppContext(load_settings())
        return args.handler(ctx, args)
    except (SettingsError, CliError, UnknownCountryError) as exc:
        print(f"briefbot: {exc}", file=sys.stderr)
        return getattr(args, "error_status", 2)  # `healthcheck` fails with 1, as Docker expects
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `briefbot ... | head` closed the pipe: not an error. Point stdout at devnull so the
        # interpreter's final flush does not complain either.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    finally:
        if ctx is not None:  # stop the ingest workers now, even after Ctrl-C
            ctx.close()


if __name__ == "__main__":
    sys.exit(main())
