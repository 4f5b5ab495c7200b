"""Build the shared services once: settings, engine, sessions, ingestor, templates, services.

The CLI builds one AppContext per command; the bot builds one at start and keeps it in
`application.bot_data["ctx"]` (read it with `app_context(context)`), so handlers and jobs
share the same engine, template environment and services.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from jinja2 import Environment
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import Settings, SettingsError
from briefs.render import make_environment
from storage.clock import utcnow
from storage.db import current_revision, make_engine, make_session_factory, upgrade
from storage.ingest.pipeline import Ingestor
from storage.ingest.workers import Budget, default_workers

if TYPE_CHECKING:
    from services.briefings import BriefingService
    from services.chats import ChatService
    from services.feeds import FeedService
    from services.subscriptions import SubscriptionService

logger = logging.getLogger(__name__)


@dataclass
class AppContext:
    """Everything a command, handler or job needs, built from validated settings."""

    settings: Settings
    clock: Callable[[], datetime] = field(default=utcnow)

    @cached_property
    def engine(self) -> Engine:
        """Return the engine, upgrading a new or older database to the current schema.

        Raises SettingsError (one line, password hidden) when the database cannot be reached,
        created or upgraded.
        """
        try:
            engine = make_engine(self.settings.db_url)
            upgrade(engine)
        except OSError as exc:  # the SQLite file's folder cannot be made
            reason = "a file is in the way" if isinstance(exc, FileExistsError) else exc.strerror
            raise SettingsError(f"{self.settings.db_setting}: cannot create the database "
                                f"folder {exc.filename}: {reason}") from None
        except DBAPIError as exc:  # refused, unknown host, no such database, unwritable file
            detail = (str(exc.orig).strip().splitlines() or [type(exc.orig).__name__])[0]
            where = make_url(self.settings.db_url).render_as_string(hide_password=True)
            raise SettingsError(f"{self.settings.db_setting}: cannot open the database at "
                                f"{where}: {detail}") from None
        logger.debug("database at revision %s", current_revision(engine))
        return engine

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        """Return the session factory (open one session per command, update or job)."""
        return make_session_factory(self.engine)

    @cached_property
    def ingestor(self) -> Ingestor:
        """Return the document loader (its parse workers start with the first document)."""
        settings = self.settings
        workers = default_workers() if settings.ingest_workers is None else settings.ingest_workers
        budget = Budget(workers, settings.ingest_timeout_seconds, settings.ingest_memory_mb)
        return Ingestor(self.sessions, max_bytes=settings.max_upload_bytes, clock=self.clock,
                        budget=budget)

    def close(self) -> None:
        """Stop what the context started in the background (the ingest workers)."""
        if "ingestor" in self.__dict__:  # never built: nothing to stop
            self.ingestor.close()

    @cached_property
    def env(self) -> Environment:
        """Return the one Jinja2 environment (operators' template folder first)."""
        return make_environment(self.settings.templates_dir)

    @cached_property
    def default_tz(self) -> ZoneInfo:
        """Return the default timezone for new subscribers."""
        return ZoneInfo(self.settings.timezone)

    @cached_property
    def briefings(self) -> BriefingService:
        """Return the briefing service."""
        from services.briefings import BriefingService

        return BriefingService(self.sessions, self.env, clock=self.clock)

    @cached_property
    def feeds(self) -> FeedService:
        """Return the feed service (sources polled for new documents)."""
        from services.feeds import FeedService

        return FeedService(self.sessions, self.ingestor, max_bytes=self.settings.max_upload_bytes,
                           allow_private=self.settings.feeds_allow_private,
                           timeout=self.settings.feeds_timeout_seconds, clock=self.clock)

    @cached_property
    def subscriptions(self) -> SubscriptionService:
        """Return the subscription service."""
        from services.subscriptions import SubscriptionService

        return SubscriptionService(self.sessions, self.settings, clock=self.clock)

    @cached_property
    def chats(self) -> ChatService:
        """Return the chat service (linked channels, migrated groups, the bot's membership)."""
        from services.chats import ChatService

        return ChatService(self.sessions, self.settings, clock=self.clock)


def app_context(context: Any) -> AppContext:
    """Return the AppContext stored on a python-telegram-bot context's application."""
    return context.application.bot_data["ctx"]
