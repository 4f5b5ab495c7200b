"""Searches saved for their "More" button, on SQLite and PostgreSQL: kept for a day, then gone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from storage.db import make_engine, make_session_factory
from storage.models import SavedQuery
from storage.records import SavedQueryRecord
from storage.repositories.saved_queries import (
    MAX_ID,
    delete_older_than,
    query_by_id,
    save_query,
)

NOW = datetime(2025, 3, 9, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def _save(sessions, query: str, country: str | None, now: datetime = NOW) -> int:
    with sessions.begin() as session:
        return save_query(session, query, country, now, DAY)


def _count(sessions) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(SavedQuery))


def test_a_saved_query_is_read_back_by_another_engine(sessions, db_url) -> None:
    long = "grain OR wheat OR maize " * 5 + "über-Exporte"
    first, second = _save(sessions, long, "UA"), _save(sessions, "figure", None)
    other = make_engine(db_url)  # another process's engine: nothing shared in memory
    try:
        with make_session_factory(other)() as session:
            assert query_by_id(session, first, NOW, DAY) == SavedQueryRecord(long, "UA")
            assert query_by_id(session, second, NOW + DAY / 2, DAY) == SavedQueryRecord(
                "figure", None)
            assert query_by_id(session, first + second, NOW, DAY) is None  # unknown id
    finally:
        other.dispose()
    assert first != second and all(1 <= i < MAX_ID for i in (first, second))


def test_saved_queries_expire_after_a_day_and_go_at_the_next_save(sessions) -> None:
    old = _save(sessions, "old words", None)
    with sessions() as session:
        assert query_by_id(session, old, NOW + DAY - timedelta(seconds=1), DAY) is not None
        assert query_by_id(session, old, NOW + DAY, DAY) is None  # still stored, but too old
    assert _count(sessions) == 1
    fresh = _save(sessions, "new words", "DE", NOW + DAY + timedelta(minutes=1))
    assert _count(sessions) == 1, "the save deleted the search older than a day"
    with sessions() as session:
        assert query_by_id(session, fresh, NOW + DAY, DAY) == SavedQueryRecord("new words", "DE")


def test_delete_older_than_counts_what_it_deletes(sessions) -> None:
    for hours in (0, 1, 2):
        _save(sessions, f"query {hours}", None, NOW + timedelta(hours=hours))
    with sessions.begin() as session:
        assert delete_older_than(session, NOW + timedelta(hours=2)) == 2
    assert _count(sessions) == 1
