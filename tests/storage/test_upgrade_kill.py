"""A schema upgrade killed at any statement leaves the database at a whole revision, and the next
`briefbot db upgrade` completes: each migration and its version stamp commit together.

`briefbot db upgrade` runs in a forked child that SIGKILLs itself right after its Nth SQL
statement, for N = 1, 2, ... until a run gets through (from an empty database: until the first
migration is in); each run starts from its own copy of one small database (SQLite: a file copy;
PostgreSQL: a template database). The seeded database holds items and subscribers with their
subscriptions and deliveries, which every kill and the next upgrade must keep (0011 rebuilds
subscribers on SQLite, keeping its children in temporary tables meanwhile).
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import signal
import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import time
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, MetaData, event, inspect, text
from sqlalchemy.engine import make_url

from bot.cli.main import main
from storage.db import MIGRATIONS_DIR, current_revision, make_engine, upgrade
from tests.conftest import _postgres_admin_engine, new_postgres_database
from tests.storage.test_migrations import (
    LOADED,
    _insert_known_columns,
    _search_ids,
    _seed_previous_revision,
)

KILLED = -signal.SIGKILL  # the child's exit status when the hook killed it
SUBSCRIBER_TABLES = ["subscribers", "subscriptions", "deliveries"]


def _revisions() -> list[str | None]:
    """Return None (empty) and every revision, oldest first."""
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    return [None] + [r.revision for r in reversed(list(script.walk_revisions()))]


def schema_of(engine: Engine) -> dict[str, object]:
    """Return what makes up the schema: tables, their columns and indexes (and SQLite's triggers)."""
    engine.dispose()  # no cached inspection
    with engine.connect() as conn:
        insp = inspect(conn)
        schema: dict[str, object] = {
            table: (sorted(c["name"] for c in insp.get_columns(table)),
                    sorted(str(i["name"]) for i in insp.get_indexes(table)))
            for table in sorted(insp.get_table_names())
        }
        if conn.dialect.name == "sqlite":  # triggers keep the FTS5 and band-key indexes in step
            schema["triggers"] = sorted(conn.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'trigger'").scalars())
    return schema


def upgrade_killed_after(url: str, n: int) -> int:
    """Run `briefbot db upgrade` in a child killed right after its *n*th statement; return its status."""
    pid = os.fork()
    if pid == 0:  # the child never returns into pytest
        status = 99
        try:
            executed = iter(range(1, n + 1))

            def die_after_nth(*_args) -> None:
                if next(executed, n) == n:
                    os.kill(os.getpid(), signal.SIGKILL)  # no rollback, no cleanup: a real kill

            event.listen(Engine, "after_cursor_execute", die_after_nth)
            os.environ["BRIEFBOT_DATABASE_URL"] = url
            with contextlib.redirect_stdout(io.StringIO()):
                status = main(["db", "upgrade"])
        finally:
            os._exit(status)
    _, wait_status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(wait_status)


class SQLiteCopies:
    """Copies of one SQLite file, each a fresh database at the starting point."""

    def __init__(self, tmp_path: Path) -> None:
        self.base = tmp_path / "base.sqlite3"
        self._tmp = tmp_path

    @property
    def base_url(self) -> str:
        """Return the URL of the database to prepare."""
        return f"sqlite:///{self.base}"

    @contextlib.contextmanager
    def copy(self) -> Iterator[str]:
        """Yield the URL of a fresh copy of the prepared database."""
        path = self._tmp / "run.sqlite3"
        for stale in self._tmp.glob("run.sqlite3*"):
            stale.unlink()
        shutil.copyfile(self.base, path)
        yield f"sqlite:///{path}"


class PostgresCopies:
    """Databases made from one template database."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self._admin = _postgres_admin_engine()

    @contextlib.contextmanager
    def copy(self) -> Iterator[str]:
        """Yield the URL of a new database made from the prepared one, dropped afterwards."""
        name = f"briefbot_kill_{uuid.uuid4().hex[:10]}"
        template = make_url(self.base_url).database
        with self._admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
        try:
            yield make_url(self.base_url).set(database=name).render_as_string(hide_password=False)
        finally:
            with self._admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextlib.contextmanager
def database_copies(backend: str, tmp_path: Path) -> Iterator[SQLiteCopies | PostgresCopies]:
    """Yield a maker of fresh copies of one database (skip PostgreSQL when unreachable)."""
    if backend == "sqlite":
        yield SQLiteCopies(tmp_path)
        return
    with new_postgres_database("briefbot_killbase") as url:
        yield PostgresCopies(url)


def _seed_subscribers(engine: Engine) -> None:
    """Store a private chat and a group subscriber, their subscriptions and two deliveries."""
    meta = MetaData()
    meta.reflect(engine, only=SUBSCRIBER_TABLES)
    t = meta.tables
    with engine.begin() as conn:
        _insert_known_columns(conn, t["subscribers"], [dict(
            id=n, chat_id=chat_id, username=None, timezone=zone, delivery_time=at, active=True,
            created_at=LOADED, last_briefed_at=None) for n, chat_id, zone, at in (
                (1, 5550001, "Europe/Berlin", time(7, 30)), (2, -4001, "UTC", time(8, 0)))])
        _insert_known_columns(conn, t["subscriptions"], [
            dict(id=1, subscriber_id=1, kind="daily", value="", created_at=LOADED),
            dict(id=2, subscriber_id=1, kind="country", value="IN", created_at=LOADED),
            dict(id=3, subscriber_id=2, kind="topic", value="grain deal", created_at=LOADED)])
        _insert_known_columns(conn, t["deliveries"], [dict(
            id=n, subscriber_id=n, briefing_key=f"daily:2025-03-0{n}", status=status,
            messages='["<b>Briefing</b>"]', sent_count=sent, sent_message_ids="[]", attempts=sent,
            last_error=None, due_at=LOADED, next_attempt_at=None, created_at=LOADED,
            finished_at=LOADED if sent else None)
            for n, status, sent in ((1, "sent", 1), (2, "pending", 0))])


def _seed(engine: Engine) -> None:
    _seed_previous_revision(engine)
    _seed_subscribers(engine)


def _subscriber_rows(engine: Engine, columns: dict[str, list[str]]) -> dict[str, list[tuple]]:
    """Return the rows of the subscriber tables, in the columns given (plain SQL: no reflection
    at every kill)."""
    with engine.connect() as conn:
        return {name: [tuple(row) for row in conn.execute(text(
                    f"SELECT {', '.join(names)} FROM {name} ORDER BY id"))]
                for name, names in columns.items()}


def _assert_subscribers_kept(engine: Engine, before: dict[str, list[tuple]],
                             columns: dict[str, list[str]], n: int) -> None:
    """Check the seeded subscribers' rows are all there, with the values they had."""
    after = _subscriber_rows(engine, columns)
    for name in SUBSCRIBER_TABLES:
        assert after[name] == before[name], f"statement {n}: {name}"
    with engine.connect() as conn:
        chats = conn.execute(text(
            "SELECT chat_id, thread_id, chat_kind FROM subscribers ORDER BY id")).all()
    assert [tuple(c) for c in chats] == [(5550001, 0, "private"), (-4001, 0, "group")], n


def _prepare(url: str, start: str | None, seed: Callable[[Engine], None] | None) -> None:
    engine = make_engine(url)
    with engine.connect():  # an empty database exists (a SQLite file is created)
        pass
    if start is not None:
        upgrade(engine, start)
    if seed is not None:
        seed(engine)
    engine.dispose()


def _schemas_by_revision(copies, start: str | None) -> dict[str | None, dict]:
    """Return the schema a clean upgrade gives at every revision from *start* on."""
    revisions = _revisions()
    schemas = {}
    with copies.copy() as url:
        engine = make_engine(url)
        for revision in revisions[revisions.index(start):]:
            if revision is not None:
                upgrade(engine, revision)
            schemas[revision] = schema_of(engine)
        engine.dispose()
    return schemas


# From an empty database until 0001 is in; from 0001 with rows to head, so the migrations that
# rewrite stored data (index rebuilds, band keys) run over rows. PostgreSQL rolls DDL back by
# itself; its case checks that the per-migration transactions stamp what they did.
@pytest.mark.parametrize(("backend", "start", "until"), [
    ("sqlite", None, "0001"), ("sqlite", "0001", None), ("postgresql", "0001", None),
], ids=["sqlite-empty", "sqlite-seeded-0001", "postgresql-seeded-0001"])
def test_upgrade_killed_at_any_statement_leaves_a_whole_revision(backend, start, until, tmp_path):
    with database_copies(backend, tmp_path) as copies:
        _killed_at_every_statement(copies, start, until)


def _killed_at_every_statement(copies, start: str | None, until: str | None) -> None:
    """Kill the upgrade from *start* after each statement in turn, until a kill leaves *until*
    (None: until the upgrade gets through), checking the database after each kill."""
    seeded = start is not None
    _prepare(copies.base_url, start, _seed if seeded else None)
    schemas = _schemas_by_revision(copies, start)
    if seeded:
        with copies.copy() as url:
            engine = make_engine(url)
            columns = {name: [c["name"] for c in inspect(engine).get_columns(name)]
                       for name in SUBSCRIBER_TABLES}
            subscribers = _subscriber_rows(engine, columns)
            engine.dispose()
    head = _revisions()[-1]

    kills, reached = 0, set()
    for n in range(1, 1000):
        with copies.copy() as url:
            status = upgrade_killed_after(url, n)
            engine = make_engine(url)
            try:
                if status == 0:  # got through: every statement had its turn
                    assert current_revision(engine) == head and until is None
                    break
                assert status == KILLED, f"statement {n}: the upgrade failed ({status})"
                kills += 1
                revision = current_revision(engine)
                reached.add(revision)
                assert schema_of(engine) == schemas[revision], f"statement {n}: not {revision}"

                upgrade(engine)  # what the next command does

                assert current_revision(engine) == head, f"statement {n}"
                assert schema_of(engine) == schemas[head], f"statement {n}"
                if seeded:  # the stored items and subscribers survived; items are searchable
                    assert _search_ids(engine, "sorghum") == {1, 3}, f"statement {n}"
                    _assert_subscribers_kept(engine, subscribers, columns, n)
            finally:
                engine.dispose()
        if until is not None and until in reached:
            break
    else:
        pytest.fail("the upgrade never got through")
    # Every migration on the way was cut part-way (several statements each).
    wanted = list(schemas)[:list(schemas).index(until)] if until else list(schemas)[:-1]
    assert set(wanted) <= reached and kills > 2 * len(wanted)


def test_upgrade_at_head_does_not_wait_for_a_writer(tmp_path):
    # Every command upgrades at start; migrations take SQLite's write lock at BEGIN, so a
    # database already at head must not wait for an ingest's write transaction (30 s).
    url = f"sqlite:///{tmp_path / 'head.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    writer = make_engine(url)
    with writer.connect() as conn:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        done = threading.Event()
        starting = threading.Thread(target=lambda: (upgrade(make_engine(url)), done.set()))
        starting.start()
        finished = done.wait(timeout=5)
        conn.exec_driver_sql("ROLLBACK")
    starting.join()
    engine.dispose()
    writer.dispose()
    assert finished
