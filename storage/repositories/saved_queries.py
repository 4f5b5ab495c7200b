"""Searches saved for their "More" button when the words do not fit in its 64 bytes.

The button carries the row's id, so any process answers the click, after a restart too. Ids
are random rather than a sequence: any client can send made-up callback data, and a guessable
id would show other people's searches. Rows are useful for a day (the button's life); each save
deletes those older than that, so the table holds about a day of long searches.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from storage.models import SavedQuery
from storage.records import SavedQueryRecord

logger = logging.getLogger(__name__)

MAX_ID = 10**15  # ids are 1..MAX_ID-1: 15 decimal digits in a button, 50 bits to guess


def new_id() -> int:
    """Return a random id for a saved query (collisions: one in 10**15 per pair of rows)."""
    return secrets.randbelow(MAX_ID - 1) + 1


def save_query(session: Session, query: str, country: str | None, now: datetime,
               max_age: timedelta) -> int:
    """Save a search and return its id; rows older than *max_age* go in the same transaction."""
    delete_older_than(session, now - max_age)
    query_id = new_id()
    while session.get(SavedQuery, query_id) is not None:  # as good as never
        query_id = new_id()
    session.execute(insert(SavedQuery).values(id=query_id, query=query, country=country,
                                              created_at=now))
    return query_id


def query_by_id(session: Session, query_id: int, now: datetime,
                max_age: timedelta) -> SavedQueryRecord | None:
    """Return the search saved under *query_id*, or None when unknown or older than *max_age*."""
    row = session.execute(
        select(SavedQuery.query, SavedQuery.country)
        .where(SavedQuery.id == query_id, SavedQuery.created_at > now - max_age)
    ).first()
    return SavedQueryRecord(row.query, row.country) if row else None


def delete_older_than(session: Session, cutoff: datetime) -> int:
    """Delete the searches saved before *cutoff*; return how many went."""
    result = session.execute(delete(SavedQuery).where(SavedQuery.created_at < cutoff))
    if result.rowcount:
        logger.debug("deleted %d saved searches from before %s", result.rowcount, cutoff)
    return result.rowcount
