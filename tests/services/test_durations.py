"""services.durations: the one reader of typed durations (feed intervals, document ages)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.durations import parse_duration


@pytest.mark.parametrize(("text", "expected"), [
    ("90s", timedelta(seconds=90)), ("15m", timedelta(minutes=15)), (" 2H ", timedelta(hours=2)),
    ("1 d", timedelta(days=1)), ("2w", timedelta(weeks=2)), ("0d", timedelta(0)),
])
def test_durations(text, expected) -> None:
    assert parse_duration(text) == expected


def test_a_bare_number_counts_in_the_unit_given() -> None:
    assert parse_duration("30", bare_unit="m") == timedelta(minutes=30)
    assert parse_duration("30") is None


@pytest.mark.parametrize("text", ["", None, "d", "-1d", "1.5d", "90y", "١d", "12345678s", "1dd"])
def test_not_durations(text) -> None:
    assert parse_duration(text, bare_unit="m") is None
