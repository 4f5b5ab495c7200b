"""Coordination between `briefbot run` processes sharing one database.

- Scheduler leadership: on PostgreSQL a session-level advisory lock, taken with
  `pg_try_advisory_lock` on a dedicated connection and held for as long as the process leads.
  When the leader dies its connection closes and PostgreSQL frees the lock. SQLite has no
  such lock: there every process may run the tick (enqueue is idempotent on its unique key).
  `scheduler_lock` returns the handle; both kinds are in `storage.dialect`.
- Send budget: one `send_budget` row per budget holds the next free send slot. Each message
  first reserves a slot with one atomic upsert that moves the slot on by 1/rate, so slots of
  all processes together are evenly spaced at the overall rate. Spacing alone does not
  survive jitter (a request held up on a busy machine arrives bunched with the next ones),
  so a send also takes one of `WINDOW_TOKENS` rows of `send_window` and holds it until a
  second after its answer: the request reached Telegram somewhere in between, so at most
  `WINDOW_TOKENS` requests can ever fall within one second, whatever the delays.
  Time is the database's clock (unless the caller passes its own), so processes agree.
Sessions are opened by the caller; the scheduler lock opens its own connection.
"""

from __future__ import annotations

import logging
import os

from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session

from storage.dialect import LeaderLock, dialect_of

logger = logging.getLogger(__name__)

# "brief_sc" as a signed 64-bit integer: the scheduler's advisory lock key.
SCHEDULER_LOCK_KEY = int.from_bytes(b"brief_sc", "big")
TELEGRAM_BUDGET = "telegram"
WINDOW_TOKENS = 30  # Telegram: 30 messages per second overall
TOKEN_LEASE = 30.0  # s: a token taken by a process that died comes back after this

Bind = Session | Connection


def scheduler_lock(engine: Engine, key: int = SCHEDULER_LOCK_KEY) -> LeaderLock:
    """Return this process's handle on the scheduler lock (one leader at a time).

    Its connection is named ``briefbot-scheduler:<pid>``, so operators can see who leads in
    `pg_stat_activity`. On SQLite the handle is always held.
    """
    return dialect_of(engine).leader_lock(engine, key, f"briefbot-scheduler:{os.getpid()}")


def advisory_lock_holder(bind: Bind, key: int = SCHEDULER_LOCK_KEY) -> str | None:
    """Return the application_name of the session holding lock *key* (None: nobody)."""
    return dialect_of(bind).lock_holder(bind, key)


def reserve_send_slot(session: Session, interval: float, *, now: float | None = None,
                      name: str = TELEGRAM_BUDGET) -> float:
    """Reserve the next free send slot of a shared budget; return the seconds until it starts.

    Slots are *interval* apart whichever process reserves them; an idle budget gives the
    current instant (0 s). *now* (Unix seconds) replaces the database clock, for tests.
    Commit right after: the budget row stays locked until then.
    """
    dialect = dialect_of(session)
    clock = ":now" if now is not None else dialect.clock_sql
    stmt = text(
        f"INSERT INTO send_budget (name, next_slot) VALUES (:name, {clock} + :interval) "
        f"ON CONFLICT (name) DO UPDATE SET next_slot = "
        f"{dialect.greatest}(send_budget.next_slot, {clock}) + :interval "
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
    clock = ":now" if now is not None else dialect.clock_sql
    lock = dialect.skip_locked_suffix
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
    clock = ":now" if now is not None else dialect_of(session).clock_sql
    stmt = text(f"UPDATE send_window SET busy_until = {clock} + :window "
                "WHERE name = :name AND token = :token")
    session.execute(stmt, {"name": name, "token": token, "window": window, "now": now})
