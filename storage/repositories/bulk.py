"""Batched inserts shared by the repositories."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session


def insert_rows(session: Session, table: Table, rows: Sequence[dict[str, object]]) -> list[int]:
    """Insert *rows* into *table* in one batch; return their new ids in the same order."""
    if not rows:
        return []
    # Core, not ORM bulk: one insertmanyvalues batch, without per-row ORM bookkeeping.
    stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return list(session.connection().execute(stmt, list(rows)).scalars())
