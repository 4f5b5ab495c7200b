"""Scheduler leadership: only one `briefbot run` process runs the scheduler tick at a time.

On PostgreSQL the leader holds a session-level advisory lock on a dedicated connection (its
own small engine, TCP keepalives on, application_name ``briefbot-scheduler:<pid>`` so
operators can see who leads in `pg_stat_activity`). Every tick, each process calls
`SchedulerLeadership.check()`: the leader confirms its connection still answers, the others
try the lock. When the leader dies, its connection closes, PostgreSQL frees the lock and
another process takes over at its next tick (within one tick interval, at most a minute).

On SQLite (one machine, normally one process) there is no lock to hold: every process is
leader, which is safe because enqueueing is idempotent (unique subscriber + briefing key).
"""

from __future__ import annotations

import logging
import os
import threading

from sqlalchemy import Connection, Engine, create_engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from storage.repositories.coordination import (
    SCHEDULER_LOCK_KEY,
    connection_alive,
    release_advisory_lock,
    try_advisory_lock,
)

logger = logging.getLogger(__name__)

LEADER_KEY = "scheduler_leader"  # application.bot_data flag, read by /healthz
# Notice a leader that vanished without closing its socket (power loss) within ~30 s.
KEEPALIVES = {"keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5,
              "keepalives_count": 3}


class SchedulerLeadership:
    """Take, keep and give up the scheduler lock for one process."""

    def __init__(self, engine: Engine, key: int = SCHEDULER_LOCK_KEY) -> None:
        self.key = key
        self.shared = engine.dialect.name != "postgresql"  # SQLite: everyone leads
        self._url = engine.url
        self._engine: Engine | None = None
        self._conn: Connection | None = None
        self._mutex = threading.Lock()  # check() runs in worker threads

    @property
    def is_leader(self) -> bool:
        """Tell whether this process leads (as of the last check)."""
        return self.shared or self._conn is not None

    def check(self) -> bool:
        """Keep or try to take the lead; return whether this process leads now (blocking)."""
        if self.shared:
            return True
        with self._mutex:
            if self._conn is not None and not self._alive():
                logger.warning("scheduler lock connection lost: leadership given up")
                self._drop()
            if self._conn is None:
                self._try_take()
            return self._conn is not None

    def release(self) -> None:
        """Give the lead up now (at shutdown), so another process takes over at once."""
        with self._mutex:
            if self._conn is not None:
                try:
                    release_advisory_lock(self._conn, self.key)
                except DBAPIError:
                    logger.debug("scheduler lock release failed", exc_info=True)
            self._drop()
            if self._engine is not None:
                self._engine.dispose()
                self._engine = None

    def _alive(self) -> bool:
        return connection_alive(self._conn)

    def _try_take(self) -> None:
        conn = None
        try:
            conn = self._lock_engine().connect().execution_options(isolation_level="AUTOCOMMIT")
            if try_advisory_lock(conn, self.key):
                self._conn = conn
                logger.info("this process (pid %d) is now the scheduler leader", os.getpid())
                return
        except DBAPIError as exc:
            logger.warning("cannot try the scheduler lock: %s", str(exc).splitlines()[0])
        if conn is not None:
            conn.close()

    def _lock_engine(self) -> Engine:
        if self._engine is None:
            args = {**KEEPALIVES, "application_name": f"briefbot-scheduler:{os.getpid()}"}
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
