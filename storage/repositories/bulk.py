"""Batched inserts shared by the repositories."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, Table, func, insert, select
from sqlalchemy.orm import Session

_PLACEHOLDERS = {"qmark": "?", "format": "%s", "pyformat": "%s"}


def insert_rows(session: Session, table: Table, rows: Sequence[dict[str, object]]) -> list[int]:
    """Insert *rows* (new rows, no ids given) into *table* in one batch; return their ids in order."""
    if not rows:
        return []
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        return _insert_rows_sqlite(connection, table, rows)
    # Core, not ORM bulk: one insertmanyvalues batch, without per-row ORM bookkeeping.
    stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return list(connection.execute(stmt, list(rows)).scalars())


def _insert_rows_sqlite(connection: Connection, table: Table, rows: Sequence[dict[str, object]]) -> list[int]:
    """Insert with one executemany and derive the ids, instead of a RETURNING statement per row."""
    # SQLite leaves the order of a multi-row RETURNING open, so SQLAlchemy would send one
    # statement per row. Without RETURNING: a new rowid is max(id) + 1, and the transaction
    # holds the write lock from its first insert, so the rows get consecutive ids that end at
    # last_insert_rowid() (which a trigger's own inserts do not change).
    connection.execute(insert(table), list(rows))
    last = connection.exec_driver_sql("SELECT last_insert_rowid()").scalar_one()
    first = last - len(rows) + 1
    held = connection.execute(select(func.count()).select_from(table)
                              .where(table.c.id.between(first, last))).scalar_one()
    if held != len(rows):  # only when ids ran out (2**63) and SQLite picked free ones at random
        raise RuntimeError(f"{table.name}: new rows did not get consecutive ids")
    return list(range(first, last + 1))


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
