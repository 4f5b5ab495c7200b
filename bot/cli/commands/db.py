"""`briefbot db ...`: schema upgrades, the current revision, copying a database, refreshing terms."""

from __future__ import annotations

import argparse
import logging

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from bot.cli.commands.common import CliError, positive_int
from bot.context import AppContext
from services.maintenance import refresh_event_terms
from storage.copy import DEFAULT_BATCH, CopyError, copy_database, head_revision
from storage.db import current_revision, make_engine, normalize_url

logger = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `db` subcommands."""
    db = sub.add_parser("db", help="database maintenance")
    actions = db.add_subparsers(dest="action", required=True, metavar="ACTION")
    upgrade = actions.add_parser("upgrade", help="upgrade the schema to the newest revision (idempotent)")
    upgrade.set_defaults(handler=cmd_upgrade)
    revision = actions.add_parser(
        "revision", help="print the schema revision; exit 1 when it is not the newest"
    )
    revision.set_defaults(handler=cmd_revision)
    copy = actions.add_parser("copy", help="copy every row of one database into another")
    copy.add_argument("source_url", metavar="SOURCE_URL", help="e.g. sqlite:///data/briefbot.sqlite3")
    copy.add_argument("target_url", metavar="TARGET_URL", help="e.g. postgresql://user:pw@host/db")
    copy.add_argument("--force", action="store_true", help="replace the data of a non-empty target")
    copy.add_argument("--batch-size", type=positive_int, default=DEFAULT_BATCH, help="rows per insert")
    copy.set_defaults(handler=cmd_copy)
    refresh = actions.add_parser(
        "refresh-terms",
        help="compute every item's story-matching terms again, after an upgrade (restart a running bot after)",
    )
    refresh.set_defaults(handler=cmd_refresh_terms)


def cmd_upgrade(ctx: AppContext, args: argparse.Namespace) -> int:
    """Upgrade the schema and print the revision reached."""
    try:
        engine = ctx.engine  # building the engine upgrades it
        print(f"database at revision {current_revision(engine)}")
    except SQLAlchemyError as exc:
        raise CliError(_db_problem(ctx.settings.db_url, exc)) from None
    return 0


def cmd_revision(ctx: AppContext, args: argparse.Namespace) -> int:
    """Print the database's revision without changing it; exit 1 unless it is the newest."""
    engine = _open(ctx.settings.db_url, "database")
    try:
        revision = current_revision(engine)
    except SQLAlchemyError as exc:
        raise CliError(_db_problem(ctx.settings.db_url, exc)) from None
    finally:
        engine.dispose()
    head = head_revision()
    if revision == head:
        print(f"database at revision {revision} (newest)")
        return 0
    print(f"database at revision {revision or 'none (empty)'}, newest is {head}: "
          "run `briefbot db upgrade`")
    return 1


def cmd_refresh_terms(ctx: AppContext, args: argparse.Namespace) -> int:
    """Compute every stored item's event terms again and say how many."""
    try:
        count = refresh_event_terms(ctx.sessions)
    except SQLAlchemyError as exc:
        raise CliError(_db_problem(ctx.settings.db_url, exc)) from None
    print(f"event terms refreshed for {count} items; stories formed from now on use them")
    return 0


def cmd_copy(ctx: AppContext, args: argparse.Namespace) -> int:
    """Copy SOURCE_URL into TARGET_URL, upgrading the target first."""
    if _same_database(args.source_url, args.target_url):
        raise CliError("source and target are the same database")
    source = _open(args.source_url, "source")
    target = _open(args.target_url, "target")
    try:
        report = copy_database(source, target, force=args.force, batch_size=args.batch_size,
                               progress=lambda name, n: print(f"{name}: {n} rows"))
    except CopyError as exc:
        raise CliError(str(exc)) from None
    except SQLAlchemyError as exc:
        raise CliError(f"copy failed, target left unchanged: {_db_problem(None, exc)}") from None
    finally:
        source.dispose()
        target.dispose()
    print(f"copied {report.total} rows into {_safe(args.target_url)} "
          f"(revision {report.revision})")
    return 0


def _open(url: str, role: str) -> Engine:
    try:
        return make_engine(url)
    except (ArgumentError, ValueError) as exc:
        raise CliError(f"{role} URL is not a database URL: {exc}") from None
    except ImportError as exc:
        raise CliError(f"{role} URL needs a driver that is not installed: {exc.name}") from None


def _same_database(a: str, b: str) -> bool:
    try:
        return make_url(normalize_url(a)) == make_url(normalize_url(b))
    except ArgumentError:
        return False


def _safe(url: str | None) -> str:
    if not url:
        return "the database"
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "the database"


def _db_problem(url: str | None, exc: SQLAlchemyError) -> str:
    # The driver's first line says what went wrong (refused, auth, no such database)
    # without a traceback; the URL is shown with its password hidden.
    detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
    where = f"{_safe(url)}: " if url else ""
    return f"{where}{detail}"
