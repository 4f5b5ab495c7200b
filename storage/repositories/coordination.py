"""Coordination between `briefbot run` processes sharing one database.

- Scheduler leadership: on PostgreSQL a session-level advisory lock, taken with
  `pg_try_advisory_lock` on a dedicated connection and held for as long as the process leads.
  When the leader dies its connection closes and PostgreSQL frees the lock. SQLite has no
  such lock: there every process may run the tick (enqueue is idempotent on its unique key).
- Send budget: one `send_budget` row per budget holds the next free send slot. Each message
  first reserves a slot with one atomic upsert that moves the slot on by 1/rate, so slots of
  all processes together are evenly spaced at the overall rate. Spacing alone does not
  survive jitter (a request held up on a busy machine arrives bunched with the next ones),
  so a send also takes one of `WINDOW_TOKENS` rows of `send_window` and holds it until a
  second after its answer: the request reached Telegram somewhere in between, so at most
  `WINDOW_TOKENS` requests can ever fall within one second, whatever the delays.
  Time is the database's clock (unless the caller passes its own), so processes agree.
Sessions and connections are opened by the caller.
"""

from __future__ import annotations

import logging

from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

logger = logging.getLogger(__name__)

# "brief_sc" as a signed 64-bit integer: the scheduler's advisory lock key.
SCHEDULER_LOCK_KEY = int.from_bytes(b"brief_sc", "big")
TELEGRAM_BUDGET = "telegram"
WINDOW_TOKENS = 30  # Telegram: 30 messages per second overall
TOKEN_LEASE = 30.0  # s: a token taken by a process that died comes back after this

_NOW_SQL = {
    # The time the statement arrived: one value for the whole statement.
    "postgresql": "extract(epoch from statement_timestamp())::double precision",
    # 'now' is fixed for one sqlite3_step(), which runs the whole upsert and its RETURNING.
    "sqlite": "((julianday('now') - 2440587.5) * 86400.0)",
}
_MAX_SQL = {"postgresql": "GREATEST", "sqlite": "MAX"}

Bind = Session | Connection


def dialect_of(bind: Bind) -> str:
    """Return the dialect name ('postgresql', 'sqlite') of a session or connection."""
    engine = bind.get_bind() if isinstance(bind, Session) else bind
    return engine.dialect.name


def supports_advisory_locks(bind: Bind) -> bool:
    """Tell whether the database has session-level advisory locks (PostgreSQL)."""
    return dialect_of(bind) == "postgresql"


def try_advisory_lock(connection: Connection, key: int = SCHEDULER_LOCK_KEY) -> bool:
    """Take the session-level advisory lock *key* if it is free; tell if this session holds it.

    Use an AUTOCOMMIT connection kept open for as long as the lock should be held: the lock
    belongs to the database session, not to a transaction.
    """
    stmt = text("SELECT pg_try_advisory_lock(:key)")
    return bool(connection.execute(stmt, {"key": key}).scalar())


def release_advisory_lock(connection: Connection, key: int = SCHEDULER_LOCK_KEY) -> bool:
    """Release the session-level advisory lock *key*; tell if this session held it."""
    stmt = text("SELECT pg_advisory_unlock(:key)")
    return bool(connection.execute(stmt, {"key": key}).scalar())


def connection_alive(connection: Connection) -> bool:
    """Tell whether *connection* still reaches its server (the lock dies with the session)."""
    try:
        connection.execute(text("SELECT 1"))
    except DBAPIError:
        return False
    return True


def advisory_lock_holder(bind: Bind, key: int = SCHEDULER_LOCK_KEY) -> str | None:
    """Return the application_name of the session holding lock *key* (None: nobody)."""
    # A bigint key appears in pg_locks as classid (high 32 bits), objid (low) and objsubid 1.
    stmt = text(
        "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
        "AND l.classid::bigint = :hi AND l.objid::bigint = :lo "
        "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    )
    return bind.execute(stmt, {"hi": key >> 32, "lo": key & 0xFFFFFFFF}).scalar()


def reserve_send_slot(session: Session, interval: float, *, now: float | None = None,
                      name: str = TELEGRAM_BUDGET) -> float:
    """Reserve the next free send slot of a shared budget; return the seconds until it starts.

    Slots are *interval* apart whichever process reserves them; an idle budget gives the
    current instant (0 s). *now* (Unix seconds) replaces the database clock, for tests.
    Commit right after: the budget row stays locked until then.
    """
    dialect = dialect_of(session)
    clock = ":now" if now is not None else _NOW_SQL[dialect]
    stmt = text(
        f"INSERT INTO send_budget (name, next_slot) VALUES (:name, {clock} + :interval) "
        f"ON CONFLICT (name) DO UPDATE SET next_slot = "
        f"{_MAX_SQL[dialect]}(send_budget.next_slot, {clock}) + :interval "
        f"RETURNING next_slot - :interval - {clock}"
    )
    params = {"name": name, "interval": interval, "now": now}
    return max(0.0, float(session.execute(stmt, params).scalar_one()))


def take_window_token(session: Session, *, now: float | None = None,
                      name: str = TELEGRAM_BUDGET, size: int = WINDOW_TOKENS,
                      lease: float = TOKEN_LEASE) -> tuple[int | None, float]:
    """Take a free window token: return (token, 0), or (None, seconds until one frees up).

    Commit right after. Give the token back with `return_window_token` once the request
    is answered; a token never given back frees itself after *lease* seconds.
    """
    dialect = dialect_of(session)
    clock = ":now" if now is not None else _NOW_SQL[dialect]
    lock = " FOR UPDATE SKIP LOCKED" if dialect == "postgresql" else ""
    stmt = text(
        f"UPDATE send_window SET busy_until = {clock} + :lease WHERE name = :name AND token IN "
        f"(SELECT token FROM send_window WHERE name = :name AND busy_until <= {clock} "
        f"ORDER BY busy_until LIMIT 1{lock}) RETURNING token"
    )
    params = {"name": name, "lease": lease, "now": now}
    token = session.execute(stmt, params).scalar()
    if token is not None:
        return token, 0.0
    count, wait = session.execute(text(
        f"SELECT count(*), min(busy_until) - {clock} FROM send_window WHERE name = :name"),
        params).one()
    if count < size:  # a new (or emptied) table: create the tokens, then take one
        _create_tokens(session, name, size)
        return take_window_token(session, now=now, name=name, size=size, lease=lease)
    return None, max(float(wait), 0.001)


def _create_tokens(session: Session, name: str, size: int) -> None:
    stmt = text("INSERT INTO send_window (name, token, busy_until) VALUES (:name, :token, 0) "
                "ON CONFLICT (name, token) DO NOTHING")
    session.execute(stmt, [{"name": name, "token": n} for n in range(size)])


def return_window_token(session: Session, token: int, *, now: float | None = None,
                        name: str = TELEGRAM_BUDGET, window: float = 1.0) -> None:
    """Give a token back after its request was answered: free again *window* s from now."""
    clock = ":now" if now is not None else _NOW_SQL[dialect_of(session)]
    stmt = text(f"UPDATE send_window SET busy_until = {clock} + :window "
                "WHERE name = :name AND token = :token")
    session.execute(stmt, {"name": name, "token": token, "window": window, "now": now})
