"""Scheduler leadership: only one `briefbot run` process runs the scheduler tick at a time.

The lock is storage's (`storage.repositories.coordination.scheduler_lock`): on PostgreSQL a
session-level advisory lock held on a dedicated connection, on SQLite no lock at all. Every
tick, each process calls `SchedulerLeadership.check()`: the leader confirms its lock is still
held, the others try to take it. When the leader dies, its connection closes, PostgreSQL frees
the lock and another process takes over at its next tick (within one tick interval, at most
a minute).

On SQLite (one machine, normally one process) every process is leader, which is safe because
enqueueing is idempotent (unique subscriber + briefing key).
"""

from __future__ import annotations

import logging
import os
import threading

from sqlalchemy import Engine

from storage.repositories.coordination import SCHEDULER_LOCK_KEY, scheduler_lock

logger = logging.getLogger(__name__)

LEADER_KEY = "scheduler_leader"  # application.bot_data flag, read by /healthz


class SchedulerLeadership:
    """Take, keep and give up the scheduler lock for one process."""

    def __init__(self, engine: Engine, key: int = SCHEDULER_LOCK_KEY) -> None:
        self.key = key
        self._lock = scheduler_lock(engine, key)
        self.shared = self._lock.shared  # SQLite: everyone leads
        self._mutex = threading.Lock()  # check() runs in worker threads

    @property
    def is_leader(self) -> bool:
        """Tell whether this process leads (as of the last check)."""
        return self._lock.held

    def check(self) -> bool:
        """Keep or try to take the lead; return whether this process leads now (blocking)."""
        if self.shared:
            return True
        with self._mutex:
            if self._lock.held and not self._lock.still_held():
                logger.warning("scheduler lock connection lost: leadership given up")
            if not self._lock.held and self._lock.try_take():
                logger.info("this process (pid %d) is now the scheduler leader", os.getpid())
            return self._lock.held

    def release(self) -> None:
        """Give the lead up now (at shutdown), so another process takes over at once."""
        with self._mutex:
            self._lock.release()
