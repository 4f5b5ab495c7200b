"""Batched ingest on real SQLite and PostgreSQL: many documents to a transaction, a savepoint
each, so one bad document fails alone and "loaded" is only said of what was committed."""

from __future__ import annotations

import random
from datetime import date, datetime

from sqlalchemy import event, func, select, text
from sqlalchemy.exc import OperationalError

import storage.ingest.pipeline as pipeline
from bench.corpus import newsletter
from storage.dialect import WRITE_TRANSACTION
from storage.ingest.files import iter_files
from storage.models import Document, Item, Story


def _letter(seed: int, stories: int = 3) -> bytes:
    return newsletter(random.Random(seed), stories, date(2025, 3, 10)).encode()


def _counts(sessions) -> tuple[int, int, int]:
    """Return the documents, items and full-text rows stored."""
    with sessions() as session:
        items = session.scalar(select(func.count(Item.id)))
        indexed = (session.scalar(text("SELECT count(*) FROM items_fts_docsize"))
                   if session.bind.dialect.name == "sqlite" else items)  # PG: a generated column
        return session.scalar(select(func.count(Document.id))), items, indexed


def test_a_batch_loads_every_document_in_order(ingestor, sessions):
    docs = [(_letter(seed), f"letter{seed}.txt") for seed in range(6)]
    results = list(ingestor.ingest_documents(docs))
    assert [r.path for r in results] == [name for _, name in docs]
    assert all(r.status == "loaded" and r.items == 3 for r in results)
    assert _counts(sessions) == (6, 18, 18)


def test_a_write_that_fails_midway_is_rolled_back_alone(ingestor, sessions, monkeypatch):
    real = pipeline.write_items

    def failing(session, document_id, items, decisions, now):
        stored = real(session, document_id, items, decisions, now)  # rows written, then a failure
        if items[0].row["title"] == bad_title:
            raise OperationalError("INSERT", {}, Exception("disk I/O error"))
        return stored

    monkeypatch.setattr(pipeline, "write_items", failing)
    bad = _letter(2)
    bad_title = bad.decode().split("\n\n")[2]
    docs = [(_letter(1), "one.txt"), (bad, "bad.txt"), (_letter(3), "three.txt")]
    results = list(ingestor.ingest_documents(docs))
    assert [r.status for r in results] == ["loaded", "failed", "loaded"]
    assert results[1].error == "database error: OperationalError"
    assert _counts(sessions) == (2, 6, 6)  # no document, item or index row of the bad one
    monkeypatch.setattr(pipeline, "write_items", real)
    assert ingestor.ingest_bytes(bad, "bad.txt").status == "loaded"  # nothing half-stored blocks it
    assert _counts(sessions) == (3, 9, 9)


def test_an_unexpected_error_fails_one_document_and_says_so(ingestor, sessions, monkeypatch):
    real = pipeline.enrich_item

    def buggy(parsed, doc, now):
        if "boom" in parsed.title.lower():
            raise ValueError("a bug")
        return real(parsed, doc, now)

    monkeypatch.setattr(pipeline, "enrich_item", buggy)
    docs = [(b"Boom goes the parser\n\n" + b"A perfectly ordinary sentence. " * 5, "boom.txt"),
            (_letter(4), "fine.txt")]
    results = list(ingestor.ingest_documents(docs))
    assert results[0].status == "failed" and "internal error (ValueError)" in results[0].error
    assert results[1].status == "loaded"


def test_the_same_file_twice_in_one_batch_is_a_duplicate(ingestor, sessions):
    data = _letter(5)
    results = list(ingestor.ingest_documents([(data, "a.txt"), (data, "b.txt")]))
    assert [r.status for r in results] == ["loaded", "duplicate"]
    assert results[1].document_id == results[0].document_id and results[1].items == 3
    assert _counts(sessions) == (1, 3, 3)


def test_a_story_told_twice_in_one_batch_is_one_story(ingestor, sessions):
    body = _letter(6, stories=2).decode()
    results = list(ingestor.ingest_documents([(body.encode(), "first.txt"),
                                              (("Reprint\n\n" + body).encode(), "again.txt")]))
    assert [r.duplicates for r in results] == [0, 2]  # matched within the open transaction
    with sessions() as session:
        assert session.scalar(select(func.count(Story.id))) == 2


def test_a_failed_commit_reports_the_whole_batch_failed(ingestor, sessions, engine):
    def refuse(conn):  # the write transaction's commit, not the known-file checks
        if conn.get_execution_options().get("sqlite_begin"):
            raise OperationalError("COMMIT", {}, Exception("database or disk is full"))

    assert ingestor.ingest_bytes(_letter(11), "earlier.txt").status == "loaded"
    assert len(ingestor.window) > 0
    event.listen(engine, "commit", refuse)
    try:
        results = list(ingestor.ingest_documents([(_letter(7), "x.txt"), (_letter(8), "y.txt")]))
    finally:
        event.remove(engine, "commit", refuse)
    assert [r.status for r in results] == ["failed", "failed"]
    assert all(r.error == "database error: OperationalError" for r in results)
    assert _counts(sessions)[:2] == (1, 3)  # only the earlier document
    assert len(ingestor.window) == 0  # it had seen the lost batch: it reads the store afresh
    again = list(ingestor.ingest_documents([(_letter(7), "x.txt"), (_letter(8), "y.txt")]))
    assert [(r.status, r.duplicates) for r in again] == [("loaded", 0), ("loaded", 0)]


def test_batches_close_at_the_document_limit(ingestor, engine, monkeypatch):
    monkeypatch.setattr(pipeline, "BATCH_DOCUMENTS", 2)
    commits = []

    def count(conn):  # write transactions only: the known-file checks commit too
        if conn.get_execution_options().get("sqlite_begin"):
            commits.append(conn)

    event.listen(engine, "commit", count)
    try:
        results = list(ingestor.ingest_documents([(_letter(s), f"{s}.txt") for s in range(5)]))
    finally:
        event.remove(engine, "commit", count)
    assert len(results) == 5 and len(commits) == 3  # 2 + 2 + 1


def test_files_failing_to_read_keep_their_place_among_loaded_ones(ingestor, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_bytes(_letter(9))
    (folder / "b.txt").write_bytes(b"")
    (folder / "c.txt").write_bytes(_letter(10))
    results = list(ingestor.ingest_paths(iter_files([folder, tmp_path / "missing"])))
    assert [(r.path.rsplit("/", 1)[-1], r.status) for r in results] == [
        ("a.txt", "loaded"), ("b.txt", "failed"), ("c.txt", "loaded"), ("missing", "failed")]


def test_a_released_savepoint_is_not_a_commit(engine, sessions):
    # pysqlite left alone would start the transaction at the first SAVEPOINT, and its RELEASE
    # would commit: the outer rollback must undo both documents here.
    with sessions() as session:
        session.connection(execution_options=WRITE_TRANSACTION)
        for n in range(2):
            with session.begin_nested():
                session.add(Document(name=f"d{n}", sha256=f"{n:064}", format="text", size=1,
                                     loaded_at=datetime(2025, 1, 1),
                                     status="loaded", item_count=0))
        session.rollback()
    with sessions() as session:
        assert session.scalar(select(func.count(Document.id))) == 0
