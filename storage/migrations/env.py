"""Alembic environment: runs on the engine handed over by storage.db.upgrade."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

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
    """Run migrations inside one transaction on the configured engine."""
    with _engine().connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
