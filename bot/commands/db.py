"""`briefbot db ...`: schema upgrades and maintenance."""

from __future__ import annotations

import argparse

from bot.context import AppContext
from storage.db import current_revision


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `db` subcommands."""
    db = sub.add_parser("db", help="database maintenance")
    actions = db.add_subparsers(dest="action", required=True, metavar="ACTION")
    upgrade = actions.add_parser("upgrade", help="upgrade the schema to the newest revision (idempotent)")
    upgrade.set_defaults(handler=cmd_upgrade)


def cmd_upgrade(ctx: AppContext, args: argparse.Namespace) -> int:
    """Upgrade the schema and print the revision reached."""
    engine = ctx.engine  # building the engine upgrades it
    print(f"database at revision {current_revision(engine)}")
    return 0
