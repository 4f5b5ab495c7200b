"""Shared fixtures: databases (SQLite and PostgreSQL), seeds, sample files."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from storage.db import make_engine, make_session_factory, normalize_url, upgrade
from tests.fake_telegram.fixtures import fake_telegram  # noqa: F401
from tests.paths import seeds_folder

SEEDS = seeds_folder()
PG_URL = os.environ.get("BRIEFBOT_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    """Return the seed documents folder, or skip when it is absent."""
    if not SEEDS.is_dir() or not any(SEEDS.glob("*.txt")):
        pytest.skip(f"seed documents not found in {SEEDS}")
    return SEEDS


def _postgres_admin_engine() -> Engine | None:
    engine = create_engine(normalize_url(PG_URL), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure means "not reachable"
        engine.dispose()
        return None
    return engine


@contextmanager
def new_postgres_database(prefix: str, why: str = "") -> Iterator[str]:
    """Create an empty PostgreSQL database, yield its URL, drop it; skip when unreachable."""
    admin = _postgres_admin_engine()
    if admin is None:
        pytest.skip(f"PostgreSQL not reachable at {PG_URL} (set BRIEFBOT_TEST_POSTGRES_URL)"
                    + (f": {why}" if why else ""))
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(normalize_url(PG_URL)).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """Create a throwaway PostgreSQL database for this test run, upgraded to head."""
    with new_postgres_database("briefbot_test") as url:
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url


def _truncate_all(engine: Engine) -> None:
    with engine.begin() as conn:
        # A test that left a scheduler running (its connection not yet closed) would still hold
        # the leader's advisory lock, and the next test's bot would never lead.
        conn.execute(text(
            "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
            "AND pid <> pg_backend_pid()"
        ))
        tables = conn.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename <> 'alembic_version'"
        )).scalars().all()
        if tables:
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> str:
    """Yield a clean, upgraded database URL: once on SQLite, once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.sqlite3'}"
    url = request.getfixturevalue("postgres_url")
    engine = make_engine(url)
    _truncate_all(engine)
    engine.dispose()
    return url


@pytest.fixture
def engine(db_url) -> Iterator[Engine]:
    """Return an upgraded engine on the parametrised database."""
    eng = make_engine(db_url)
    upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def sessions(engine) -> sessionmaker[Session]:
    """Return a session factory on the parametrised database."""
    return make_session_factory(engine)


@pytest.fixture
def ingestor(sessions):
    """Return an ingestor with the default 20 MB limit."""
    from storage.ingest.pipeline import Ingestor

    return Ingestor(sessions, max_bytes=20 * 1024 * 1024)
