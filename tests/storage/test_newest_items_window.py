"""Newest items of a country through each path (window walk, the country's own index), on
SQLite and PostgreSQL, against the same order computed in Python from every row."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from bench.bench_commands import populate
from storage.models import Item, ItemCountry
from storage.repositories import items

TODAY = date(2025, 3, 9)


def _expected(session, code: str | None, since: date | None, k: int, dups: bool) -> list[int]:
    tagged = {i for i, c in session.execute(select(ItemCountry.item_id, ItemCountry.country))
              if c == code}
    rows = session.execute(select(Item.id, Item.published, Item.loaded_at, Item.duplicate_of_id))
    kept = [(r.published or r.loaded_at.date(), r.id) for r in rows
            if (code is None or r.id in tagged) and (dups or r.duplicate_of_id is None)
            and (since is None or (r.published is not None and r.published >= since))]
    return [item_id for _, item_id in sorted(kept, reverse=True)[:k]]


@pytest.mark.parametrize("window", [300, 100_000])  # a window walked, the whole store
def test_newest_ids_match_every_row_sorted(db_url, monkeypatch, sessions, window) -> None:
    populate(db_url, 600, TODAY, seed=3)  # 600 items, 1-3 countries each, some duplicates
    monkeypatch.setattr(items, "LATEST_WINDOW", window)
    with sessions() as session:
        codes = sorted(c for c, in session.execute(select(ItemCountry.country).distinct()))
        for code in [*codes, None]:
            for k, since, dups in [(5, None, False), (30, None, False), (30, None, True),
                                   (30, TODAY - timedelta(days=120), False),
                                   (5, TODAY - timedelta(days=30), False)]:
                got = items._newest_ids(session, code, since, k, dups)
                assert got == _expected(session, code, since, k, dups), (code, k, since, dups)


def test_newest_story_ids_are_the_stories_of_the_newest_items_each_once(db_url, sessions) -> None:
    populate(db_url, 600, TODAY, seed=3)
    with sessions() as session:
        for code in ("IN", None):
            newest = items.newest_items(session, country=code, limit=60)
            expected = list(dict.fromkeys(i.story_id for i in newest if i.story_id is not None))
            assert items.newest_story_ids(session, country=code, limit=60) == expected
            assert len(expected) > 1
