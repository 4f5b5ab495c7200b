"""Story matching through long-lived ingestors: rewrites found by content, refreshes, deletions."""

from __future__ import annotations

from sqlalchemy import func, select, update

from bot.cli.output import ingest_line
from news.similarity.event_index import Match
from news.similarity.events import THRESHOLD
from storage.ingest.pipeline import Ingestor
from storage.ingest.story_window import StoryWindow
from storage.models import Document, Item, Story
from storage.repositories.story_views import story_records
from tests.services.test_briefing_service import DOC_A, DOC_B, PORT_BODY, T1, T2, Clock, newsletter

STRIKE = "Mombasa dockworkers strike over unpaid overtime"
REWRITE = "Ships stranded as Kenyan port workers down tools"
# The strike as another outlet tells it: its own headline and words, no sentence in common.
RETOLD = "Kenya port strike strands container ships off Mombasa"
RETOLD_BODY = (
    "Container ships were left waiting at anchor off Mombasa on Monday after dockworkers at "
    "Kenya's main port walked out over unpaid overtime. The Kenya Ports Authority expects to "
    "resume talks with the dockworkers union in Nairobi on Tuesday; shipping lines fear delays "
    "for cargo bound for Uganda and Rwanda."
)
DOC_C = newsletter("Port Watch", [(RETOLD, "Port Watch, 17 March 2025", RETOLD_BODY)])


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


def test_a_rewrite_in_other_words_joins_the_story_by_content(sessions):
    clock = Clock(T1)
    ingestor = _ingestor(sessions, clock)
    _load(ingestor, clock, "a.txt", DOC_A, T1)
    result = _load(ingestor, clock, "c.txt", DOC_C, T2)
    assert (result.stories_joined, result.duplicates) == (1, 0)  # joined, not a copy
    assert _story_of(sessions, RETOLD) == _story_of(sessions, STRIKE)
    assert _story_of(sessions, RETOLD) != _story_of(sessions, "Kenyan tea prices slump at Mombasa auction")


def test_a_new_process_rebuilds_stories_from_the_stored_terms(sessions):
    clock = Clock(T1)
    _load(_ingestor(sessions, clock), clock, "a.txt", DOC_A, T1)
    result = _load(_ingestor(sessions, clock), clock, "c.txt", DOC_C, T2)  # a fresh window
    assert result.stories_joined == 1
    assert _story_of(sessions, RETOLD) == _story_of(sessions, STRIKE)


def test_window_sees_stories_another_ingestor_stored(sessions):
    clock = Clock(T1)
    first, second = _ingestor(sessions, clock), _ingestor(sessions, clock)
    _load(first, clock, "b.txt", DOC_B, T1)  # the first has looked at the store: it holds its own
    _load(second, clock, "a.txt", DOC_A, T1)  # the other process stores the strike and the tea
    result = _load(first, clock, "c.txt", DOC_C, T2)  # found through the refresh
    assert result.stories_joined == 1
    assert _story_of(sessions, RETOLD) == _story_of(sessions, STRIKE) == _story_of(sessions, REWRITE)
    with sessions() as session:
        first.window.refresh(session)
        stories = set(session.scalars(select(Item.story_id)))
    assert {s for s in stories if first.window.index.profile(s) is not None} == stories
    assert first.window.index.profile(_story_of(sessions, STRIKE)).size == 3


def test_items_stored_before_event_terms_match_only_as_copies(sessions):
    clock = Clock(T1)
    _load(_ingestor(sessions, clock), clock, "a.txt", DOC_A, T1)
    with sessions.begin() as session:  # as migration 0007 leaves older rows
        session.execute(update(Item).values(event_terms=None))
    ingestor = _ingestor(sessions, clock)
    assert _load(ingestor, clock, "c.txt", DOC_C, T2).stories_joined == 0
    assert _load(ingestor, clock, "b.txt", DOC_B, T2).stories_joined == 1  # the near-copy
    assert _story_of(sessions, REWRITE) == _story_of(sessions, STRIKE)


def test_a_deleted_candidate_is_never_joined(sessions):
    clock = Clock(T1)
    ingestor = _ingestor(sessions, clock)
    loaded = _load(ingestor, clock, "a.txt", DOC_A, T1)
    gone = _story_of(sessions, STRIKE)
    with sessions.begin() as session:
        session.delete(session.get(Document, loaded.document_id))  # its items go with it
    assert _load(ingestor, clock, "b.txt", DOC_B, T2).stories_joined == 0
    assert _load(ingestor, clock, "c.txt", DOC_C, T2).stories_joined == 1  # the rewrite's story
    assert _story_of(sessions, RETOLD) == _story_of(sessions, REWRITE) != gone
    with sessions() as session:
        assert session.get(Story, _story_of(sessions, REWRITE)).item_count == 2


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


def test_the_first_look_reads_only_the_newest_items(sessions):
    clock = Clock(T1)
    _load(_ingestor(sessions, clock), clock, "a.txt", DOC_A, T1)
    _load(_ingestor(sessions, clock), clock, "p.txt", newsletter("Andes", [(
        "Peru raises copper royalties in new mining law", "Andes Post, 16 March 2025",
        "Peru's congress approved a new mining law on Monday that raises royalties on copper.")]), T2)
    window = StoryWindow(load_items=1)
    with sessions() as session:
        window.refresh(session)
        newest = session.scalar(select(Item.story_id).order_by(Item.id.desc()).limit(1))
    assert len(window) == 1 and window.index.profile(newest) is not None


TEA = "Kenyan tea prices slump at Mombasa auction"


def test_an_item_showing_two_stories_to_be_one_event_merges_them(sessions, monkeypatch):
    clock = Clock(T1)
    ingestor = _ingestor(sessions, clock)
    _load(ingestor, clock, "a.txt", DOC_A, T1)  # two stories: the strike and the tea auction
    strike, tea = _story_of(sessions, STRIKE), _story_of(sessions, TEA)
    assert strike != tea
    # As if the retold strike had fitted both stories and their members each other.
    real = StoryWindow.match

    def bridging(window, items, threshold=THRESHOLD):
        return [Match(strike, 1.0, (tea,)) for _ in items]

    monkeypatch.setattr(StoryWindow, "match", bridging)
    merged = _load(ingestor, clock, "c.txt", DOC_C, T2)
    monkeypatch.setattr(StoryWindow, "match", real)
    assert (merged.stories_joined, merged.stories_merged) == (1, 1)
    assert "1 more story found to be the same event and merged" in ingest_line(merged)
    assert _story_of(sessions, TEA) == _story_of(sessions, RETOLD) == strike
    with sessions() as session:
        assert session.get(Story, strike).item_count == 3
        assert session.get(Story, tea).item_count == 0  # kept, empty: never shown
        assert [r.story_id for r in story_records(session, [strike, tea])] == [strike]
        assert session.scalar(select(func.sum(Story.item_count))) == session.scalar(
            select(func.count(Item.id)))
    assert tea not in ingestor.window.index and strike in ingestor.window.index
    assert ingestor.window.index.profile(strike).size == 3
    # The merged story goes on taking rewrites.
    assert _load(ingestor, clock, "b.txt", DOC_B, T2).stories_joined == 1
    assert _story_of(sessions, REWRITE) == strike
