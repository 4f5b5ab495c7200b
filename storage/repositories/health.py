"""Repository functions for health checks and metrics: a ping, the outbox backlog, totals.

Sessions are opened by the caller (the /healthz and /metrics routes open one per request).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from storage.clock import as_utc
from storage.models import Delivery

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class OutboxBacklog:
    """Deliveries waiting in the outbox and the due time of the oldest one."""

    pending: int
    oldest_due: datetime | None  # aware UTC; None when nothing waits


def ping(session: Session) -> None:
    """Run `SELECT 1`; raise when the database does not answer."""
    session.execute(text("SELECT 1")).scalar_one()


def outbox_backlog(session: Session) -> OutboxBacklog:
    """Return how many deliveries are pending and when the oldest of them was due."""
    pending, oldest = session.execute(
        select(func.count(Delivery.id), func.min(Delivery.due_at))
        .where(Delivery.status == "pending")
    ).one()
    return OutboxBacklog(pending or 0, as_utc(oldest) if oldest is not None else None)


def delivery_totals(session: Session) -> dict[str, int]:
    """Return how many outbox rows there are, by status, since the beginning."""
    rows = session.execute(select(Delivery.status, func.count()).group_by(Delivery.status))
    return {status: count for status, count in rows}
