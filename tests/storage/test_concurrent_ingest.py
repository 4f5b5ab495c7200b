"""Concurrent writers on PostgreSQL: no document fails on a deadlock, every item is stored once.

Each writer's transaction holds several documents; items joining stories stored before bump
those stories' rows. Two transactions joining the same stories in opposite orders used to wait
for each other until the server failed one of them (a deadlock).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from bench.corpus import story
from news.enrich import enrich_item
from news.extract.readers import read_bytes
from news.split.splitter import split_document
from storage.clock import utcnow
from storage.db import make_engine, make_session_factory, upgrade
from storage.ingest.pipeline import Ingestor
from storage.ingest.stories import match_items
from storage.ingest.story_window import StoryWindow
from storage.ingest.writer import document_savepoints, write_items
from storage.models import Document, Item, Story
from storage.repositories.documents import create_document
from tests.conftest import new_postgres_database

BRIEFBOT = Path(sys.executable).parent / "briefbot"
DAY = date(2025, 3, 3)
WAIT = 30  # seconds a thread may wait for the other before the test gives up


@pytest.fixture
def pg_sessions() -> Iterator[sessionmaker[Session]]:
    """Yield sessions on a new, upgraded PostgreSQL database (skip when unreachable)."""
    with new_postgres_database("briefbot_cc", "deadlocks need PostgreSQL's row locks") as url:
        engine = make_engine(url)
        upgrade(engine)
        yield make_session_factory(engine)
        engine.dispose()


def newsletter(label: str, stories: list[str]) -> bytes:
    """Return a newsletter of *stories* under a header of its own (so its file is new)."""
    return "\n\n".join([f"Shared Weekly\n\nIssue {label}", *stories]).encode() + b"\n"


def write_document(session: Session, window: StoryWindow, data: bytes, name: str) -> None:
    """Read, split, enrich and store one document the way ingest does, in its savepoint."""
    extracted = read_bytes(data, name)
    now = utcnow()
    items = [enrich_item(p, extracted, now) for p in split_document(extracted)]
    for attempt in document_savepoints(session):
        with attempt:
            document_id = create_document(
                session, name=name, sha256=hashlib.sha256(data).hexdigest(),
                format=extracted.format, size=len(data), title=None, language="en",
                encoding="utf-8", loaded_at=now, loaded_by=None, status="loaded",
                item_count=len(items))
            decisions = match_items(session, window, [item.match for item in items])
            write_items(session, document_id, items, decisions, now)


def run_both(*jobs: Callable[[], None]) -> list[BaseException]:
    """Run *jobs* in threads at once; return what they raised."""
    errors: list[BaseException] = []

    def guarded(job: Callable[[], None]) -> None:
        try:
            job()
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT * 2)
    assert not any(thread.is_alive() for thread in threads), "a writer is still waiting"
    return errors


def test_two_transactions_joining_stories_in_opposite_orders_both_commit(pg_sessions) -> None:
    rng = random.Random(3)
    one, two = story(rng, DAY), story(rng, DAY)
    ingestor = Ingestor(pg_sessions, max_bytes=1 << 20)
    for label, text_ in (("one", one), ("two", two)):
        assert ingestor.ingest_bytes(newsletter(label, [text_]), f"{label}.txt").status == "loaded"
    both_wrote_once = threading.Barrier(2, timeout=WAIT)

    def writer(first: str, second: str, label: str) -> Callable[[], None]:
        def job() -> None:
            window = StoryWindow()
            with pg_sessions.begin() as session:
                write_document(session, window, newsletter(f"{label}1", [first]), f"{label}1.txt")
                both_wrote_once.wait()  # each now holds what the other joins next
                write_document(session, window, newsletter(f"{label}2", [second]), f"{label}2.txt")
        return job

    assert run_both(writer(one, two, "a"), writer(two, one, "b")) == []
    with pg_sessions() as session:
        counts = session.execute(select(Story.item_count).order_by(Story.id)).scalars().all()
        assert counts == [3, 3]  # the original and one copy from each writer
        assert session.scalar(select(func.count(Item.id))) == 6


def test_a_savepoint_the_server_fails_to_break_a_deadlock_is_written_again(pg_sessions) -> None:
    with pg_sessions.begin() as session:
        session.execute(text("INSERT INTO stories (id, title, first_seen, updated_at, item_count) "
                             "VALUES (1, 'x', now(), now(), 0), (2, 'y', now(), now(), 0)"))
    crossed = threading.Barrier(2, timeout=WAIT)
    attempts: list[int] = []

    def bump(session: Session, story_id: int) -> None:
        session.execute(text("UPDATE stories SET item_count = item_count + 1 WHERE id = :id"),
                        {"id": story_id})

    def writer(first: int, second: int) -> Callable[[], None]:
        def job() -> None:
            with pg_sessions.begin() as session:
                for n, attempt in enumerate(document_savepoints(session)):
                    with attempt:
                        attempts.append(first)
                        bump(session, first)
                        if n == 0:
                            crossed.wait()  # both hold one row and want the other's
                        bump(session, second)
        return job

    assert run_both(writer(1, 2), writer(2, 1)) == []
    assert len(attempts) == 3, "the server failed one of the two, once, and it was written again"
    with pg_sessions() as session:
        assert session.execute(text("SELECT item_count FROM stories ORDER BY id")).all() == [
            (2,), (2,)]


def shared_story_files(root: Path, per_process: int = 80) -> list[Path]:
    """Write two folders of small newsletters: six stories of a shared 30 each, one their own."""
    rng = random.Random(7)
    pool = [story(rng, DAY) for _ in range(30)]
    folders = []
    for half in ("a", "b"):
        folder = root / half
        folder.mkdir()
        for n in range(per_process):
            stories = [*rng.sample(pool, 6), story(rng, DAY)]
            (folder / f"n{n:03d}.txt").write_bytes(newsletter(f"{n}{half}", stories))
        folders.append(folder)
    return folders


def test_two_ingest_processes_sharing_stories_fail_nothing(tmp_path: Path) -> None:
    with new_postgres_database("briefbot_cc", "deadlocks need PostgreSQL's row locks") as url:
        engine = make_engine(url)
        upgrade(engine)
        env = {k: v for k, v in os.environ.items() if not k.startswith("BRIEFBOT_")}
        env.update(BRIEFBOT_DATABASE_URL=url, BRIEFBOT_DATA_DIR=str(tmp_path))
        runs = [subprocess.Popen([str(BRIEFBOT), "ingest", "--json", str(folder)], env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
                for folder in shared_story_files(tmp_path)]
        results = [json.loads(line) for run in runs for line in run.communicate(timeout=600)[0]
                   .splitlines()]
        assert [run.returncode for run in runs] == [0, 0]
        try:
            with make_session_factory(engine)() as session:
                stored = session.scalar(select(func.count(Item.id)))
                documents = session.scalar(select(func.count(Document.id)))
                counted = session.scalar(select(func.sum(Story.item_count)))
        finally:
            engine.dispose()
    assert [r for r in results if r["status"] != "loaded"] == []
    assert len(results) == documents == 160
    assert stored == sum(r["items"] for r in results) == 160 * 7  # every item once
    assert counted == stored  # and counted once into its story
