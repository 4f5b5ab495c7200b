"""Story matching through one long-lived ingestor: the in-memory window, refreshes, deletions."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from storage.ingest.pipeline import Ingestor
from storage.ingest.story_window import StoryWindow
from storage.models import Document, Item, Story
from tests.services.test_briefing_service import DOC_A, DOC_B, PORT_BODY, T1, T2, Clock, newsletter

STRIKE = "Mombasa dockworkers strike over unpaid overtime"
REWRITE = "Ships stranded as Kenyan port workers down tools"


def _ingestor(sessions, clock: Clock) -> Ingestor:
    return Ingestor(sessions, max_bytes=2**22, clock=clock)


def _load(ingestor: Ingestor, clock: Clock, name: str, text: str, at):
    clock.now = at
    result = ingestor.ingest_bytes(text.encode(), name)
    assert result.status == "loaded", result.error
    return result


def _story_of(sessions, title: str) -> int | None:
    with sessions() as session:
        return session.scalar(select(Item.story_id).where(Item.title == title))


def test_one_ingestor_matches_a_later_document_from_memory(sessions):
    clock = Clock(T1)
    ingestor = _ingestor(sessions, clock)
    _load(ingestor, clock, "a.txt", DOC_A, T1)
    result = _load(ingestor, clock, "b.txt", DOC_B, T2)
    assert result.stories_joined == 1
    assert _story_of(sessions, STRIKE) == _story_of(sessions, REWRITE)
    with sessions() as session:
        assert session.get(Story, _story_of(sessions, STRIKE)).item_count == 2


def test_window_sees_items_another_ingestor_stored(sessions):
    clock = Clock(T1)
    first, second = _ingestor(sessions, clock), _ingestor(sessions, clock)
    _load(first, clock, "a.txt", DOC_A, T1)
    with sessions() as session:  # warm the first one's days before the other process writes
        first.window.refresh(session)
        first.window.window(session, {date(2025, 3, 17)})
    _load(second, clock, "b.txt", DOC_B, T2)
    with sessions() as session:
        first.window.refresh(session)
        seen = first.window.window(session, {date(2025, 3, 17)}).ids
        stored = session.scalars(select(Item.id)).all()
    assert sorted(seen.tolist()) == sorted(stored)  # both documents, the Peru story (16 March) too


def test_a_deleted_candidate_is_never_joined(sessions):
    clock = Clock(T1)
    ingestor = _ingestor(sessions, clock)
    loaded = _load(ingestor, clock, "a.txt", DOC_A, T1)
    with sessions.begin() as session:
        session.delete(session.get(Document, loaded.document_id))  # its items go with it
    result = _load(ingestor, clock, "b.txt", DOC_B, T2)
    assert result.stories_joined == 0
    story_id = _story_of(sessions, REWRITE)
    with sessions() as session:
        assert session.get(Story, story_id).item_count == 1


def test_a_story_told_twice_in_one_document_is_one_story_with_a_duplicate(sessions):
    clock = Clock(T1)
    twice = newsletter("Echo", [("Dock strike in Mombasa", "Coast Wire, 17 March 2025", PORT_BODY),
                                ("Mombasa strike (repeat)", "Coast Wire, 17 March 2025", PORT_BODY)])
    result = _load(_ingestor(sessions, clock), clock, "twice.txt", twice, T1)
    assert result.duplicates == 1
    with sessions() as session:
        first, second = session.execute(select(Item.id, Item.story_id, Item.duplicate_of_id)
                                        .order_by(Item.id)).all()
        assert second.story_id == first.story_id and second.duplicate_of_id == first.id
        assert first.duplicate_of_id is None
        assert session.get(Story, first.story_id).item_count == 2


def test_a_copy_of_a_stored_item_links_to_the_original(sessions):
    clock = Clock(T1)
    ingestor = _ingestor(sessions, clock)
    _load(ingestor, clock, "a.txt", DOC_A, T1)
    copy = newsletter("Copy", [("Port strike", "Other Wire, 17 March 2025", PORT_BODY)])
    result = _load(ingestor, clock, "copy.txt", copy, T2)
    assert (result.duplicates, result.stories_joined) == (1, 1)
    with sessions() as session:
        original = session.scalar(select(Item.id).where(Item.title == STRIKE))
        copied = session.execute(select(Item.duplicate_of_id, Item.story_id)
                                 .where(Item.title == "Port strike")).one()
        assert copied.duplicate_of_id == original
        assert copied.story_id == _story_of(sessions, STRIKE)


def test_days_beyond_the_row_budget_are_dropped_and_reloaded(sessions):
    clock = Clock(T1)
    _load(_ingestor(sessions, clock), clock, "a.txt", DOC_A, T1)
    window = StoryWindow(max_rows=1)
    with sessions() as session:
        window.refresh(session)
        near = window.window(session, {date(2025, 3, 17)}).ids.tolist()
        assert near  # the days asked for stay, whatever the budget
        far = window.window(session, {date(2025, 4, 30)})  # a later request, nothing stored there
        assert len(far.ids) == 0
        assert sum(len(b) for b in window._days.values()) == 0  # the March days were dropped
        again = window.window(session, {date(2025, 3, 17)}).ids.tolist()
    assert sorted(again) == sorted(near)  # and come back from the database when needed


def test_days_nobody_asks_for_are_dropped_though_rows_are_free(sessions):
    clock = Clock(T1)
    _load(_ingestor(sessions, clock), clock, "a.txt", DOC_A, T1)
    window = StoryWindow(idle_windows=3)
    march = date(2025, 3, 17)
    with sessions() as session:
        window.refresh(session)
        near = window.window(session, {march}).ids.tolist()
        assert near
        for n in range(3):  # documents of a later month: March is still within the idle limit
            window.window(session, {date(2025, 5, 1 + 10 * n)})
        assert march in window._days
        window.window(session, {date(2025, 6, 1)})  # a fourth: March is now idle, and goes
        assert march not in window._days
        assert date(2025, 6, 1) in window._days
        again = window.window(session, {march}).ids.tolist()
    assert sorted(again) == sorted(near)
