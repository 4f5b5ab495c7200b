"""The schedule policy, pure: due instants, next delivery (what /time shows), catch-up, stale runs."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.schedule import (
    DueRun,
    daily_key,
    due_runs,
    local_due_at,
    next_delivery,
    next_tick,
    recent_daily_keys,
    zone_of,
)
from storage.repositories.delivery_schedule import ScheduledSubscriber

GRACE = timedelta(hours=6)
CREATED = datetime(2025, 1, 1, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")
TICK = timedelta(microseconds=1)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def subscriber(chat_id: int = 1, tz: str = "UTC", at: time = time(7, 30), *,
               created_at: datetime | None = CREATED, last_briefed_at: datetime | None = None,
               booked: tuple[str, ...] = ()) -> ScheduledSubscriber:
    """Return a subscriber as the repository hands it over (id = chat id, for short tests)."""
    return ScheduledSubscriber(chat_id, chat_id, tz, at, created_at, last_briefed_at,
                               frozenset(booked))


def fresh(subs: list[ScheduledSubscriber], now: datetime) -> dict[int, DueRun]:
    """Return the runs to send by chat id."""
    return {r.chat_id: r for r in due_runs(subs, now, GRACE) if not r.stale}


def instant(moment: datetime) -> datetime:
    """Return the moment in UTC (== between zones is always False for a time in a fold)."""
    return moment.astimezone(UTC)


def wall(moment: datetime) -> tuple[datetime, timedelta | None]:
    """Return the local wall-clock reading and the UTC offset shown with it."""
    return moment.replace(tzinfo=None), moment.utcoffset()


@pytest.mark.parametrize(
    ("zone", "day", "at", "expected"),
    [
        ("America/New_York", date(2025, 3, 8), time(7, 30), utc(2025, 3, 8, 12, 30)),  # EST
        ("America/New_York", date(2025, 3, 9), time(7, 30), utc(2025, 3, 9, 11, 30)),  # EDT
        ("America/New_York", date(2025, 3, 9), time(2, 30), utc(2025, 3, 9, 7, 30)),  # gap
        ("Europe/Berlin", date(2025, 10, 25), time(7, 30), utc(2025, 10, 25, 5, 30)),  # CEST
        ("Europe/Berlin", date(2025, 10, 26), time(7, 30), utc(2025, 10, 26, 6, 30)),  # CET
        ("Europe/Berlin", date(2025, 10, 26), time(2, 30), utc(2025, 10, 26, 0, 30)),  # twice
    ],
)
def test_local_due_at_follows_daylight_saving(zone, day, at, expected) -> None:
    assert local_due_at(day, at, ZoneInfo(zone)) == expected


def test_next_delivery_in_a_spring_forward_gap_shows_when_it_really_arrives() -> None:
    # 02:30 does not exist in Berlin on 30 March 2025: the briefing goes out at 03:30 CEST.
    nxt = next_delivery(utc(2025, 3, 29, 12, 0), time(2, 30), BERLIN)
    assert wall(nxt) == (datetime(2025, 3, 30, 3, 30), timedelta(hours=2))
    assert instant(nxt) == utc(2025, 3, 30, 1, 30) == local_due_at(date(2025, 3, 30), time(2, 30), BERLIN)
    # At 03:15 CEST that morning the wall clock is past 02:30, but the briefing is still ahead.
    soon = next_delivery(utc(2025, 3, 30, 1, 15), time(2, 30), BERLIN)
    assert wall(soon) == (datetime(2025, 3, 30, 3, 30), timedelta(hours=2))


def test_next_delivery_in_a_fall_back_fold_is_the_first_occurrence() -> None:
    # 02:30 happens twice in Berlin on 26 October 2025; delivery uses the first (CEST) one.
    nxt = next_delivery(utc(2025, 10, 25, 12, 0), time(2, 30), BERLIN)
    assert wall(nxt) == (datetime(2025, 10, 26, 2, 30), timedelta(hours=2))
    assert instant(nxt) == utc(2025, 10, 26, 0, 30)
    # 02:15 on the second pass (CET): today's 02:30 went out an hour ago, so tomorrow's is next.
    later = next_delivery(utc(2025, 10, 26, 1, 15), time(2, 30), BERLIN)
    assert wall(later) == (datetime(2025, 10, 27, 2, 30), timedelta(hours=1))


def test_next_delivery_follows_the_offset_of_its_own_day() -> None:
    # Clocks go forward in Berlin on 30 March 2025: 07:30 local is 05:30 UTC, not 06:30.
    nxt = next_delivery(utc(2025, 3, 29, 12, 0), time(7, 30), BERLIN)
    assert instant(nxt) == utc(2025, 3, 30, 5, 30)
    assert instant(next_delivery(utc(2025, 3, 29, 6, 0), time(7, 30), BERLIN)) == utc(2025, 3, 29, 6, 30)


def test_at_the_due_instant_the_run_is_due_and_the_next_delivery_is_tomorrow() -> None:
    due = utc(2025, 5, 1, 5, 30)  # 07:30 in Berlin (CEST)
    sub = subscriber(tz="Europe/Berlin")
    assert fresh([sub], due - TICK) == {}
    assert instant(next_delivery(due - TICK, time(7, 30), BERLIN)) == due
    assert fresh([sub], due)[1].due_at == due, "due at its instant exactly"
    assert instant(next_delivery(due, time(7, 30), BERLIN)) == due + timedelta(days=1)


@pytest.mark.parametrize(
    ("zone", "at", "now"),
    [
        ("Europe/Berlin", time(2, 30), utc(2025, 3, 29, 12, 0)),  # gap
        ("Europe/Berlin", time(2, 30), utc(2025, 3, 30, 1, 15)),  # inside the gap hour
        ("Europe/Berlin", time(2, 30), utc(2025, 10, 25, 12, 0)),  # fold, first pass
        ("Europe/Berlin", time(2, 30), utc(2025, 10, 26, 1, 15)),  # fold, second pass
        ("America/New_York", time(2, 30), utc(2025, 3, 8, 20, 0)),  # gap
        ("America/New_York", time(1, 30), utc(2025, 11, 2, 5, 45)),  # fold
        ("Asia/Tokyo", time(7, 30), utc(2025, 10, 26, 21, 0)),  # local date ahead of UTC
        ("Pacific/Kiritimati", time(0, 0), utc(2025, 6, 1, 10, 0)),  # UTC+14
        ("Etc/GMT+12", time(23, 59), utc(2025, 6, 1, 11, 0)),  # UTC-12
    ],
)
def test_the_shown_next_delivery_is_when_the_tick_sends_it(zone, at, now) -> None:
    shown = instant(next_delivery(now, at, ZoneInfo(zone)))
    sub = subscriber(tz=zone, at=at, created_at=now)
    assert shown > now
    assert fresh([sub], shown - TICK) == {}, "nothing goes out before the shown time"
    run = fresh([sub], shown)[1]
    assert run.due_at == shown
    assert run.briefing_key in recent_daily_keys(shown), "the tick loads this key's outbox rows"


def test_due_across_timezones_on_dst_change_days() -> None:
    subs = [subscriber(1, "America/New_York"), subscriber(2, "Europe/Berlin"),
            subscriber(3, "Asia/Tokyo")]
    # New York springs forward on 9 March: 07:30 EDT is 11:30 UTC, no longer 12:30.
    assert 1 not in fresh(subs, utc(2025, 3, 9, 11, 29))
    run = fresh(subs, utc(2025, 3, 9, 11, 30))[1]
    assert (run.local_date, run.due_at, run.stale) == (date(2025, 3, 9), utc(2025, 3, 9, 11, 30), False)
    assert run.briefing_key == "daily:2025-03-09"
    # Berlin falls back on 26 October: 07:30 CET is 06:30 UTC, no longer 05:30.
    assert 2 not in fresh(subs, utc(2025, 10, 26, 6, 29))
    assert fresh(subs, utc(2025, 10, 26, 6, 30))[2].due_at == utc(2025, 10, 26, 6, 30)
    # Tokyo's local date is already the 27th at 23:00 UTC on the 26th.
    tokyo = fresh(subs, utc(2025, 10, 26, 23, 0))[3]
    assert tokyo.local_date == date(2025, 10, 27)
    assert tokyo.due_at == utc(2025, 10, 26, 22, 30)


def test_a_booked_run_is_not_due_again() -> None:
    now = utc(2025, 5, 1, 8, 0)
    assert set(fresh([subscriber(1)], now)) == {1}
    assert fresh([subscriber(1, booked=("daily:2025-05-01",))], now) == {}
    assert due_runs([subscriber(1, booked=("daily:2025-05-01", "daily:2025-04-30"))], now, GRACE) == []
    assert set(fresh([subscriber(1, at=time(9, 0))], now)) == set(), "not yet"


def test_missed_run_inside_grace_is_caught_up_and_older_is_skipped() -> None:
    subs = [subscriber(1, "Europe/Berlin"),  # due 05:30 UTC in May (CEST)
            subscriber(2, "Europe/Berlin", created_at=utc(2025, 5, 1, 9, 0))]
    late = fresh(subs, utc(2025, 5, 1, 11, 30))  # 6h late: still inside
    assert late[1].stale is False
    assert late[2].stale is False, "joined after 07:30, still gets today's within grace"
    assert fresh(subs, utc(2025, 5, 1, 11, 31)) == {}
    stale = due_runs(subs, utc(2025, 5, 1, 11, 31), GRACE)
    assert [(r.chat_id, r.local_date, r.stale) for r in stale] == [
        (1, date(2025, 5, 1), True), (1, date(2025, 4, 30), True)]
    assert stale[0].reason == "missed by 6.0h, beyond the 6.0h catch-up window"
    assert stale[1].reason == "superseded by a later briefing"
    assert 2 not in {r.chat_id for r in stale}, "runs from before the subscriber joined"


def test_an_older_missed_run_is_superseded_by_a_fresh_one() -> None:
    # Down since before yesterday's 07:30: today's goes out late, yesterday's is skipped.
    runs = due_runs([subscriber(1)], utc(2025, 5, 1, 8, 0), GRACE)
    assert [(r.local_date, r.stale, r.reason) for r in runs] == [
        (date(2025, 5, 1), False, None),
        (date(2025, 4, 30), True, "superseded by a later briefing")]


def test_run_missed_across_midnight_is_caught_up_next_day() -> None:
    sub = subscriber(1, "UTC", time(23, 50))
    run = fresh([sub], utc(2025, 5, 2, 0, 10))[1]
    assert (run.local_date, run.stale) == (date(2025, 5, 1), False)
    # Two days down: yesterday's is past the window and the day before is superseded.
    runs = due_runs([sub], utc(2025, 5, 3, 23, 55), GRACE)
    assert [(r.local_date, r.stale) for r in runs] == [(date(2025, 5, 3), False),
                                                       (date(2025, 5, 2), True)]
    assert runs[1].reason == "superseded by a later briefing"


def test_last_briefing_is_carried_to_the_run() -> None:
    last = utc(2025, 4, 30, 5, 30)
    [run] = [r for r in due_runs([subscriber(1, last_briefed_at=last)], utc(2025, 5, 1, 7, 30), GRACE)
             if not r.stale]
    assert run.last_briefed_at == last


def test_recent_keys_cover_yesterday_and_today_in_the_farthest_zones() -> None:
    # At 11:00 UTC on 1 June, 2 June is today at UTC+14 and 30 May is yesterday at UTC-12.
    now = utc(2025, 6, 1, 11, 0)
    far = [subscriber(1, "Pacific/Kiritimati", time(0, 0)), subscriber(2, "Etc/GMT+12", time(0, 0))]
    keys = {r.briefing_key for r in due_runs(far, now, timedelta(days=3))}
    assert keys == recent_daily_keys(now) == {
        "daily:2025-05-30", "daily:2025-05-31", "daily:2025-06-01", "daily:2025-06-02"}


@pytest.mark.parametrize(("now", "interval", "first"), [
    (utc(2025, 5, 1, 7, 29, 17, 250_000), 60, utc(2025, 5, 1, 7, 30)),
    (utc(2025, 5, 1, 7, 29, 59, 999_999), 60, utc(2025, 5, 1, 7, 30)),
    (utc(2025, 5, 1, 7, 30), 60, utc(2025, 5, 1, 7, 31)),  # on the minute: the next one
    (utc(2025, 12, 31, 23, 59, 30), 60, utc(2026, 1, 1, 0, 0)),
    (utc(2025, 5, 1, 7, 29, 17), 15, utc(2025, 5, 1, 7, 29, 30)),
    (utc(2025, 5, 1, 7, 29, 17), 0.5, utc(2025, 5, 1, 7, 29, 17, 500_000)),
])
def test_the_first_tick_is_at_the_next_minute(now, interval, first) -> None:
    assert next_tick(now, interval) == first
    assert next_tick(now.astimezone(BERLIN), interval) == first, "any zone, one grid"


def test_a_tick_builds_the_runs_due_before_the_next_tick() -> None:
    due = utc(2025, 5, 1, 5, 30)  # 07:30 in Berlin
    sub = subscriber(tz="Europe/Berlin")
    minute = timedelta(minutes=1)

    def built(subs: list[ScheduledSubscriber], now: datetime) -> list[DueRun]:
        return [r for r in due_runs(subs, now, GRACE, minute) if not r.stale]

    assert built([sub], due - minute - TICK) == []
    [run] = built([sub], due - minute)
    assert (run.due_at, run.local_date) == (due, date(2025, 5, 1))
    # Across local midnight: at 23:59 the run due at 00:00 belongs to the next local date.
    midnight = subscriber(tz="Europe/Berlin", at=time(0, 0))
    [run] = built([midnight], utc(2025, 5, 1, 21, 59))
    assert (run.local_date, run.due_at) == (date(2025, 5, 2), utc(2025, 5, 1, 22, 0))
    assert run.briefing_key in recent_daily_keys(utc(2025, 5, 1, 22, 0))


def test_daily_key_and_unknown_zone() -> None:
    assert daily_key(date(2025, 5, 1)) == "daily:2025-05-01"
    assert zone_of("Atlantis/Nowhere") == ZoneInfo("UTC")
    assert zone_of("Europe/Berlin") == BERLIN
