"""/trends chart and the coverage-per-day query behind it."""

from __future__ import annotations

import random
from datetime import date, timedelta

from bench.corpus import newsletter
from briefs.charts import PNG_SIGNATURE, trends_png
from services.news import trends
from storage.repositories.stats import country_counts_by_day

DAYS = [date(2025, 3, 1) + timedelta(days=n) for n in range(7)]


def _png_size(png: bytes) -> tuple[int, int]:
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def test_chart_is_a_png_of_the_requested_size() -> None:
    png = trends_png(DAYS, {"Russia": {DAYS[0]: 3, DAYS[2]: 5}, "India": {DAYS[1]: 1}}, dpi=50)
    assert png.startswith(PNG_SIGNATURE)
    assert _png_size(png) == (400, 225)


def test_chart_differs_with_data_and_draws_empty_periods() -> None:
    empty = trends_png(DAYS, {})
    full = trends_png(DAYS, {"Russia": {d: n for n, d in enumerate(DAYS)}})
    assert empty.startswith(PNG_SIGNATURE) and empty != full


def test_many_days_still_draw() -> None:
    days = [date(2025, 1, 1) + timedelta(days=n) for n in range(60)]
    assert trends_png(days, {"Chile": {days[5]: 2}}).startswith(PNG_SIGNATURE)


def test_country_counts_by_day(sessions, ingestor) -> None:
    start = date(2025, 3, 3)
    text = newsletter(random.Random(11), 14, start)
    assert ingestor.ingest_bytes(text.encode(), "weekly.txt").status == "loaded"
    end = start + timedelta(days=6)
    with sessions() as session:
        top = country_counts_by_day(session, start, end, limit=3)
        narrow = country_counts_by_day(session, start, start, limit=50)
        none = country_counts_by_day(session, date(2020, 1, 1), date(2020, 1, 7))
    assert len(top) == 3 and none == {}
    totals = [sum(days.values()) for days in top.values()]
    assert totals == sorted(totals, reverse=True)
    assert all(start <= day <= end for days in top.values() for day in days)
    assert all(set(days) == {start} for days in narrow.values())
    figures = trends(sessions, end, days=7, top=3)
    assert figures.days[0] == start and len(figures.days) == 7
    assert [c.code for c in figures.countries] == list(top)
