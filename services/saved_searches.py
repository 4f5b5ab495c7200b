"""Searches saved for a "More" button whose words do not fit in its 64 bytes of callback data.

Saved in the database rather than in memory, so any process answers the click, after a restart
too; the caller says how long a saved search is good for (its button's life).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from storage.dialect import WRITE_TRANSACTION
from storage.records import SavedQueryRecord
from storage.repositories.saved_queries import query_by_id, save_query


def save_search(sessions: sessionmaker[Session], query: str, country: str | None,
                now: datetime, max_age: timedelta) -> int:
    """Save a search and return the id its button carries (searches past *max_age* go)."""
    with sessions.begin() as session:
        session.connection(execution_options=WRITE_TRANSACTION)  # SQLite: the write lock first
        return save_query(session, query, country, now, max_age)


def saved_search(sessions: sessionmaker[Session], query_id: int, now: datetime,
                 max_age: timedelta) -> SavedQueryRecord | None:
    """Return the search saved under *query_id*, or None when unknown or expired."""
    with sessions() as session:
        return query_by_id(session, query_id, now, max_age)
