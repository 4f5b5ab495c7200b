"""Deleting documents on real SQLite and PostgreSQL: items, countries, full-text rows and band
keys go; stories left empty go; a shared story keeps its other members and a new voice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from services import documents
from storage.dialect import dialect_of
from storage.models import Delivery, Document, Item, ItemCountry, Story, Subscriber
from storage.query import parse_query
from storage.repositories.documents import delete_documents
from storage.repositories.search import search_items
from storage.repositories.story_views import story_records

NOW = datetime(2025, 3, 10, 8, 0, tzinfo=UTC)

STRIKE_BODY = (
    "Dockworkers in the Netherlands returned to work on Monday after a four-day strike over "
    "pay at Rotterdam. The port authority said container traffic would be back to normal by "
    "the weekend, and that ships waiting at anchor would be cleared in order of arrival. Union "
    "leaders said the deal raised wages by four percent and added a night-shift bonus.")
BORDER = ("Finland opens a new border crossing",
          "Finnish officials opened a renovated crossing point with Norway on Tuesday, cutting "
          "the drive between the two northern towns by an hour. Customs officers will staff it "
          "around the clock from next month.")
VOLCANO = ("Volcano erupts on the Reykjanes peninsula",
           "A fissure eruption began near Grindavik in Iceland late on Wednesday, the "
           "meteorological office said. Residents had been evacuated weeks earlier and flights "
           "at Keflavik were running normally.")


def _newsletter(name: str, *stories: tuple[str, str]) -> bytes:
    parts = [f"{name} weekly"]
    for day, (title, body) in enumerate(stories, 3):
        parts += [title, f"[{name} Wire](#), {day} March 2025", body]
    return "\n\n".join(parts).encode()


@pytest.fixture
def store(ingestor, sessions):
    """A: the strike and the border; B: the strike retitled (a near copy) and a volcano;
    C: B's strike word for word. Return the documents' ids by letter."""
    ids = {}
    for letter, stories in (
        ("A", [("Harbour strike ends in Rotterdam", STRIKE_BODY), BORDER]),
        ("B", [("Rotterdam dockworkers end their strike", STRIKE_BODY), VOLCANO]),
        ("C", [("Rotterdam dockworkers end their strike", STRIKE_BODY)]),
    ):
        result = ingestor.ingest_bytes(_newsletter(letter, *stories), f"{letter}.txt")
        assert result.status == "loaded", result
        ids[letter] = result.document_id
    return ids


def _items(session, document_id: int) -> list[Item]:
    return list(session.scalars(select(Item).where(Item.document_id == document_id)
                                .order_by(Item.id)))


def _found(session, words: str) -> set[int]:
    return {hit.item_id for hit in search_items(session, parse_query(words), limit=50)}


def test_a_document_goes_with_everything_that_hangs_on_it(sessions, store) -> None:
    with sessions() as session:
        strike, border = _items(session, store["A"])
        strike_b, volcano = _items(session, store["B"])
        [strike_c] = _items(session, store["C"])
        keys = strike.band_keys.split() + border.band_keys.split()
        # The premise: B's and C's strike are copies of A's, all three in one story.
        assert {strike_b.story_id, strike_c.story_id} == {strike.story_id}
        assert strike_b.duplicate_of_id == strike.id and strike_c.duplicate_of_id == strike.id
        assert _found(session, "Finland") == {border.id}
        assert _found(session, "Rotterdam") == {strike.id}
    with sessions.begin() as session:
        deleted = delete_documents(session, [store["A"]], NOW)
    assert [d.id for d in deleted.documents] == [store["A"]]
    assert (deleted.items, deleted.stories_removed, deleted.stories_kept) == (2, 1, 1)
    with sessions() as session:
        assert session.get(Document, store["A"]) is None
        assert session.scalar(select(func.count()).select_from(Item)
                              .where(Item.id.in_([strike.id, border.id]))) == 0
        assert session.scalar(select(func.count()).select_from(ItemCountry)
                              .where(ItemCountry.item_id.in_([strike.id, border.id]))) == 0
        # Full text: the border story is found no more; the strike through its surviving copy.
        assert _found(session, "Finland") == set()
        assert _found(session, "Rotterdam") == {strike_b.id}
        # Band keys: the deleted items hold none; the copies still hold theirs.
        holders = {i for i, _ in dialect_of(session).items_sharing_band_keys(
            session, sorted(set(keys)), 100)}
        assert holders == {strike_b.id, strike_c.id}
        # Stories: the border's is gone; the strike's lives on with B's item as its voice.
        assert session.get(Story, border.story_id) is None
        story = session.get(Story, strike.story_id)
        assert story.item_count == 2 and story.title == strike_b.title
        assert session.get(Item, strike_b.id).duplicate_of_id is None
        assert session.get(Item, strike_c.id).duplicate_of_id == strike_b.id
        [record] = story_records(session, [strike.story_id])
        assert record.title == "Rotterdam dockworkers end their strike"
        assert record.item_count == 2
        assert session.get(Item, volcano.id) is not None


def test_full_text_and_band_rows_follow_on_sqlite(sessions, store) -> None:
    with sessions() as session:
        if dialect_of(session).name != "sqlite":
            pytest.skip("SQLite keeps full-text rows and band keys in tables of their own")
        doomed = [i.id for i in _items(session, store["B"])]
    with sessions.begin() as session:
        delete_documents(session, [store["B"]], NOW)
    with sessions() as session:
        fts = session.execute(text("SELECT count(*) FROM items_fts WHERE items_fts MATCH 'Grindavik'"))
        assert fts.scalar_one() == 0
        for table in ("item_band_keys", "item_band_keys_new"):
            left = session.execute(text(f"SELECT count(*) FROM {table} WHERE item_id IN "
                                        f"({', '.join(map(str, doomed))})")).scalar_one()
            assert left == 0, table


def test_deleting_every_document_leaves_nothing_but_the_outbox(sessions, store) -> None:
    with sessions.begin() as session:
        subscriber = Subscriber(chat_id=5, timezone="UTC")
        session.add(subscriber)
        session.flush()
        session.add(Delivery(subscriber_id=subscriber.id, briefing_key="daily:2025-03-09",
                             status="sent", messages='["old news"]'))
    with sessions.begin() as session:
        deleted = delete_documents(session, [store["C"], store["A"], store["B"], 999], NOW)
    assert sorted(d.id for d in deleted.documents) == sorted(store.values())
    with sessions() as session:
        for model in (Document, Item, ItemCountry, Story):
            assert session.scalar(select(func.count()).select_from(model)) == 0, model
        assert session.scalar(select(func.count()).select_from(Delivery)) == 1
        assert _found(session, "Rotterdam") == set()


def test_unknown_ids_delete_nothing(sessions, store) -> None:
    with pytest.raises(documents.UnknownDocumentsError, match="no document with id 999"):
        documents.delete(sessions, [store["A"], 999], NOW)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Document)) == 3


def test_prune_goes_by_loaded_at(sessions, store) -> None:
    with sessions.begin() as session:
        session.get(Document, store["A"]).loaded_at = NOW - timedelta(days=100)
        session.get(Document, store["B"]).loaded_at = NOW - timedelta(days=89)
    dry = documents.prune(sessions, timedelta(days=90), NOW, dry_run=True)
    assert [d.id for d in dry.documents] == [store["A"]] and dry.items == 2
    with sessions() as session:
        assert session.get(Document, store["A"]) is not None  # a dry run deletes nothing
    pruned = documents.prune(sessions, timedelta(days=90), NOW)
    assert [d.id for d in pruned.documents] == [store["A"]]
    assert (pruned.items, pruned.stories_removed, pruned.stories_kept) == (2, 1, 1)
    assert [d.id for d in documents.list_documents(sessions)] == [store["C"], store["B"]]


@pytest.mark.parametrize(("text", "days"), [("90d", 90), ("12h", 0.5), ("2w", 14), (" 1D ", 1)])
def test_ages(text, days) -> None:
    assert documents.parse_age(text) == timedelta(days=days)


@pytest.mark.parametrize("text", ["90", "0d", "d", "-1d", "1.5d", "90y", "١d", "9999999d"])
def test_bad_ages(text) -> None:
    with pytest.raises(ValueError, match="not an age|at most"):
        documents.parse_age(text)
