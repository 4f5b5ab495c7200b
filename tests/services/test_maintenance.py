"""Refreshing stored event terms after an upgrade, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import text

from news.enrich import UNTITLED, stored_event_terms
from news.similarity.events import decode_terms
from services.maintenance import refresh_event_terms
from storage.ingest.pipeline import Ingestor
from storage.repositories.items import item_texts_after
from tests.paths import SAMPLES


def _terms(sessions) -> dict[int, str | None]:
    with sessions() as session:
        return dict(session.execute(text("SELECT id, event_terms FROM items ORDER BY id")).all())


def test_refreshed_terms_are_those_ingest_writes(ingestor, sessions):
    for path in sorted(SAMPLES.iterdir()):
        assert ingestor.ingest_path(path).status == "loaded"
    written = _terms(sessions)
    assert len(written) > 3 and all(written.values())
    with sessions.begin() as session:
        # Items from before terms were kept, and terms of an older model.
        session.execute(text("UPDATE items SET event_terms = NULL WHERE id % 2 = 0"))
        session.execute(text("UPDATE items SET event_terms = 'old:1000' WHERE id % 2 = 1"))
    seen = []
    assert refresh_event_terms(sessions, batch_size=3, progress=seen.append) == len(written)
    assert seen == sorted(seen) and seen[-1] == len(written)
    assert _terms(sessions) == written
    assert refresh_event_terms(sessions) == len(written)  # idempotent
    assert _terms(sessions) == written


def test_refreshed_items_are_found_by_new_rewrites(ingestor, sessions):
    assert ingestor.ingest_path(SAMPLES / "world-digest-2023-09.txt").status == "loaded"
    with sessions.begin() as session:
        session.execute(text("UPDATE items SET event_terms = NULL"))
    refresh_event_terms(sessions)
    stored = _terms(sessions)
    with sessions() as session:
        rows = item_texts_after(session, 0, 1000)
        stories = session.execute(text("SELECT COUNT(DISTINCT story_id) FROM items "
                                       "WHERE duplicate_of_id IS NULL")).scalar_one()
    assert len(rows) == len(stored) > 1
    for item_id, title, body, published in rows:
        assert stored[item_id] == stored_event_terms(title, body, published)
        assert decode_terms(stored[item_id], published).vector
    # A fresh ingestor's story window is built from the refreshed terms: every story is held.
    window = Ingestor(sessions, max_bytes=1 << 20).window
    with sessions() as session:
        window.refresh(session)
    assert len(window) == stories


def test_an_untitled_item_is_read_without_its_placeholder():
    body = "Flooding closed the port of Rotterdam on Tuesday, officials said."
    assert stored_event_terms(UNTITLED, body, None) == stored_event_terms("", body, None)
    assert "untitl" not in stored_event_terms(UNTITLED, body, None)
