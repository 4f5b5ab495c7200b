"""The outbox repository on SQLite and PostgreSQL: scheduled subscribers, uniqueness, claims, outcomes.

The schedule policy itself is tested pure in tests/services/test_schedule.py; here it runs on
what the repository loads, as the scheduler tick does.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from services import schedule
from storage.db import make_engine, make_session_factory
from storage.repositories import deliveries as outbox
from tests.delivery_helpers import CREATED, add_subscriber, rows, sent_ids

GRACE = timedelta(hours=6)
LEASE = timedelta(minutes=2)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def due_runs(session, now: datetime, grace: timedelta = GRACE) -> list[schedule.DueRun]:
    """Return the due runs as the scheduler tick finds them: stored subscribers, the policy."""
    subscribers = outbox.scheduled_subscribers(session, schedule.recent_daily_keys(now))
    return schedule.due_runs(subscribers, now, grace)


def due_chats(session, now: datetime, grace: timedelta = GRACE) -> dict[int, schedule.DueRun]:
    """Return the fresh runs (the ones to send) by chat id."""
    return {r.chat_id: r for r in due_runs(session, now, grace) if not r.stale}


def test_scheduled_subscribers_are_active_with_subscriptions_and_carry_booked_keys(sessions) -> None:
    with sessions() as session:
        keep = add_subscriber(session, 1, "Europe/Berlin", last_briefed_at=utc(2025, 4, 30, 5, 30))
        add_subscriber(session, 2, active=False)
        add_subscriber(session, 3, kinds=())
        later = add_subscriber(session, 4, at=time(9, 0))
        outbox.enqueue_delivery(session, keep.id, "daily:2025-05-01", ["hi"], utc(2025, 5, 1))
        outbox.enqueue_delivery(session, keep.id, "daily:2025-04-01", ["old"], utc(2025, 4, 1))
        outbox.enqueue_delivery(session, later.id, "weekly:2025-05-01", ["other"], utc(2025, 5, 1))
        session.commit()
        found = outbox.scheduled_subscribers(session, {"daily:2025-05-01", "daily:2025-04-30"})
    assert [s.chat_id for s in found] == [1, 4]
    first, fourth = found
    assert (first.id, first.timezone, first.delivery_time) == (keep.id, "Europe/Berlin", time(7, 30))
    assert first.booked == {"daily:2025-05-01"}, "only the keys asked for"
    assert fourth.booked == frozenset() and fourth.delivery_time == time(9, 0)
    assert first.created_at == CREATED and first.created_at.tzinfo is not None
    assert first.last_briefed_at == utc(2025, 4, 30, 5, 30) and fourth.last_briefed_at is None


def test_only_active_subscribers_with_subscriptions_and_no_row_are_due(sessions) -> None:
    now = utc(2025, 5, 1, 8, 0)
    with sessions() as session:
        keep = add_subscriber(session, 1)
        add_subscriber(session, 2, active=False)
        add_subscriber(session, 3, kinds=())
        add_subscriber(session, 4, at=time(9, 0))  # not yet
        session.commit()
        assert set(due_chats(session, now)) == {1}
        assert outbox.enqueue_delivery(session, keep.id, "daily:2025-05-01", ["hi"], now, now=now)
        session.commit()
        assert due_chats(session, now) == {}
        # The next local day is due again.
        assert set(due_chats(session, now + timedelta(days=1))) == {1}


def test_enqueue_is_unique_per_subscriber_and_key(sessions) -> None:
    now = utc(2025, 5, 1, 8, 0)
    with sessions() as session:
        sub = add_subscriber(session, 1)
        other = add_subscriber(session, 2)
        assert outbox.enqueue_delivery(session, sub.id, "daily:2025-05-01", ["a", "b"], now)
        assert not outbox.enqueue_delivery(session, sub.id, "daily:2025-05-01", ["c"], now)
        assert outbox.enqueue_delivery(session, other.id, "daily:2025-05-01", ["a"], now)
        assert outbox.enqueue_delivery(session, sub.id, "daily:2025-05-02", ["d"], now)
        session.commit()
        a, b = sub.id, other.id
        found = rows(session)
    assert [(r.subscriber_id, r.briefing_key, r.status) for r in found] == [
        (a, "daily:2025-05-01", "pending"),
        (b, "daily:2025-05-01", "pending"),
        (a, "daily:2025-05-02", "pending"),
    ]
    assert found[0].messages == '["a", "b"]', "the losing insert changed nothing"


def test_stale_runs_recorded_as_skipped_are_not_examined_again(sessions) -> None:
    with sessions() as session:
        add_subscriber(session, 1, "Europe/Berlin")  # due 05:30 UTC in May (CEST)
        session.commit()
        assert due_chats(session, utc(2025, 5, 1, 11, 30))[1].stale is False  # 6h late: inside
        stale = due_runs(session, utc(2025, 5, 1, 11, 31))
        assert [(r.chat_id, r.local_date, r.stale) for r in stale] == [
            (1, date(2025, 5, 1), True), (1, date(2025, 4, 30), True)]
        assert all(outbox.record_skipped(session, r, utc(2025, 5, 1, 11, 31)) for r in stale)
        session.commit()
        assert due_runs(session, utc(2025, 5, 1, 11, 32)) == []
        found = rows(session)
        assert [(r.status, r.briefing_key, r.messages) for r in found] == [
            ("skipped", "daily:2025-05-01", "[]"), ("skipped", "daily:2025-04-30", "[]")]
        assert "catch-up window" in found[0].last_error
        assert found[1].last_error == "superseded by a later briefing"


def _queue(session, count: int, due: datetime) -> list[int]:
    ids = []
    for n in range(count):
        sub = add_subscriber(session, 100 + n)
        outbox.enqueue_delivery(session, sub.id, "daily:2025-05-01", [f"m{n}"], due)
        ids.append(sub.id)
    session.commit()
    return ids


def test_claims_lease_rows_until_they_expire(sessions) -> None:
    now = utc(2025, 5, 1, 8, 0)
    with sessions() as session:
        _queue(session, 3, now)
        late = add_subscriber(session, 200)
        outbox.enqueue_delivery(session, late.id, "daily:2025-05-01", ["later"], now + timedelta(hours=1))
        session.commit()
        first = outbox.claim_deliveries(session, now, 2, LEASE)
        session.commit()
        second = outbox.claim_deliveries(session, now, 5, LEASE)
        session.commit()
        assert [c.messages for c in first] == [["m0"], ["m1"]]
        assert [c.messages for c in second] == [["m2"]], "leased rows and future rows are not claimed"
        assert outbox.claim_deliveries(session, now + LEASE - timedelta(seconds=1), 5, LEASE) == []
        outbox.mark_sent(session, first[0].id, now)
        session.commit()
        again = outbox.claim_deliveries(session, now + LEASE, 5, LEASE)
        session.commit()
    assert [c.id for c in again] == [first[1].id, second[0].id]
    assert [c.attempts for c in again] == [2, 2]
    assert {c.chat_id for c in first} == {100, 101}


def test_a_row_built_ahead_is_claimed_from_its_due_instant_and_tells_when(sessions) -> None:
    due = utc(2025, 5, 1, 7, 30)
    with sessions() as session:
        sub = add_subscriber(session, 300)
        outbox.enqueue_delivery(session, sub.id, "daily:2025-05-01", ["ahead"], due,
                                now=due - timedelta(seconds=55))
        other = add_subscriber(session, 301)
        outbox.enqueue_delivery(session, other.id, "daily:2025-05-01", ["later"],
                                due + timedelta(minutes=5), now=due - timedelta(seconds=55))
        session.commit()
        before = due - timedelta(microseconds=1)
        assert outbox.next_due_at(session, before - timedelta(seconds=50), due) == due
        assert outbox.next_due_at(session, due, due + timedelta(minutes=1)) is None
        assert outbox.claim_deliveries(session, before, 5, LEASE) == []
        [claimed] = outbox.claim_deliveries(session, due, 5, LEASE)
        session.commit()
        assert claimed.messages == ["ahead"]
        assert outbox.next_due_at(session, due, due + timedelta(minutes=10)) == (
            due + timedelta(minutes=5)), "the next one after now"


def test_leases_are_renewed_for_pending_rows_and_never_shortened(sessions) -> None:
    now = utc(2025, 5, 1, 8, 0)
    with sessions() as session:
        _queue(session, 3, now)
        claimed = outbox.claim_deliveries(session, now, 3, LEASE)
        outbox.mark_sent(session, claimed[0].id, now)
        outbox.mark_retry(session, claimed[1].id, "RetryAfter", now + timedelta(minutes=10))
        session.commit()
        renewed = outbox.renew_leases(session, [c.id for c in claimed], now + timedelta(minutes=5))
        session.commit()
        found = {r.id: r for r in rows(session)}
    assert renewed == 1
    assert found[claimed[0].id].next_attempt_at is None, "a finished row stays finished"
    assert found[claimed[1].id].next_attempt_at.replace(tzinfo=UTC) == now + timedelta(minutes=10)
    assert found[claimed[2].id].next_attempt_at.replace(tzinfo=UTC) == now + timedelta(minutes=5)


def test_record_message_sent_is_guarded_and_renews_the_lease(sessions) -> None:
    now = utc(2025, 5, 1, 8, 0)
    with sessions() as session:
        sub = add_subscriber(session, 1)
        outbox.enqueue_delivery(session, sub.id, "daily:2025-05-01", ["a", "b", "c"], now)
        session.commit()
        [claimed] = outbox.claim_deliveries(session, now, 5, LEASE)
        assert outbox.record_message_sent(session, claimed.id, 0, 11, now=now + LEASE, lease=LEASE)
        assert not outbox.record_message_sent(session, claimed.id, 0, 12), "already recorded"
        assert outbox.record_message_sent(session, claimed.id, 1, 13)
        session.commit()
        # Renewed: still leased just after the first lease would have expired.
        assert outbox.claim_deliveries(session, now + LEASE + timedelta(seconds=5), 5, LEASE) == []
        [resumed] = outbox.claim_deliveries(session, now + 2 * LEASE, 5, LEASE)
        [row] = rows(session)
    assert (row.sent_count, sent_ids(row)) == (2, [11, 13])
    assert resumed.sent_count == 2


def test_outcomes_and_counts(sessions) -> None:
    now = utc(2025, 5, 1, 8, 0)
    with sessions() as session:
        a, b, c, d = _queue(session, 4, now)
        claimed = {x.subscriber_id: x.id for x in outbox.claim_deliveries(session, now, 10, LEASE)}
        outbox.mark_sent(session, claimed[a], now)
        outbox.mark_failed(session, claimed[b], "BadRequest: can't parse entities", now)
        outbox.mark_retry(session, claimed[c], "TimedOut", now + timedelta(minutes=5))
        outbox.mark_failed(session, claimed[d], "Forbidden: bot was blocked by the user", now)
        outbox.enqueue_delivery(session, d, "daily:2025-05-02", ["tomorrow"], now + timedelta(days=1))
        assert outbox.mark_subscriber_inactive(session, d, now) == 1
        session.commit()
        assert outbox.claim_deliveries(session, now + timedelta(minutes=4), 10, LEASE) == []
        [retry] = outbox.claim_deliveries(session, now + timedelta(minutes=5), 10, LEASE)
        session.commit()
        counts = outbox.delivery_counts_since(session, now - timedelta(hours=1))
        found = {(r.subscriber_id, r.briefing_key): r for r in rows(session)}
        assert sum(r.status == "pending" for r in rows(session)) == 1
    assert retry.subscriber_id == c
    assert counts == {"pending": 1, "sent": 1, "failed": 2, "skipped": 1}
    assert found[(b, "daily:2025-05-01")].last_error.startswith("BadRequest")
    assert found[(c, "daily:2025-05-01")].last_error == "TimedOut"
    assert found[(d, "daily:2025-05-02")].last_error == "subscriber inactive"


def test_concurrent_claims_skip_locked_rows(db_url) -> None:
    if db_url.startswith("sqlite"):
        pytest.skip("SQLite has one writer at a time: a second claim waits instead of skipping")
    engines = [make_engine(db_url), make_engine(db_url)]
    first, second = (make_session_factory(e) for e in engines)
    now = utc(2025, 5, 1, 8, 0)
    try:
        with first() as session:
            _queue(session, 4, now)
        with first() as one, second() as two:
            got_one = outbox.claim_deliveries(one, now, 2, LEASE)  # locks held until commit
            got_two = outbox.claim_deliveries(two, now, 10, LEASE)  # must not wait, must skip
            two.commit()
            one.commit()
    finally:
        for engine in engines:
            engine.dispose()
    assert len(got_one) == 2 and len(got_two) == 2
    assert not {c.id for c in got_one} & {c.id for c in got_two}
