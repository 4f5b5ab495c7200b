"""Batched inserts shared by the repositories."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from storage.dialect import dialect_of

_PLACEHOLDERS = {"qmark": "?", "format": "%s", "pyformat": "%s"}


def insert_rows(session: Session, table: Table, rows: Sequence[dict[str, object]]) -> list[int]:
    """Insert *rows* (new rows, no ids given) into *table* in one batch; return their ids in order."""
    if not rows:
        return []
    connection = session.connection()
    return dialect_of(connection).insert_rows(connection, table, rows)


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
