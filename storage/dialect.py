"""Every difference between SQLite and PostgreSQL, in one place.

briefbot runs on either database. Whatever must be done differently on the two (engine
settings, insert-or-ignore, claiming rows with `FOR UPDATE SKIP LOCKED`, a list of values as
one parameter, the band-key lookup, full-text search, the scheduler's advisory lock, copying
rows in bulk) is a method of `Dialect`, written once for each: `SQLite` and `PostgreSQL`.
The engine is made by the dialect its URL names (`dialect_for_url`, from `storage.db`); the
rest of storage asks `dialect_of(session)` (one dictionary lookup, no SQL) and calls the same
method whichever database it is. Nothing outside this module branches on the database's name
(the frozen migrations aside).

The SQL here is the SQL the repositories used to build inline, unchanged: the statements,
and so the plans, are the same.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import (
    ARRAY,
    Column,
    Connection,
    Engine,
    Insert,
    Select,
    Table,
    Text,
    cast,
    create_engine,
    event,
    func,
    insert,
    literal_column,
    select,
    text,
)
from sqlalchemy.dialects import postgresql as pg
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from storage.models import Item
from storage.query import ParsedQuery, SearchTimeout, Term, to_fts5, to_tsquery

logger = logging.getLogger(__name__)

Bind = Session | Connection | Engine

# Execution options for a transaction that will write: on SQLite it takes the write lock at
# BEGIN (waiting up to busy_timeout), instead of failing when a read must turn into a write
# after another connection wrote meanwhile. PostgreSQL ignores the option.
WRITE_TRANSACTION = {"sqlite_begin": "IMMEDIATE"}


class LeaderLock(ABC):
    """A lock that at most one process holds at a time (see `Dialect.leader_lock`)."""

    shared = False  # True: there is no lock to hold, every process leads

    @property
    @abstractmethod
    def held(self) -> bool:
        """Tell whether this process holds the lock (as of the last call)."""

    @abstractmethod
    def try_take(self) -> bool:
        """Take the lock if it is free (blocking I/O); tell whether this process holds it now."""

    @abstractmethod
    def still_held(self) -> bool:
        """Tell whether the held lock is still ours; a lost one is let go (blocking I/O)."""

    @abstractmethod
    def release(self) -> None:
        """Give the lock up now, so another process can take it at once."""


class Dialect(ABC):
    """What storage does differently on one database; one stateless instance per database."""

    name: str
    # Coordination SQL fragments (storage.repositories.coordination):
    clock_sql: str  # the database's clock as Unix seconds, one value for the whole statement
    greatest: str  # the SQL function of the larger of two values
    skip_locked_suffix: str  # appended to a row-claiming subquery

    @abstractmethod
    def make_engine(self, url: str) -> Engine:
        """Create an engine for *url* (normalised) with this database's settings."""

    # -- writes ---------------------------------------------------------------------------

    @abstractmethod
    def insert_or_ignore(self, table, conflict: Sequence[str]) -> Insert:
        """Return an INSERT into *table* that does nothing when *conflict*'s columns clash."""

    @abstractmethod
    def insert_rows(self, connection: Connection, table: Table,
                    rows: Sequence[dict[str, object]]) -> list[int]:
        """Insert *rows* (not empty, no ids given) in one batch; return their ids in order."""

    @abstractmethod
    def skip_locked(self, candidates: Select, of) -> Select:
        """Make a candidate SELECT skip rows another transaction is claiming right now."""

    def worth_retrying(self, exc: DBAPIError) -> bool:
        """Tell whether *exc* chose this transaction to break a lock conflict (try it again)."""
        # SQLite has one writer at a time: a lock it cannot take is waited for (busy_timeout),
        # never a deadlock, and trying again would not take it either.
        return False

    # -- reads ----------------------------------------------------------------------------

    @abstractmethod
    def one_of(self, column: str, name: str, values: Sequence[object]) -> tuple[str, dict]:
        """Return the SQL condition "*column* is one of *values*" and its single parameter *name*."""
        # For the reads ingest runs on every document: SQLAlchemy's expanding IN makes a
        # placeholder per value and its ORM select costs ~0.5 ms per statement; as plain SQL
        # with the list in one parameter the same read costs a third.

    @abstractmethod
    def items_sharing_band_keys(self, session: Session, words: list[str],
                                limit: int) -> list[tuple[int, str]]:
        """Return (id, held keys sorted) of items holding any of *words* (sorted, non-empty)."""

    @abstractmethod
    def merge_band_keys(self, session: Session, at_least: int) -> int:
        """Fold recently written band keys into the main index if needed; return how many."""

    @abstractmethod
    def search_page(self, session: Session, query: ParsedQuery, country: str | None, *,
                    window: int, limit: int, offset: int, marks: tuple[str, str],
                    time_limit: float) -> list[tuple[int, float, str]]:
        """Return one page of (item id, score, snippet), best first (higher score is better).

        Raise SearchTimeout when the database has worked on it for *time_limit* seconds: the
        search is stopped there (a user who gave up must not keep a core busy), and *session*
        stays usable.
        """

    # -- coordination between processes --------------------------------------------------

    @abstractmethod
    def leader_lock(self, engine: Engine, key: int, application_name: str) -> LeaderLock:
        """Return a handle on the lock *key* that one process at a time may hold."""

    @abstractmethod
    def lock_holder(self, bind: Bind, key: int) -> str | None:
        """Return the application_name of the session holding lock *key* (None: nobody)."""

    # -- copying a whole database --------------------------------------------------------

    @abstractmethod
    def copy_rows(self, dst: Connection, table: Table, rows: list[dict]) -> None:
        """Write copied *rows* (ids included) into *table* inside *dst*'s transaction."""

    @abstractmethod
    def reset_sequences(self, dst: Connection, tables: Sequence[Table]) -> None:
        """Move id generators past the copied ids, so new rows do not collide."""


# ---------------------------------------------------------------------------------------
# SQLite
# ---------------------------------------------------------------------------------------

WAL_CHECKPOINT_PAGES = 10_000
WAL_SIZE_LIMIT = 64 * 2**20

# One bound JSON array, not 400 parameters; each key is a primary-key seek in each table (the
# merged keys and the recent ones, see migration 0006). A pair is never in both.
SQLITE_BAND_HOLDERS = """
    SELECT item_id, group_concat(key, ' ') FROM (
        SELECT key, item_id FROM item_band_keys WHERE key IN (SELECT value FROM json_each(:words))
        UNION ALL
        SELECT key, item_id FROM item_band_keys_new WHERE key IN (SELECT value FROM json_each(:words))
    ) GROUP BY item_id ORDER BY item_id DESC LIMIT :limit"""

# Recent band keys are merged into the big table once this many have gathered: few enough to
# share a few dozen pages, many enough that a merge writes each page of the big table once
# for dozens of documents.
BAND_KEYS_MERGE_AT = 16_000
SQLITE_BAND_MERGE = (  # sorted, so the big table takes them leaf by leaf
    "INSERT OR IGNORE INTO item_band_keys(key, item_id) "
    "SELECT key, item_id FROM item_band_keys_new ORDER BY key, item_id",
    "DELETE FROM item_band_keys_new",
)

# FTS5 search with bounded cost, whatever the query. FTS5 walks a doclist newest-first and
# stops early, so finding the newest N matches is cheap even for a word in every item. bm25()
# is not: it first counts every row holding each query word, which is linear in those words'
# document frequency. So:
# * when every query word occurs in at most ``window`` items, rank all matches by bm25 (title
#   weighted 3x) exactly, as the raw FTS5 query would;
# * otherwise rank the newest ``window`` matches by how many query words their title holds,
#   then by recency ("recency-bounded ranking": for news the freshest relevant items win).
_FTS_COUNTRY_JOIN = "JOIN item_countries AS c ON c.item_id = f.rowid AND c.country = :country"
# The window of matches newest first, one page of it by score, and that page's snippets: one
# statement, so no more than a page of rows reaches Python. The outer MATCH is probed by
# rowid, one lookup per hit.
_FTS_PAGE = """
    WITH win AS (
        SELECT f.rowid AS id, {score} AS score
        FROM items_fts AS f JOIN items AS i ON i.id = f.rowid {country_join}
        WHERE items_fts MATCH :q AND i.duplicate_of_id IS NULL
        ORDER BY f.rowid DESC LIMIT :window),
    page AS (SELECT id, score FROM win ORDER BY score {direction}, id DESC
             LIMIT :limit OFFSET :offset)
    SELECT page.id, page.score, snippet(items_fts, 1, :a, :b, '…', 24)
    FROM page JOIN items_fts ON items_fts.rowid = page.id
    WHERE items_fts MATCH :q
    ORDER BY page.score {direction}, page.id DESC"""
_BM25 = "bm25(items_fts, 3.0, 1.0)"
_FTS_PROBE = "SELECT count(*) FROM (SELECT rowid FROM items_fts WHERE items_fts MATCH :w LIMIT :n)"


class SQLite(Dialect):
    """The embedded database: one writer at a time, FTS5, band keys in b-tree tables."""

    name = "sqlite"
    # 'now' is fixed for one sqlite3_step(), which runs the whole upsert and its RETURNING.
    clock_sql = "((julianday('now') - 2440587.5) * 86400.0)"
    greatest = "MAX"
    # The single UPDATE statement holds the write lock: a row cannot be claimed twice anyway.
    skip_locked_suffix = ""

    def make_engine(self, url: str) -> Engine:
        """Create an engine with WAL, foreign keys and writers that lock at BEGIN."""
        db_path = make_url(url).database
        if db_path and db_path != ":memory:":
            Path(db_path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine

    def insert_or_ignore(self, table, conflict: Sequence[str]) -> Insert:
        """Return INSERT ... ON CONFLICT (*conflict*) DO NOTHING."""
        return sqlite.insert(table).on_conflict_do_nothing(index_elements=list(conflict))

    def insert_rows(self, connection: Connection, table: Table,
                    rows: Sequence[dict[str, object]]) -> list[int]:
        """Insert with one executemany and derive the ids, instead of a RETURNING statement per row."""
        # SQLite leaves the order of a multi-row RETURNING open, so SQLAlchemy would send one
        # statement per row. Without RETURNING: a new rowid is max(id) + 1, and the transaction
        # holds the write lock from its first insert, so the rows get consecutive ids that end
        # at last_insert_rowid() (which a trigger's own inserts do not change).
        connection.execute(insert(table), list(rows))
        last = connection.exec_driver_sql("SELECT last_insert_rowid()").scalar_one()
        first = last - len(rows) + 1
        held = connection.execute(select(func.count()).select_from(table)
                                  .where(table.c.id.between(first, last))).scalar_one()
        if held != len(rows):  # only when ids ran out (2**63) and SQLite picked free ones at random
            raise RuntimeError(f"{table.name}: new rows did not get consecutive ids")
        return list(range(first, last + 1))

    def skip_locked(self, candidates: Select, of) -> Select:
        """Return *candidates* as they are: the claiming UPDATE holds the write lock."""
        return candidates

    def one_of(self, column: str, name: str, values: Sequence[object]) -> tuple[str, dict]:
        """Return "*column* IN (json_each(:name))" with the values as one JSON array."""
        # Strings and ints only: json_each hands them back as SQLite text and integers.
        return f"{column} IN (SELECT value FROM json_each(:{name}))", {name: json.dumps(list(values))}

    def items_sharing_band_keys(self, session: Session, words: list[str],
                                limit: int) -> list[tuple[int, str]]:
        """Look the keys up in the merged and the recent b-tree table (migration 0006)."""
        rows = session.execute(text(SQLITE_BAND_HOLDERS), {"words": json.dumps(words), "limit": limit})
        return [(i, " ".join(sorted(held.split()))) for i, held in rows]

    def merge_band_keys(self, session: Session, at_least: int) -> int:
        """Move the recent band keys into the merged table once *at_least* have gathered."""
        pending = session.execute(text("SELECT count(*) FROM item_band_keys_new")).scalar_one()
        if pending < max(at_least, 1):
            return 0
        for sql in SQLITE_BAND_MERGE:
            session.execute(text(sql))
        return pending

    def search_page(self, session: Session, query: ParsedQuery, country: str | None, *,
                    window: int, limit: int, offset: int, marks: tuple[str, str],
                    time_limit: float) -> list[tuple[int, float, str]]:
        """Rank by bm25 when every word is rare, else the newest window by title hits."""
        with _sqlite_deadline(session, time_limit):
            return self._search_page(session, query, country, window=window, limit=limit,
                                     offset=offset, marks=marks)

    def _search_page(self, session: Session, query: ParsedQuery, country: str | None, *,
                     window: int, limit: int, offset: int,
                     marks: tuple[str, str]) -> list[tuple[int, float, str]]:
        params = {"q": to_fts5(query), "country": (country or "").upper(), "window": window,
                  "limit": limit, "offset": offset, "a": marks[0], "b": marks[1]}
        country_join = _FTS_COUNTRY_JOIN if country else ""
        if _all_words_rare(session, query, window):
            sql = _FTS_PAGE.format(score=_BM25, country_join=country_join, direction="ASC")
            # bm25() is lower-is-better; flip it so every backend reports higher-is-better.
            return [(rid, -score, snip) for rid, score, snip in _driver_rows(session, sql, params)]
        words = _positive_words(query)
        params.update({f"w{n}": word for n, word in enumerate(words)})
        sql = _FTS_PAGE.format(score=_title_hits_sql(len(words)), country_join=country_join,
                               direction="DESC")
        return [(rid, float(score), snip) for rid, score, snip in _driver_rows(session, sql, params)]

    def leader_lock(self, engine: Engine, key: int, application_name: str) -> LeaderLock:
        """Return a lock every process holds: SQLite has none to share (one machine)."""
        return _EveryoneLeads()

    def lock_holder(self, bind: Bind, key: int) -> str | None:
        """Return None: SQLite has no session locks."""
        return None

    def copy_rows(self, dst: Connection, table: Table, rows: list[dict]) -> None:
        """Insert the rows in one executemany."""
        dst.execute(table.insert(), rows)

    def reset_sequences(self, dst: Connection, tables: Sequence[Table]) -> None:
        """Do nothing: a new rowid follows the largest stored one."""


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


def _sqlite_begin(conn) -> None:
    # pysqlite begins a transaction itself only before the first INSERT/UPDATE/DELETE, so a
    # SAVEPOINT issued earlier would start (and its RELEASE commit) the whole transaction. An
    # explicit BEGIN where a writer asks for one (WRITE_TRANSACTION) makes savepoints nest as
    # SQL says they do.
    mode = conn.get_execution_options().get("sqlite_begin")
    if mode:
        conn.exec_driver_sql(f"BEGIN {mode}")


# How many virtual-machine steps SQLite runs between looks at the clock: well under a
# millisecond of work, so a stopped search overruns its limit by little, and the looks cost
# nothing measurable (a 500-item store: the same search latency with and without them).
PROGRESS_STEPS = 1000


@contextmanager
def _sqlite_deadline(session: Session, seconds: float) -> Iterator[None]:
    """Interrupt the session's statements after *seconds*, raising SearchTimeout."""
    connection = session.connection().connection.driver_connection
    stop_at = time.monotonic() + seconds
    # Called every PROGRESS_STEPS steps of any statement on the connection; True interrupts it.
    connection.set_progress_handler(lambda: time.monotonic() > stop_at, PROGRESS_STEPS)
    try:
        yield
    except sqlite3.OperationalError as exc:
        if str(exc) != "interrupted":
            raise
        raise SearchTimeout(f"search stopped after {seconds:g} s") from exc
    finally:
        connection.set_progress_handler(None, 0)


def _driver_rows(session: Session, sql: str, params: dict) -> list[tuple]:
    # The DB-API cursor directly: search is the hottest path and a page is a few rows, so the
    # ORM's per-statement overhead would be most of the cost.
    cursor = session.connection().connection.driver_connection.cursor()
    try:
        return cursor.execute(sql, params).fetchall()
    finally:
        cursor.close()


def _title_hits_sql(n_words: int) -> str:
    # How many query words the title holds (a substring test, so "sanction" finds
    # "sanctions"; SQLite's lower() folds ASCII only, which covers most headlines' capitals).
    tests = [f"(instr(lower(i.title), :w{n}) > 0)" for n in range(n_words)]
    return " + ".join(tests) or "0"


def _all_words_rare(session: Session, query: ParsedQuery, window: int) -> bool:
    # One bounded probe per word: reading at most window+1 rowids is cheap for any word.
    terms = [t for group in query.groups for t in group] + list(query.excluded)
    for term in terms:
        for word in _probe_words(term):
            if _driver_rows(session, _FTS_PROBE, {"w": word, "n": window + 1})[0][0] > window:
                return False
    return True


def _probe_words(term: Term) -> list[str]:
    if term.prefix:
        return [f'"{term.words[0]}"*']
    return [f'"{w}"' for w in term.words]


def _positive_words(query: ParsedQuery) -> list[str]:
    return [w for group in query.groups for term in group for w in term.words]


class _EveryoneLeads(LeaderLock):
    """SQLite: no lock to hold; every process leads (what it leads must be idempotent)."""

    shared = True

    @property
    def held(self) -> bool:
        """Return True."""
        return True

    def try_take(self) -> bool:
        """Return True."""
        return True

    def still_held(self) -> bool:
        """Return True."""
        return True

    def release(self) -> None:
        """Do nothing."""


# ---------------------------------------------------------------------------------------
# PostgreSQL
# ---------------------------------------------------------------------------------------

_TS_COUNTRY_JOIN = "JOIN item_countries AS c ON c.item_id = items.id AND c.country = :country"
# The tsquery is written inline (not in a CTE) so the planner sees a constant and can estimate
# its selectivity: a frequent word then walks the primary key backwards and stops after the
# window; a rare one uses the GIN index.
_TS_PAGE = """WITH window_ AS (
                  SELECT items.id, ts_rank_cd(search_vector, to_tsquery('english', :q)) AS score
                  FROM items {country_join}
                  WHERE search_vector @@ to_tsquery('english', :q) AND duplicate_of_id IS NULL
                  ORDER BY items.id DESC LIMIT :window),
                top AS (SELECT id, score FROM window_ ORDER BY score DESC, id DESC
                        LIMIT :limit OFFSET :offset)
                SELECT top.id, top.score,
                       ts_headline('english', items.body, to_tsquery('english', :q), :opts)
                FROM top JOIN items ON items.id = top.id
                ORDER BY top.score DESC, top.id DESC"""

# Notice a lock holder that vanished without closing its socket (power loss) within ~30 s.
KEEPALIVES = {"keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5,
              "keepalives_count": 3}


class PostgreSQL(Dialect):
    """The shared server: row locks, tsvector search, a GIN index on band keys, advisory locks."""

    name = "postgresql"
    # The time the statement arrived: one value for the whole statement.
    clock_sql = "extract(epoch from statement_timestamp())::double precision"
    greatest = "GREATEST"
    skip_locked_suffix = " FOR UPDATE SKIP LOCKED"

    def make_engine(self, url: str) -> Engine:
        """Create a pooled engine that checks a connection before handing it out."""
        return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)

    def insert_or_ignore(self, table, conflict: Sequence[str]) -> Insert:
        """Return INSERT ... ON CONFLICT (*conflict*) DO NOTHING."""
        return pg.insert(table).on_conflict_do_nothing(index_elements=list(conflict))

    def insert_rows(self, connection: Connection, table: Table,
                    rows: Sequence[dict[str, object]]) -> list[int]:
        """Insert with RETURNING, the ids sorted in the rows' order."""
        # Core, not ORM bulk: one insertmanyvalues batch, without per-row ORM bookkeeping.
        stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        return list(connection.execute(stmt, list(rows)).scalars())

    def skip_locked(self, candidates: Select, of) -> Select:
        """Add FOR UPDATE OF *of* SKIP LOCKED: each process claims rows the others do not."""
        return candidates.with_for_update(skip_locked=True, of=of)

    def worth_retrying(self, exc: DBAPIError) -> bool:
        """Tell whether the server broke a deadlock or a serialization conflict with *exc*."""
        return getattr(exc.orig, "sqlstate", None) in RETRYABLE

    def one_of(self, column: str, name: str, values: Sequence[object]) -> tuple[str, dict]:
        """Return "*column* = ANY(:name)" with the values as one array."""
        return f"{column} = ANY(:{name})", {name: list(values)}

    def items_sharing_band_keys(self, session: Session, words: list[str],
                                limit: int) -> list[tuple[int, str]]:
        """Look the keys up in the GIN index over items.band_keys (migration 0005)."""
        # The separator is written out, not bound: only the index's own expression uses it.
        stored = func.string_to_array(Item.band_keys, literal_column("' '"))
        rows = session.execute(select(Item.id, Item.band_keys)
                               .where(stored.op("&&")(cast(words, ARRAY(Text))))
                               .order_by(Item.id.desc()).limit(limit))
        wanted = set(words)
        return [(i, " ".join(sorted(wanted.intersection(band_keys.split())))) for i, band_keys in rows]

    def merge_band_keys(self, session: Session, at_least: int) -> int:
        """Return 0: the GIN index takes keys as they come."""
        return 0

    def search_page(self, session: Session, query: ParsedQuery, country: str | None, *,
                    window: int, limit: int, offset: int, marks: tuple[str, str],
                    time_limit: float) -> list[tuple[int, float, str]]:
        """Rank the newest window of tsvector matches by ts_rank_cd."""
        country_join = _TS_COUNTRY_JOIN if country else ""
        headline_opts = f"StartSel={marks[0]}, StopSel={marks[1]}, MaxWords=30, MinWords=12"
        params = {"q": to_tsquery(query), "country": (country or "").upper(), "window": window,
                  "limit": limit, "offset": offset, "opts": headline_opts}
        try:
            with _statement_timeout(session, time_limit):
                rows = session.execute(text(_TS_PAGE.format(country_join=country_join)),
                                       params).all()
        except OperationalError as exc:
            if getattr(exc.orig, "sqlstate", None) != QUERY_CANCELED:
                raise
            raise SearchTimeout(f"search stopped after {time_limit:g} s") from None
        return [(rid, float(score), snippet) for rid, score, snippet in rows]

    def leader_lock(self, engine: Engine, key: int, application_name: str) -> LeaderLock:
        """Return a session-level advisory lock, held on a connection of its own."""
        return _AdvisoryLock(engine, key, application_name)

    def lock_holder(self, bind: Bind, key: int) -> str | None:
        """Read pg_locks for the holder of advisory lock *key*."""
        # A bigint key appears in pg_locks as classid (high 32 bits), objid (low) and objsubid 1.
        stmt = text(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
            "AND l.classid::bigint = :hi AND l.objid::bigint = :lo "
            "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        )
        return bind.execute(stmt, {"hi": key >> 32, "lo": key & 0xFFFFFFFF}).scalar()

    def copy_rows(self, dst: Connection, table: Table, rows: list[dict]) -> None:
        """Stream the rows with COPY, an order of magnitude faster than batched INSERTs."""
        names = [col.name for col in table.columns]
        cursor = dst.connection.driver_connection.cursor()
        with cursor.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[name] for name in names])

    def reset_sequences(self, dst: Connection, tables: Sequence[Table]) -> None:
        """Set each integer primary key's sequence to the largest copied id."""
        for table in tables:
            pks = list(table.primary_key.columns)
            if len(pks) != 1 or pks[0].autoincrement is False or not _is_integer(pks[0]):
                continue
            name = pks[0].name
            dst.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence(:table, :column), "
                    f"COALESCE(MAX({name}), 1), MAX({name}) IS NOT NULL) FROM {table.name}"
                ),
                {"table": table.name, "column": name},
            )


QUERY_CANCELED = "57014"  # SQLSTATE of a statement stopped by statement_timeout
# SQLSTATEs of a transaction the server chose to fail so that others may go on: a deadlock,
# a serialization failure. Its savepoint can be rolled back and run again.
RETRYABLE = frozenset({"40P01", "40001"})


@contextmanager
def _statement_timeout(session: Session, seconds: float) -> Iterator[None]:
    """Run the block's statements under a statement_timeout of *seconds*, in a savepoint.

    The server cancels a statement past the limit (and stops working on it, unlike a client
    that merely stops waiting); the savepoint's rollback then undoes the cancelled statement
    and the setting, so the caller's transaction goes on. On success the caller's own timeout
    comes back.
    """
    with session.begin_nested():
        previous = session.execute(
            text("SELECT current_setting('statement_timeout'), "
                 "set_config('statement_timeout', :ms, true)"),
            {"ms": str(max(1, round(seconds * 1000)))}).first()[0]
        yield
        session.execute(text("SELECT set_config('statement_timeout', :old, true)"),
                        {"old": previous})


def _is_integer(column: Column) -> bool:
    try:
        return column.type.python_type is int
    except NotImplementedError:
        return False


class _AdvisoryLock(LeaderLock):
    """A session-level advisory lock on a dedicated AUTOCOMMIT connection.

    The lock belongs to the database session, not to a transaction, so it lives as long as
    its connection: when the holder dies, its connection closes and PostgreSQL frees the lock.
    The connection comes from a small engine of its own (TCP keepalives on, NullPool so that
    closing really closes), named *application_name* so operators see the holder in
    `pg_stat_activity`.
    """

    def __init__(self, engine: Engine, key: int, application_name: str) -> None:
        self.key = key
        self._url = engine.url
        self._application_name = application_name
        self._engine: Engine | None = None
        self._conn: Connection | None = None

    @property
    def held(self) -> bool:
        """Tell whether this process holds the lock (as of the last call)."""
        return self._conn is not None

    def try_take(self) -> bool:
        """Run pg_try_advisory_lock on a new connection, kept while the lock is held."""
        if self._conn is not None:
            return True
        conn = None
        try:
            conn = self._lock_engine().connect().execution_options(isolation_level="AUTOCOMMIT")
            stmt = text("SELECT pg_try_advisory_lock(:key)")
            if conn.execute(stmt, {"key": self.key}).scalar():
                self._conn = conn
                return True
        except DBAPIError as exc:
            logger.warning("cannot try advisory lock %d: %s", self.key, str(exc).splitlines()[0])
        if conn is not None:
            conn.close()
        return False

    def still_held(self) -> bool:
        """Check that the lock's connection still reaches the server; drop it if not."""
        if self._conn is None:
            return False
        try:
            self._conn.execute(text("SELECT 1"))
        except DBAPIError:
            self._drop()
            return False
        return True

    def release(self) -> None:
        """Unlock, close the connection and its engine."""
        if self._conn is not None:
            try:
                self._conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
            except DBAPIError:
                logger.debug("advisory lock release failed", exc_info=True)
        self._drop()
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def _lock_engine(self) -> Engine:
        if self._engine is None:
            args = {**KEEPALIVES, "application_name": self._application_name}
            # NullPool: closing the connection really closes it (and frees a held lock).
            self._engine = create_engine(self._url, poolclass=NullPool, connect_args=args)
        return self._engine

    def _drop(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except DBAPIError:
                logger.debug("closing the lock connection failed", exc_info=True)
            self._conn = None


# ---------------------------------------------------------------------------------------
# Choosing the dialect
# ---------------------------------------------------------------------------------------

_DIALECTS: dict[str, Dialect] = {d.name: d for d in (SQLite(), PostgreSQL())}


def dialect_for_url(url: str) -> Dialect:
    """Return the dialect of a database URL; raise ValueError for a database briefbot lacks."""
    backend = make_url(url).get_backend_name()
    try:
        return _DIALECTS[backend]
    except KeyError:
        raise ValueError(f"unsupported database {backend!r}: use SQLite or PostgreSQL") from None


def dialect_of(bind: Bind) -> Dialect:
    """Return the dialect of a session, connection or engine."""
    engine = bind.get_bind() if isinstance(bind, Session) else bind
    return _DIALECTS[engine.dialect.name]
