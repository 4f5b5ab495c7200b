"""The seed documents through the whole ingest pipeline into a real database."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from storage.models import Document, Item

SOURCE_LINE = re.compile(r"^\[[^\]]+\]\([^)]*\).*\d{4}\s*$", re.MULTILINE)
# Phrases that are page furniture, never news: none may survive into an item's body.
FURNITURE = [
    "uses cookies", "related articles", "related posts", "download the app", "app-store",
    "play-store", "mins read", "no comments yet", "story continues below", "try our ai features",
    "all rights reserved", "get started now",
]


@pytest.fixture
def loaded(seeds_dir, ingestor, sessions):
    """Load every seed document; return {file name: [items in document order]}."""
    for path in sorted(seeds_dir.glob("*.txt")):
        result = ingestor.ingest_path(path)
        assert result.status == "loaded", (path.name, result.error)
    with sessions() as session:
        docs = session.scalars(select(Document).options(
            selectinload(Document.items).selectinload(Item.countries))).all()
        return {d.name: sorted(d.items, key=lambda i: i.position) for d in docs}


def test_newsletter_items_match_its_source_lines(loaded, seeds_dir):
    name = sorted(seeds_dir.glob("000_*.txt"))[0].name
    expected = len(SOURCE_LINE.findall((seeds_dir / name).read_text(encoding="utf-8")))
    items = loaded[name]
    assert expected >= 10 and len(items) == expected
    assert all(i.source and i.published for i in items)


def test_web_pages_have_titles_and_no_boilerplate(loaded):
    for name, items in loaded.items():
        assert items, name
        for item in items:
            assert item.title.strip()
            body = item.body.lower()
            assert not [p for p in FURNITURE if p in body], (name, item.title)


def test_serbia_sanctions_item_is_tagged_rs_and_ru(loaded):
    items = [i for items in loaded.values() for i in items]
    serbia = [i for i in items if "Serbia" in i.title + i.body and "sanction" in i.body.lower()]
    assert serbia
    codes = {c.country for c in serbia[0].countries}
    assert {"RS", "RU"} <= codes


def test_every_item_has_countries_and_a_verbatim_summary(loaded):
    for items in loaded.values():
        for item in items:
            assert item.countries, item.title
            first = item.summary.rstrip("…").split(". ")[0]
            assert first[:60] in " ".join(item.body.split())


def test_different_seed_stories_never_merge(loaded):
    # Several seed pages tell of India and Russia, Putin and Lavrov, on different occasions:
    # each is a story of its own (the seeds hold no two reports of one event).
    originals = [i for items in loaded.values() for i in items if i.duplicate_of_id is None]
    assert len({i.story_id for i in originals}) == len(originals)
