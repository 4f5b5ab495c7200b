"""Copy a whole briefbot database to another one (SQLite to PostgreSQL, or any direction).

The target is upgraded to the newest schema, then every table of the ORM metadata is copied
in dependency order, in batches, keeping primary keys, inside one target transaction: a
failed copy leaves the target as it was. Full-text indexes follow by themselves (FTS5
triggers on SQLite, the generated tsvector column on PostgreSQL). PostgreSQL sequences are
moved past the copied ids so new rows do not collide.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from alembic.script import ScriptDirectory
from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Engine,
    Table,
    bindparam,
    func,
    select,
    update,
)
from sqlalchemy.orm import Session

from storage.clock import as_utc
from storage.db import MIGRATIONS_DIR, current_revision, upgrade
from storage.dialect import Dialect, dialect_of
from storage.models import Base
from storage.repositories.story_candidates import merge_band_keys

logger = logging.getLogger(__name__)

DEFAULT_BATCH = 1000


class CopyError(Exception):
    """A copy that cannot start; the message says what to do."""


@dataclass(slots=True)
class CopyReport:
    """What a copy did: rows per table, in the order they were copied."""

    revision: str | None
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """Return the number of rows copied over all tables."""
        return sum(self.rows.values())


def head_revision() -> str:
    """Return the newest schema revision the packaged migrations know."""
    return ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head() or ""


def copy_tables() -> list[Table]:
    """Return the tables a copy moves, parents before children."""
    return list(Base.metadata.sorted_tables)


def table_counts(engine: Engine) -> dict[str, int]:
    """Return the row count of every copied table that has rows."""
    counts: dict[str, int] = {}
    with engine.connect() as conn:
        for table in copy_tables():
            n = conn.execute(select(func.count()).select_from(table)).scalar_one()
            if n:
                counts[table.name] = n
    return counts


def copy_database(
    source: Engine,
    target: Engine,
    *,
    force: bool = False,
    batch_size: int = DEFAULT_BATCH,
    progress: Callable[[str, int], None] | None = None,
) -> CopyReport:
    """Copy every row from *source* to *target*; refuse a non-empty target unless *force*."""
    _check_source(source)
    upgrade(target)
    existing = table_counts(target)
    if existing and not force:
        summary = ", ".join(f"{name}: {n}" for name, n in existing.items())
        raise CopyError(f"target database is not empty ({summary}); pass --force to replace its data")
    report = CopyReport(revision=current_revision(target))
    dialect = dialect_of(target)
    with source.connect() as src, target.begin() as dst:
        if existing:
            _empty(dst)
        for table in copy_tables():
            report.rows[table.name] = _copy_table(src, dst, table, batch_size, dialect)
            if progress:
                progress(table.name, report.rows[table.name])
        dialect.reset_sequences(dst, copy_tables())
        # The triggers put every copied band key among the recent ones (SQLite): merged in one
        # sorted pass now rather than by the first ingest.
        with Session(bind=dst) as session:  # joins dst's transaction; closing it commits nothing
            merge_band_keys(session, at_least=1)
    logger.info("copied %d rows", report.total)
    return report


def _check_source(source: Engine) -> None:
    revision, head = current_revision(source), head_revision()
    if revision is None:
        raise CopyError("source database has no briefbot schema (nothing to copy)")
    if revision != head:
        # Copying an older schema column by column would silently drop data: upgrade first.
        raise CopyError(
            f"source database is at revision {revision}, not {head}: "
            "run `briefbot db upgrade` on it first"
        )


def _empty(dst: Connection) -> None:
    for table in reversed(copy_tables()):
        dst.execute(table.delete())


def _copy_table(src: Connection, dst: Connection, table: Table, batch_size: int,
                dialect: Dialect) -> int:
    deferred = _self_references(table)
    copied = 0
    for batch in _batches(src, table, batch_size):
        rows = [_portable(table, row) for row in batch]
        for col in deferred:  # a row may point at a later row of its own table
            for row in rows:
                row[col.name] = None
        dialect.copy_rows(dst, table, rows)
        copied += len(rows)
    if deferred:
        _restore_self_references(src, dst, table, deferred, batch_size)
    return copied


def _batches(src: Connection, table: Table, batch_size: int) -> Iterator[list[dict]]:
    stmt = select(table).order_by(*table.primary_key.columns)
    result = src.execution_options(stream_results=True, yield_per=batch_size).execute(stmt)
    for partition in result.mappings().partitions(batch_size):
        yield [dict(row) for row in partition]


def _portable(table: Table, row: dict) -> dict:
    # SQLite hands back naive datetimes (stored as UTC); PostgreSQL aware ones in the session's
    # zone. Writing aware UTC keeps the instant on PostgreSQL and the UTC wall time on SQLite.
    for col in table.columns:
        value = row.get(col.name)
        if isinstance(value, datetime) and isinstance(col.type, DateTime) and col.type.timezone:
            row[col.name] = as_utc(value)
    return row


def _self_references(table: Table) -> list[Column]:
    return [
        fk.parent for fk in table.foreign_keys
        if fk.column.table is table and fk.parent.nullable
    ]


def _restore_self_references(
    src: Connection, dst: Connection, table: Table, cols: list[Column], batch_size: int
) -> None:
    (pk,) = table.primary_key.columns
    for col in cols:
        stmt = select(pk, col).where(col.is_not(None)).order_by(pk)
        change = update(table).where(pk == bindparam("_key")).values({col.name: bindparam("_value")})
        result = src.execution_options(stream_results=True, yield_per=batch_size).execute(stmt)
        for partition in result.partitions(batch_size):
            dst.execute(change, [{"_key": key, "_value": value} for key, value in partition])
