"""Alembic environment: runs on the engine handed over by storage.db.upgrade."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from storage.dialect import WRITE_TRANSACTION
from storage.models import Base

config = context.config
target_metadata = Base.metadata


def _engine():
    engine = config.attributes.get("engine")
    if engine is not None:
        return engine
    # Plain `alembic` CLI use (autogenerate): take the URL from the ini option.
    return create_engine(config.get_main_option("sqlalchemy.url"))


def run_migrations_online() -> None:
    """Run each migration in a transaction of its own, its version stamp included.

    A kill at any point (container stop, OOM) then leaves the database at the revision before
    the migration it was in, and the next upgrade starts from there. Both databases roll DDL
    back, but Python's sqlite3 opens a transaction only before INSERT/UPDATE/DELETE, so a
    CREATE ran outside any and stayed. The SQLite engine emits an explicit BEGIN when a
    connection asks for WRITE_TRANSACTION (storage.dialect), which makes the DDL part of the
    transaction; it also holds the write lock from the start, so a concurrent writer waits.
    """
    with _engine().connect() as connection:
        connection.execution_options(**WRITE_TRANSACTION)
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            transactional_ddl=True,
            transaction_per_migration=True,
        )
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
