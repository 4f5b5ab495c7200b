"""The latest and search use cases: item records for the CLI, story pages for the bot, one path."""

from __future__ import annotations

import pytest

from services import news
from tests.paths import SAMPLES


@pytest.fixture
def loaded(ingestor, sessions):
    """Load the bundled samples and return the session factory."""
    for path in sorted(SAMPLES.iterdir()):
        assert ingestor.ingest_path(path).status == "loaded"
    return sessions


def test_latest_page_shows_the_latest_items_as_stories(loaded):
    items = news.latest_items(loaded, limit=4)
    page = news.latest_page(loaded, size=3)
    assert page.stories == [news.story_view(item) for item in items[:3]]
    assert page.has_more and page.next_offset == 3
    later = news.latest_page(loaded, offset=3, size=3)
    assert later.stories[0] == news.story_view(items[3])


def test_search_page_shows_the_found_items_with_their_snippets(loaded):
    found = news.find_items(loaded, "union", limit=10)
    assert found and all(isinstance(f.score, float) and f.snippet for f in found)
    page = news.search_page(loaded, "union", size=len(found))
    assert [s.snippet for s in page.stories] == [f.snippet for f in found]
    assert [s.story_id for s in page.stories] == [f.item.story_id for f in found]
    assert not page.has_more


def test_a_story_shows_at_most_three_countries_it_is_about(loaded):
    items = news.latest_items(loaded, limit=50)
    mixed = next(i for i in items if i.about != i.countries)
    view = news.story_view(mixed)
    assert [c.code for c in view.countries] == list(mixed.about[:3])
    assert all(c.name and c.flag for c in view.countries)


def test_items_carry_their_document_and_ranked_countries(loaded):
    items = news.latest_items(loaded, country="IN", limit=50)
    assert items and all("IN" in i.countries for i in items)
    assert all(set(i.about) <= set(i.countries) for i in items)
    assert {i.document for i in items} <= {p.name for p in SAMPLES.iterdir()}


@pytest.mark.parametrize(("query", "blank"), [("-only", True), ("", True), ("union", False)])
def test_blank_queries(query, blank):
    assert news.is_blank_query(query) is blank
