"""Engines, sessions and schema upgrades for SQLite and PostgreSQL."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

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
    """Create an engine tuned for the dialect (WAL and foreign keys on SQLite)."""
    url = normalize_url(url)
    if url.startswith("sqlite"):
        db_path = make_url(url).database
        if db_path and db_path != ":memory:":
            Path(db_path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)


WAL_CHECKPOINT_PAGES = 10_000
WAL_SIZE_LIMIT = 64 * 2**20


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    # WAL lets readers (the bot) run while a writer (an ingest) holds the lock.
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    # Checkpoint every ~40 MB of WAL instead of 4 MB: ingest rewrites the same index pages
    # (band keys, FTS segments) document after document, and a rarer checkpoint copies each once
    # (20,000-item ingest: 303-306 items/s at the default, 337-398 with this). The size limit
    # gives the disk back after a checkpoint.
    cur.execute(f"PRAGMA wal_autocheckpoint={WAL_CHECKPOINT_PAGES}")
    cur.execute(f"PRAGMA journal_size_limit={WAL_SIZE_LIMIT}")
    cur.close()


# Execution options for a transaction that will write: on SQLite it takes the write lock at
# BEGIN (waiting up to busy_timeout), instead of failing when a read must turn into a write
# after another connection wrote meanwhile. PostgreSQL ignores the option.
WRITE_TRANSACTION = {"sqlite_begin": "IMMEDIATE"}


def _sqlite_begin(conn) -> None:
    # pysqlite begins a transaction itself only before the first INSERT/UPDATE/DELETE, so a
    # SAVEPOINT issued earlier would start (and its RELEASE commit) the whole transaction. An
    # explicit BEGIN where a writer asks for one makes savepoints nest as SQL says they do.
    mode = conn.get_execution_options().get("sqlite_begin")
    if mode:
        conn.exec_driver_sql(f"BEGIN {mode}")


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
