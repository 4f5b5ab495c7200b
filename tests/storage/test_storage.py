"""The store on real SQLite and real PostgreSQL: ingest, duplicates, stories, search, index upkeep."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from storage.db import current_revision, head_revision, upgrade
from storage.dialect import WAL_CHECKPOINT_PAGES, WAL_SIZE_LIMIT
from storage.models import Document, Item, Story
from storage.query import parse_query
from storage.repositories.items import country_item_counts, newest_items
from storage.repositories.search import HIGHLIGHT_END, HIGHLIGHT_START, search_items
from storage.repositories.stories import create_stories
from tests.paths import SAMPLES

NEWSLETTER = """Weekly Notes

Harbour strike ends in Rotterdam

[Dutch Wire](#), 3 February 2025

Dockworkers in the Netherlands returned to work on Monday after a four-day strike over pay.
The port authority said container traffic would be back to normal by the weekend.

Finland opens a new border crossing

[Nordic Post](#), 4 February 2025

Finnish officials opened a renovated crossing point with Norway on Tuesday, cutting the drive
between the two northern towns by an hour.
"""

CYRILLIC = (
    "Заголовок новости\n\nПравительство Сербии заявило во вторник, что не будет вводить "
    "санкции против России, несмотря на давление Европейского союза. Министр сказал, что "
    "решение принято в интересах граждан и экономики страны."
)


def _load(ingestor, tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return ingestor.ingest_path(path)


def test_sqlite_connections_get_wal_and_a_rarer_checkpoint(engine):
    if engine.dialect.name != "sqlite":
        pytest.skip("pragmas are SQLite's; PostgreSQL has its own settings")
    with engine.connect() as conn:
        pragma = {name: conn.exec_driver_sql(f"PRAGMA {name}").scalar() for name in
                  ("journal_mode", "foreign_keys", "synchronous", "wal_autocheckpoint",
                   "journal_size_limit")}
    assert pragma == {"journal_mode": "wal", "foreign_keys": 1, "synchronous": 1,
                      "wal_autocheckpoint": WAL_CHECKPOINT_PAGES, "journal_size_limit": WAL_SIZE_LIMIT}


def test_upgrade_is_idempotent(engine):
    upgrade(engine)
    upgrade(engine)
    assert current_revision(engine) == head_revision(engine)


def test_samples_load_with_items_countries_and_summaries(ingestor, sessions):
    results = [ingestor.ingest_path(p) for p in sorted(SAMPLES.iterdir())]
    assert [r.status for r in results] == ["loaded"] * 3, [r.error for r in results]
    with sessions() as session:
        items = newest_items(session, limit=100)
        assert len(items) >= 5
        for item in items:
            assert item.title and item.body and item.summary
            assert item.summary.split(" ")[0] in item.body
        india = newest_items(session, country="IN", limit=100)
        assert any("Moon" in i.title or "Chandrayaan" in i.body for i in india)
        assert dict(country_item_counts(session))["IN"] >= 2


def test_same_file_twice_is_a_duplicate(ingestor, sessions, tmp_path):
    first = _load(ingestor, tmp_path, "a.txt", NEWSLETTER)
    again = _load(ingestor, tmp_path, "copy.txt", NEWSLETTER)
    assert first.status == "loaded" and first.items == 2
    assert again.status == "duplicate"
    with sessions() as session:
        assert len(session.scalars(select(Document)).all()) == 1
        assert len(session.scalars(select(Item)).all()) == 2


def test_same_story_in_two_documents_is_one_story(ingestor, sessions):
    for path in sorted(SAMPLES.glob("*")):
        ingestor.ingest_path(path)
    with sessions() as session:
        stories = session.scalars(select(Story).where(Story.item_count > 1)).all()
        titles = " ".join(s.title for s in stories)
        assert "African Union" in titles


def test_search_phrase_exclusion_country_and_snippet(ingestor, sessions, tmp_path):
    _load(ingestor, tmp_path, "n.txt", NEWSLETTER)
    with sessions() as session:
        hits = search_items(session, parse_query("strike"))
        assert len(hits) == 1
        assert HIGHLIGHT_START in hits[0].snippet and HIGHLIGHT_END in hits[0].snippet
        assert search_items(session, parse_query('"border crossing"'))
        assert not search_items(session, parse_query('"crossing border"'))
        assert not search_items(session, parse_query("strike -dockworkers"))
        assert search_items(session, parse_query("strike"), country="NL")
        assert not search_items(session, parse_query("strike"), country="FI")
        assert search_items(session, parse_query("dock*"))


def test_malformed_queries_never_raise(ingestor, sessions, tmp_path):
    _load(ingestor, tmp_path, "n.txt", NEWSLETTER)
    with sessions() as session:
        for text in ['"', "(", "strike AND (", "***", "-", 'x" OR', "NEAR(a b)", "a:b", "'", "^"]:
            search_items(session, parse_query(text))


def test_index_follows_updates_and_deletes(ingestor, sessions, tmp_path):
    result = _load(ingestor, tmp_path, "n.txt", NEWSLETTER)
    with sessions.begin() as session:
        item = session.scalars(select(Item).where(Item.title.like("Harbour%"))).one()
        item.body = "The walkout at the quay ended after mediators intervened."
    with sessions() as session:
        assert search_items(session, parse_query("mediators"))
        assert not search_items(session, parse_query("dockworkers"))
    with sessions.begin() as session:
        session.delete(session.get(Document, result.document_id))  # its items go with it
    with sessions() as session:
        assert not search_items(session, parse_query("mediators"))
        assert not search_items(session, parse_query("finnish"))


def test_cyrillic_cp1251_document_is_searchable(ingestor, sessions, tmp_path):
    result = _load(ingestor, tmp_path, "ru.txt", CYRILLIC.encode("cp1251"))
    assert result.status == "loaded", result.error
    with sessions() as session:
        assert search_items(session, parse_query("санкции"))
        item = session.scalars(select(Item)).one()
        assert item.language == "ru"


def test_dates_come_from_the_text_never_the_load_time(ingestor, sessions, tmp_path):
    _load(ingestor, tmp_path, "n.txt", NEWSLETTER)
    _load(ingestor, tmp_path, "plain.txt", "A short note\n\n" + "Nothing here says when it happened. " * 5)
    with sessions() as session:
        by_title = {i.title: i.published for i in session.scalars(select(Item))}
    assert by_title["Harbour strike ends in Rotterdam"] == date(2025, 2, 3)
    assert None in by_title.values()


def test_bad_files_fail_alone_and_lose_nothing(ingestor, sessions, tmp_path):
    good = _load(ingestor, tmp_path, "good.txt", NEWSLETTER)
    bad = {
        "empty.txt": b"",
        "junk.txt": bytes(range(256)) * 40,
        "broken.pdf": b"%PDF-1.4\n1 0 obj << /Type /Catalog",
        "bomb.docx": b"PK\x03\x04 not really a zip",
    }
    results = [_load(ingestor, tmp_path, name, data) for name, data in bad.items()]
    results.append(ingestor.ingest_path(tmp_path / "vanished.txt"))
    big = tmp_path / "big.txt"
    with big.open("wb") as handle:
        handle.truncate(200 * 1024 * 1024)
    results.append(ingestor.ingest_path(big))
    for result in results:
        assert result.status == "failed" and result.error and "\n" not in result.error, result
    assert "over the 20 MB limit" in results[-1].error
    assert good.status == "loaded"
    with sessions() as session:
        assert len(session.scalars(select(Item)).all()) == 2


def test_folder_with_unreadable_entries(ingestor, tmp_path):
    import os

    from storage.ingest.files import iter_files

    folder = tmp_path / "batch"
    folder.mkdir()
    (folder / "good.txt").write_text(NEWSLETTER)
    (folder / "dangling.txt").symlink_to(tmp_path / "missing.txt")
    os.mkfifo(folder / "pipe.txt")
    results = {}
    for path, error in iter_files([folder, tmp_path / "nope"]):
        results[path.name] = error or ingestor.ingest_path(path).error
    assert results["good.txt"] is None
    assert "vanished" in results["dangling.txt"]
    assert "not a regular file" in results["pipe.txt"]
    assert "no such file" in results["nope"]


def test_sqlite_bulk_insert_refuses_ids_it_cannot_vouch_for(engine, sessions):
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL returns the ids with RETURNING, in order")
    with sessions.begin() as session:
        assert create_stories(session, [_story_row("a"), _story_row("b")]) == [1, 2]
    # With the largest rowid taken, SQLite picks free ids at random: no longer consecutive.
    with sessions.begin() as session:
        session.add(Story(id=2**63 - 1, **_story_row("last")))
    with pytest.raises(RuntimeError, match="consecutive"), sessions.begin() as session:
        create_stories(session, [_story_row(str(n)) for n in range(5)])
    with sessions() as session:  # the failed batch rolled back whole
        assert session.scalar(select(func.count(Story.id))) == 3


def _story_row(title: str) -> dict[str, object]:
    now = datetime(2025, 3, 1, tzinfo=UTC)
    return {"title": title, "published": date(2025, 3, 1), "first_seen": now, "updated_at": now,
            "item_count": 1}
