"""Feed storage on SQLite and PostgreSQL: claiming due feeds once, polls, entries, health."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from storage.db import make_session_factory
from storage.repositories import feeds as repo

NOW = datetime(2024, 5, 7, 12, 0, tzinfo=UTC)
LEASE = timedelta(minutes=10)


def _add(sessions, n: int) -> list[int]:
    with sessions.begin() as session:
        return [repo.add_feed(session, f"http://f{i}.test/rss", f"F{i}", 900, NOW)[0].id
                for i in range(n)]


def test_claim_leases_due_feeds_once(sessions):
    ids = _add(sessions, 5)
    with sessions.begin() as session:
        repo.set_paused(session, ids[4], True, NOW)
        first = repo.claim_feeds(session, NOW, 3, LEASE)
    with sessions.begin() as session:
        second = repo.claim_feeds(session, NOW, 10, LEASE)
        third = repo.claim_feeds(session, NOW, 10, LEASE)
    assert [f.id for f in first] == ids[:3] and [f.id for f in second] == [ids[3]]
    assert third == []  # leased, and the paused one is never due
    with sessions.begin() as session:  # by id: due or not
        assert [f.id for f in repo.claim_feeds(session, NOW, 2, LEASE, ids=ids[:2])] == ids[:2]
    with sessions.begin() as session:  # the lease ran out: due again
        assert len(repo.claim_feeds(session, NOW + LEASE * 3, 10, LEASE)) == 4


def test_concurrent_claims_never_share_a_feed(engine):
    sessions = make_session_factory(engine)
    _add(sessions, 40)
    claimed: list[list[int]] = []
    barrier = threading.Barrier(4)

    def worker() -> None:
        barrier.wait()
        got = []
        for _ in range(10):
            with sessions.begin() as session:
                got += [f.id for f in repo.claim_feeds(session, NOW, 3, LEASE)]
        claimed.append(got)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    every = [i for got in claimed for i in got]
    assert len(every) == len(set(every)) == 40


def test_failure_then_success_and_health(sessions):
    [a, b] = _add(sessions, 2)
    with sessions.begin() as session:
        repo.record_failure(session, a, NOW - timedelta(days=2), NOW, "HTTP 403 Forbidden", "http_403")
        repo.record_failure(session, a, NOW, NOW + timedelta(hours=1), "HTTP 403 Forbidden", "http_403")
        repo.record_success(session, b, NOW, NOW + timedelta(minutes=15), '"e"', None)
    with sessions() as session:
        feeds = {f.id: f for f in repo.list_feeds(session)}
        health = repo.feed_health(session)
    assert feeds[a].failures == 2 and feeds[a].failing_since == NOW - timedelta(days=2)
    assert feeds[b].etag == '"e"' and feeds[b].last_success_at == NOW and feeds[b].last_error is None
    assert health.failures_by_kind == {"http_403": 1} and health.active == 2
    assert health.failing_since == [(a, "http://f0.test/rss", NOW - timedelta(days=2))]
    with sessions.begin() as session:
        repo.record_success(session, a, NOW, NOW, None, None)
        assert repo.feed_health(session).failing == 0


def test_entries_known_loaded_anywhere_and_removal(sessions, ingestor):
    [a, b] = _add(sessions, 2)
    doc = ingestor.ingest_bytes(("Harbour plan approved. " * 20).encode(), "h.txt").document_id
    with sessions.begin() as session:
        repo.record_entries(session, a, [repo.EntryRow("k1", "l1", "c1", doc),
                                         repo.EntryRow("k2", None, "c2", None, "no text")], NOW)
        repo.record_entries(session, a, [repo.EntryRow("k1", "l1", "c1b", doc)], NOW)
    with sessions() as session:
        known = repo.known_entries(session, a, ["k1", "k2", "k3"])
        assert known == {"k1": repo.KnownEntry("c1b", doc), "k2": repo.KnownEntry("c2", None)}
        assert repo.loaded_anywhere(session, ["l1", "zz"], ["c2", "c1b"]) == ({"l1"}, {"c1b"})
        assert [f.items for f in repo.list_feeds(session)] == [1, 0]
    with sessions.begin() as session:
        assert repo.drop_documents(session, [doc], NOW) == 0  # still an entry's document
        assert repo.remove_feed(session, a) and not repo.remove_feed(session, a)
        assert repo.drop_documents(session, [doc], NOW) == 1
        assert [f.id for f in repo.list_feeds(session)] == [b]
