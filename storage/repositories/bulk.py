"""Batched inserts shared by the repositories."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

_PLACEHOLDERS = {"qmark": "?", "format": "%s", "pyformat": "%s"}


def insert_rows(session: Session, table: Table, rows: Sequence[dict[str, object]]) -> list[int]:
    """Insert *rows* into *table* in one batch; return their new ids in the same order."""
    if not rows:
        return []
    # Core, not ORM bulk: one insertmanyvalues batch, without per-row ORM bookkeeping.
    stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return list(session.connection().execute(stmt, list(rows)).scalars())


def insert_tuples(session: Session, table: Table, columns: Sequence[str],
                  rows: Sequence[tuple[object, ...]]) -> None:
    """Insert plain-value tuples (ints, strings, floats, bools) into *columns* of *table*."""
    if not rows:
        return
    connection = session.connection()
    mark = _PLACEHOLDERS.get(connection.dialect.paramstyle)
    if mark is None:  # a driver with named parameters: let Core bind them
        connection.execute(insert(table), [dict(zip(columns, row, strict=True)) for row in rows])
        return
    # Straight to the driver's executemany: ingest writes a dozen such rows per item, and
    # building Core parameters row by row cost more than SQLite's insert itself.
    sql = (f"INSERT INTO {table.name} ({', '.join(columns)}) "
           f"VALUES ({', '.join([mark] * len(columns))})")
    connection.exec_driver_sql(sql, list(rows))
