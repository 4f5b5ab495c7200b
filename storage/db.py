"""Engines, sessions and schema upgrades for SQLite and PostgreSQL."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from storage.dialect import dialect_for_url

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def normalize_url(url: str) -> str:
    """Return *url* with the psycopg 3 driver chosen for plain PostgreSQL URLs."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def default_url(data_dir: Path) -> str:
    """Return the embedded SQLite URL inside *data_dir*."""
    return f"sqlite:///{(data_dir / 'briefbot.sqlite3').resolve()}"


def make_engine(url: str) -> Engine:
    """Create an engine with its database's settings (see storage.dialect)."""
    url = normalize_url(url)
    return dialect_for_url(url).make_engine(url)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Return a session factory; callers open one session per update, job or command."""
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(engine: Engine) -> Config:
    """Build an Alembic config that runs the packaged migrations on *engine*."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to *revision*; running it again changes nothing."""
    # Every command upgrades at start: a database already at head is only read, so starting
    # never waits for the write lock (migrations take it at BEGIN, see migrations/env.py).
    if revision == "head" and current_revision(engine) == head_revision(engine):
        return
    command.upgrade(alembic_config(engine), revision)


def head_revision(engine: Engine) -> str:
    """Return the newest revision the packaged migrations know."""
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """Return the schema revision the database is at, or None when it is empty."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        row = conn.exec_driver_sql("SELECT version_num FROM alembic_version").first()
        return row[0] if row else None
