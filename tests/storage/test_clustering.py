"""Story clustering at ingest, and summaries of the seed documents, on real stores."""

from __future__ import annotations

from sqlalchemy import select

from news.sentences import split_sentences
from news.split.boilerplate import is_boilerplate
from storage.db import make_engine, make_session_factory, upgrade
from storage.ingest.pipeline import Ingestor
from storage.models import Item, Story
from storage.repositories.story_views import story_records
from tests.services.test_briefing_service import DOC_A, DOC_B, T1, T2, Clock, load


def _stories(sessions) -> dict[str, tuple[int, list[str]]]:
    with sessions() as session:
        rows = session.execute(select(Item.title, Item.story_id, Item.source).order_by(Item.id)).all()
        by_story: dict[int, list[str]] = {}
        for _, story_id, source in rows:
            by_story.setdefault(story_id, []).append(source)
        return {title: (story_id, by_story[story_id]) for title, story_id, _ in rows}


def test_same_story_with_edits_is_one_story_with_two_sources(sessions):
    clock = Clock(T1)
    load(sessions, clock, "a.txt", DOC_A, T1)
    load(sessions, clock, "b.txt", DOC_B, T2)
    stories = _stories(sessions)
    strike = stories["Mombasa dockworkers strike over unpaid overtime"]
    rewrite = stories["Ships stranded as Kenyan port workers down tools"]
    assert strike[0] == rewrite[0]
    assert strike[1] == ["Coast Wire", "Harbour Daily"]
    with sessions() as session:
        (record,) = story_records(session, [strike[0]])
        story = session.get(Story, strike[0])
        assert story.item_count == 2
    assert record.sources == ["Coast Wire", "Harbour Daily"] and record.item_count == 2
    assert ("KE", True) in record.countries


def test_different_stories_same_country_and_day_stay_apart(sessions):
    clock = Clock(T1)
    load(sessions, clock, "a.txt", DOC_A, T1)
    load(sessions, clock, "b.txt", DOC_B, T2)
    stories = _stories(sessions)
    tea = stories["Kenyan tea prices slump at Mombasa auction"]
    strike = stories["Mombasa dockworkers strike over unpaid overtime"]
    peru = stories["Peru raises copper royalties in new mining law"]
    assert len({tea[0], strike[0], peru[0]}) == 3
    assert tea[1] == ["Coast Wire"]


def test_seed_summaries_are_verbatim_and_free_of_boilerplate(seeds_dir, tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'seeds.sqlite3'}")
    upgrade(engine)
    sessions = make_session_factory(engine)
    ingestor = Ingestor(sessions, max_bytes=50 * 2**20)
    for path in sorted(seeds_dir.glob("*.txt")):
        assert ingestor.ingest_path(path).status in ("loaded", "duplicate")
    with sessions() as session:
        items = session.scalars(select(Item)).all()
        assert items
        for item in items:
            _check_summary(item.summary, item.body)
    engine.dispose()


def _check_summary(summary: str, body: str) -> None:
    assert summary and len(summary) <= 360
    flat = " ".join(body.split())
    for sentence in split_sentences(summary):
        text = sentence.removesuffix("…")
        assert text in flat, (sentence, flat[:200])
        assert not is_boilerplate(sentence), sentence
