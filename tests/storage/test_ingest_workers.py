"""Parsing in worker processes: a document over its time or memory budget fails alone, the
worker is replaced, the rest of the batch loads, and results keep their order."""

from __future__ import annotations

import multiprocessing
import random
import time
from datetime import date

import pytest
from sqlalchemy import func, select

from bench.corpus import newsletter
from bot.context import AppContext
from bot.settings import SettingsError, load_settings
from news.types import IngestError
from storage.ingest import workers
from storage.ingest.pipeline import Ingestor, parse_document
from storage.ingest.workers import Budget, ParsePool, default_workers
from storage.models import Document, Item
from tests.storage.worker_calls import MB, apply, backtrack, buggy, echo, hog, killed, nap


@pytest.fixture
def any_pool():
    """Make pools whose calls are (function, arguments), so a test can mix behaviours."""
    pools: list[ParsePool] = []

    def make(workers: int = 1, seconds: float = 10.0, memory_mb: int = 1024) -> ParsePool:
        pools.append(ParsePool(apply, Budget(workers, seconds, memory_mb)))
        return pools[-1]

    yield make
    for pool in pools:
        pool.close()


def test_results_keep_their_order_across_workers(any_pool):
    pool = any_pool(workers=2)
    rng = random.Random(5)
    futures = [pool.submit(nap, rng.uniform(0, 0.05), n) for n in range(20)]
    assert [f.result(timeout=60) for f in futures] == list(range(20))


def test_a_call_over_time_is_killed_alone_and_the_worker_replaced(any_pool):
    pool = any_pool(workers=1, seconds=1.0)  # one worker: the calls after it need a new one
    before = pool.submit(echo, "before")
    started = time.monotonic()
    stuck = pool.submit(backtrack, 60)
    after = [pool.submit(echo, n) for n in range(3)]
    with pytest.raises(IngestError, match=r"^took too long \(over 1 s\)$"):
        stuck.result(timeout=60)
    assert time.monotonic() - started < 10
    assert before.result() == "before"
    assert [f.result(timeout=60) for f in after] == [0, 1, 2]


def test_running_out_of_memory_fails_alone(any_pool):
    pool = any_pool(workers=1, memory_mb=512)
    hungry = pool.submit(hog, 2048)
    fine = pool.submit(hog, 16)
    with pytest.raises(IngestError, match=r"^out of memory while parsing \(over the 512 MB limit\)$"):
        hungry.result(timeout=60)
    assert fine.result(timeout=60) == 16 * MB


def test_a_worker_killed_from_outside_fails_its_call_alone(any_pool):
    pool = any_pool(workers=1, memory_mb=768)
    lost = pool.submit(killed)
    after = pool.submit(echo, "after")
    with pytest.raises(IngestError, match=r"killed by SIGKILL; limit 768 MB"):
        lost.result(timeout=60)
    assert after.result(timeout=60) == "after"


def test_a_bug_is_raised_again_with_the_worker_traceback(any_pool):
    pool = any_pool()
    with pytest.raises(ValueError, match="a bug") as raised:
        pool.submit(buggy).result(timeout=60)
    [note] = raised.value.__notes__
    assert note.startswith("in the parse worker:") and 'raise ValueError("a bug")' in note


def test_close_stops_a_running_call_and_cancels_queued_ones(any_pool):
    pool = any_pool(workers=1, seconds=60)
    running = pool.submit(nap, 30, "late")
    queued = pool.submit(echo, "never")
    while not running.running():
        time.sleep(0.01)
    started = time.monotonic()
    pool.close()
    assert time.monotonic() - started < 5
    with pytest.raises(IngestError, match="^ingest stopped before this document was parsed$"):
        running.result(timeout=5)
    assert queued.cancelled()


def test_an_idle_worker_is_stopped_and_a_new_one_starts_when_needed(any_pool, monkeypatch):
    monkeypatch.setattr(workers, "IDLE_SECONDS", 0.5)
    pool = any_pool(workers=1)
    assert pool.submit(echo, 1).result(timeout=60) == 1
    assert _parse_workers() == 1
    deadline = time.monotonic() + 10
    while _parse_workers() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _parse_workers() == 0
    assert pool.submit(echo, 2).result(timeout=60) == 2


def _parse_workers() -> int:
    return sum(p.name == "briefbot-parse" for p in multiprocessing.active_children())


# ---- the Ingestor with parse workers, on SQLite and PostgreSQL ----


def _letter(seed: int, stories: int = 3) -> bytes:
    return newsletter(random.Random(seed), stories, date(2025, 3, 10)).encode()


@pytest.fixture
def pooled(sessions):
    ingestor = Ingestor(sessions, max_bytes=20 * MB, budget=Budget(2, 1.0, 2048))
    yield ingestor
    ingestor.close()


def test_a_document_over_time_fails_alone_and_the_batch_loads_in_order(pooled, sessions):
    slow = _letter(99, stories=3000)  # a few seconds of honest parsing: over a 1 s budget
    docs = [(_letter(n), f"a{n}.txt") for n in range(4)] + [(slow, "slow.txt")]
    docs += [(_letter(n), f"b{n}.txt") for n in range(4, 12)]
    results = list(pooled.ingest_documents(docs))
    assert [r.path for r in results] == [name for _, name in docs]
    assert [r.status for r in results] == ["loaded"] * 4 + ["failed"] + ["loaded"] * 8
    assert results[4].error == "took too long (over 1 s)"
    with sessions() as session:
        assert session.scalar(select(func.count(Document.id))) == 12
        assert session.scalar(select(func.count(Item.id))) == 36


def test_workers_store_what_parsing_in_process_stores(pooled, sessions):
    data = _letter(7, stories=5)
    result = pooled.ingest_bytes(data, "weekly.txt", loaded_by="42")
    assert (result.status, result.items) == ("loaded", 5)
    assert pooled.ingest_bytes(data, "again.txt").status == "duplicate"
    with sessions() as session:
        titles = session.scalars(select(Item.title).order_by(Item.position)).all()
    in_process = Ingestor(sessions, max_bytes=20 * MB)  # no budget: parses right here
    _, items = parse_document(data, "weekly.txt", in_process.clock())
    assert titles == [item.row["title"] for item in items]
    assert in_process._pool is None


def test_stopping_early_cancels_the_documents_parsed_ahead(pooled, sessions):
    results = pooled.ingest_documents((_letter(n), f"n{n}.txt") for n in range(40))
    assert next(results).status == "loaded"
    results.close()  # the caller stops: what was handed to the workers ahead is dropped
    assert pooled.ingest_bytes(_letter(100), "later.txt").status == "loaded"
    with sessions() as session:
        assert session.scalar(select(func.count(Document.id))) < 40


def test_failures_keep_their_one_line_reasons(pooled):
    docs = [(b"\x00\x01\x02 binary", "x.txt"), (b"   ", "empty.txt"), (_letter(1), "ok.txt")]
    results = list(pooled.ingest_documents(docs))
    assert [r.status for r in results] == ["failed", "failed", "loaded"]
    assert results[1].error == "empty file"
    assert all("\n" not in (r.error or "") for r in results)


# ---- settings ----


def test_the_context_gives_the_ingestor_its_budget(tmp_path):
    ctx = AppContext(load_settings(data_dir=tmp_path, ingest_timeout_seconds=5,
                                   ingest_memory_mb=1024))
    assert ctx.ingestor.budget == Budget(default_workers(), 5.0, 1024)
    ctx.close()
    ctx = AppContext(load_settings(data_dir=tmp_path, ingest_workers=0))
    assert ctx.ingestor.budget.workers == 0


@pytest.mark.parametrize("variable, value", [
    ("BRIEFBOT_INGEST_WORKERS", "-1"),
    ("BRIEFBOT_INGEST_TIMEOUT_SECONDS", "inf"),
    ("BRIEFBOT_INGEST_TIMEOUT_SECONDS", "0"),
    ("BRIEFBOT_INGEST_MEMORY_MB", "100"),
])
def test_bad_ingest_limits_fail_at_start_in_one_line(monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert variable in str(raised.value) and "\n" not in str(raised.value)
