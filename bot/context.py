"""Build the shared services once: settings, engine, sessions, ingestor, templates."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cached_property

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import Settings
from storage.db import current_revision, make_engine, make_session_factory, upgrade
from storage.ingest.pipeline import Ingestor

logger = logging.getLogger(__name__)


@dataclass
class AppContext:
    """Everything a command, handler or job needs, built from validated settings."""

    settings: Settings

    @cached_property
    def engine(self) -> Engine:
        """Return the engine, upgrading a new or older database to the current schema."""
        engine = make_engine(self.settings.db_url)
        upgrade(engine)
        logger.debug("database at revision %s", current_revision(engine))
        return engine

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        """Return the session factory (open one session per command, update or job)."""
        return make_session_factory(self.engine)

    @cached_property
    def ingestor(self) -> Ingestor:
        """Return the document loader."""
        return Ingestor(self.sessions, max_bytes=self.settings.max_upload_bytes)
