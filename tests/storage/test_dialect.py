"""storage.dialect: the one place that knows SQLite from PostgreSQL."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from storage.dialect import PostgreSQL, SQLite, dialect_for_url, dialect_of
from storage.repositories.coordination import scheduler_lock
from tests.paths import ROOT

PACKAGES = ("storage", "bot", "services", "briefs", "news")
# The dialect module itself; db.py picks the psycopg driver for plain PostgreSQL URLs; the
# migrations are frozen history and branch for themselves.
ALLOWED = ("storage/dialect.py", "storage/db.py", "storage/migrations/")
DATABASE_NAMES = {"sqlite", "postgresql", "postgres"}


def dialect_branches(root: Path) -> list[str]:
    """Return "file:line" of every test of a database's name outside ALLOWED under *root*."""
    found = []
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            name = path.relative_to(root).as_posix()
            if name.startswith(ALLOWED):
                continue
            for node in ast.walk(ast.parse(path.read_text(), filename=name)):
                asks_name = (isinstance(node, ast.Attribute) and node.attr == "name"
                             and isinstance(node.value, ast.Attribute) and node.value.attr == "dialect")
                names_one = isinstance(node, ast.Constant) and node.value in DATABASE_NAMES
                if asks_name or names_one:
                    found.append(f"{name}:{node.lineno}")
    return list(dict.fromkeys(found))


def test_only_the_dialect_module_tells_the_databases_apart():
    assert dialect_branches(ROOT) == []


def test_dialect_is_the_same_from_session_connection_and_engine(engine):
    expected = SQLite if engine.dialect.name == "sqlite" else PostgreSQL
    with Session(engine) as session, engine.connect() as conn:
        found = {type(dialect_of(bind)) for bind in (engine, session, conn, session.connection())}
    assert found == {expected}
    assert dialect_for_url(engine.url.render_as_string(hide_password=False)) is dialect_of(engine)


def test_unknown_database_is_refused_by_name():
    with pytest.raises(ValueError, match="mysql"):
        dialect_for_url("mysql://u@localhost/db")


def test_scheduler_lock_is_shared_on_sqlite_and_exclusive_on_postgresql(engine):
    one, two = scheduler_lock(engine), scheduler_lock(engine)
    try:
        if engine.dialect.name == "sqlite":
            assert one.shared and one.try_take() and two.try_take() and one.held and two.held
            return
        assert not one.shared and not one.held
        assert one.try_take() and one.still_held()
        assert not two.try_take() and not two.held
        one.release()
        assert not one.held and two.try_take()
    finally:
        one.release()
        two.release()
