"""Real rewrites by different outlets become one story: a few ECB+ development files (skipped
when ../shared/realdata is absent), loaded through the real ingest path."""

from __future__ import annotations

import csv

import pytest
from sqlalchemy import select

from storage.ingest.pipeline import Ingestor
from storage.models import Document, Item
from tests.paths import realdata_folder

ECB = realdata_folder() / "ecbplus-dev"
# Two deaths of Watergate figures, four outlets each: Fred LaRue in 2004 (dated articles) and
# Mark Felt, "Deep Throat", years later (undated articles): the same kind of event, twice.
FILES = ["article-0001.txt", "article-0002.txt", "article-0003.txt", "article-0004.txt",
         "article-0559.txt", "article-0560.txt", "article-0561.txt", "article-0562.txt"]


@pytest.fixture(scope="module")
def gold() -> dict[str, str]:
    """Return each chosen file's gold event, or skip when the data is absent."""
    if not (ECB / "gold.tsv").is_file():
        pytest.skip(f"real-news development set not found in {ECB}")
    with (ECB / "gold.tsv").open(encoding="utf-8") as handle:
        rows = {row["file"]: row["event"] for row in csv.DictReader(handle, delimiter="\t")}
    return {name: rows[name] for name in FILES}


def _stories(sessions, names: list[str]) -> set[frozenset[str]]:
    """Ingest *names* in that order; return the stored stories as sets of file names."""
    ingestor = Ingestor(sessions, max_bytes=2**22)
    results = list(ingestor.ingest_documents((ECB.joinpath(n).read_bytes(), n) for n in names))
    assert [r.status for r in results] == ["loaded"] * len(names)
    with sessions() as session:
        rows = session.execute(select(Document.name, Item.story_id).join(Item)).all()
    stories: dict[int, set[str]] = {}
    for name, story in rows:
        stories.setdefault(story, set()).add(name)
    return {frozenset(s) for s in stories.values()}


def _gold_stories(gold: dict[str, str]) -> set[frozenset[str]]:
    events: dict[str, set[str]] = {}
    for name, event in gold.items():
        events.setdefault(event, set()).add(name)
    return {frozenset(names) for names in events.values()}


def test_rewrites_by_different_outlets_group_as_the_gold_says(gold, sessions):
    assert _stories(sessions, FILES) == _gold_stories(gold)


@pytest.mark.parametrize("order", [(7, 6, 5, 4, 3, 2, 1, 0), (6, 1, 4, 3, 7, 0, 5, 2)],
                         ids=["reversed", "interleaved"])
def test_the_grouping_does_not_depend_on_the_arrival_order(gold, sessions, order):
    assert _stories(sessions, [FILES[i] for i in order]) == _gold_stories(gold)
