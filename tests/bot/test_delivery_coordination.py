"""Coordination between processes on real SQLite and PostgreSQL: the shared send budget,
one claim per chat at a time, and the scheduler leader lock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from bot.delivery.budget import SharedBudgetPacer
from bot.delivery.leader import SchedulerLeadership
from storage.db import make_engine, make_session_factory
from storage.repositories import deliveries as outbox
from storage.repositories.coordination import (
    advisory_lock_holder,
    reserve_send_slot,
    return_window_token,
    take_window_token,
)
from tests.delivery_helpers import VirtualTime, add_subscriber

NOW = datetime(2025, 5, 1, 8, 0, tzinfo=UTC)
EPOCH = 1_746_086_400.0  # NOW as Unix seconds: the budget's virtual database clock
LEASE = timedelta(minutes=2)


def test_slots_are_evenly_spaced_and_an_idle_budget_answers_now(sessions) -> None:
    interval = 1 / 29
    with sessions() as session:
        waits = [reserve_send_slot(session, interval, now=EPOCH) for _ in range(4)]
        session.commit()
        # Unix seconds in a double: about 0.2 microseconds of resolution.
        assert waits == pytest.approx([0, interval, 2 * interval, 3 * interval], abs=1e-6)
        # Later than every reserved slot: the budget is idle again, no catching up in a burst.
        assert reserve_send_slot(session, interval, now=EPOCH + 10) == 0
        assert reserve_send_slot(session, interval, now=EPOCH + 10) == pytest.approx(interval,
                                                                                     abs=1e-6)
        other = reserve_send_slot(session, interval, now=EPOCH, name="another budget")
        session.commit()
    assert other == 0, "budgets are independent"


def test_database_clock_is_used_by_default(sessions) -> None:
    with sessions() as session:
        first = reserve_send_slot(session, 0.5)
        second = reserve_send_slot(session, 0.5)
        session.commit()
    assert first == pytest.approx(0, abs=0.05) and second == pytest.approx(0.5, abs=0.05)


async def test_two_pacers_share_one_budget(db_url, engine) -> None:  # engine: upgraded
    vt = VirtualTime(NOW)
    engines = [make_engine(db_url), make_engine(db_url)]
    pacers = [SharedBudgetPacer(make_session_factory(e), rate=20, timer=vt.monotonic,
                                sleep=vt.sleep, db_clock=lambda: EPOCH + vt.monotonic())
              for e in engines]
    stamps: list[tuple[float, int]] = []

    async def send(pacer: SharedBudgetPacer, chat: int) -> None:
        await pacer.acquire(chat)
        stamps.append((vt.monotonic(), chat))
        pacer.sent(chat)

    try:
        # Turn about (virtual time has one sleeper at a time): each pacer's wait comes from
        # the slots the other one reserved in the database.
        for n in range(20):
            await send(pacers[0], n % 3)
            await send(pacers[1], 100 + n % 7)
        for pacer in pacers:
            await pacer.settle()
    finally:
        for engine in engines:
            engine.dispose()
    times = sorted(t for t, _ in stamps)
    assert all(b - a >= 1 / 20 - 1e-6 for a, b in zip(times, times[1:], strict=False)), times
    assert sum(pacer.late_slots for pacer in pacers) == 0
    for chat in {c for _, c in stamps}:
        mine = [t for t, c in stamps if c == chat]
        assert all(b - a >= 1.05 - 1e-6 for a, b in zip(mine, mine[1:], strict=False)), chat


def test_window_tokens_bound_sends_within_one_second(sessions) -> None:
    with sessions() as session:
        taken = [take_window_token(session, now=EPOCH, size=3) for _ in range(3)]
        assert sorted(t for t, _ in taken) == [0, 1, 2] and {w for _, w in taken} == {0}
        assert take_window_token(session, now=EPOCH + 0.2, size=3) == (None, pytest.approx(29.8))
        # Answered at +0.5 s: the request may have arrived just then, so it counts until +1.5 s.
        return_window_token(session, taken[1][0], now=EPOCH + 0.5)
        session.commit()
        assert take_window_token(session, now=EPOCH + 1.0, size=3) == (None, pytest.approx(0.5))
        assert take_window_token(session, now=EPOCH + 1.5, size=3) == (taken[1][0], 0)
        session.commit()


def test_one_claim_per_chat_at_a_time_oldest_first(sessions) -> None:
    with sessions() as session:
        sub = add_subscriber(session, 1)
        outbox.enqueue_delivery(session, sub.id, "daily:2025-05-01", ["today"], NOW)
        outbox.enqueue_delivery(session, sub.id, "daily:2025-04-30", ["yesterday"],
                                NOW - timedelta(days=1))
        other = add_subscriber(session, 2)
        outbox.enqueue_delivery(session, other.id, "daily:2025-05-01", ["other"], NOW)
        session.commit()
        first = outbox.claim_deliveries(session, NOW, 10, LEASE)
        session.commit()
        assert [c.messages for c in first] == [["yesterday"], ["other"]]
        outbox.mark_sent(session, first[0].id, NOW)
        session.commit()
        # The chat just got a message: its next delivery waits out Telegram's 1 s per chat.
        assert outbox.claim_deliveries(session, NOW + timedelta(seconds=1), 10, LEASE) == []
        [later] = outbox.claim_deliveries(session, NOW + timedelta(seconds=1.1), 10, LEASE)
        session.commit()
    assert later.messages == ["today"]


def test_only_one_leader_and_a_follower_takes_over(db_url, engine) -> None:
    one, two = SchedulerLeadership(engine), SchedulerLeadership(engine)
    try:
        if db_url.startswith("sqlite"):
            assert one.check() and two.check(), "SQLite: every process runs the idempotent tick"
            return
        assert one.check() and not two.check()
        assert one.check(), "the leader keeps the lead at every tick"
        with engine.connect() as conn:
            assert advisory_lock_holder(conn).startswith("briefbot-scheduler:")
            # The leader's connection dies (the process was killed): the lock is freed.
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE application_name LIKE 'briefbot-scheduler:%' "
                              "AND datname = current_database()"))
        assert two.check() and two.is_leader
        assert not one.check(), "the old leader noticed its lost connection and follows"
        two.release()
        assert one.check(), "a released lead is free at once"
    finally:
        one.release()
        two.release()
