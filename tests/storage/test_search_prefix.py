"""Prefix queries (`sanction*`) on SQLite and PostgreSQL: the right items, through the prefix
index on SQLite (migration 0008), and migration 0008 up and down with stored items."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from alembic import command
from sqlalchemy import Engine, MetaData, text
from sqlalchemy.orm import Session

from storage.db import alembic_config, current_revision, upgrade
from storage.query import parse_query
from storage.repositories.search import search_items
from tests.storage.test_migrations import fresh_engine  # noqa: F401 - fixture

LOADED = datetime(2025, 3, 1, tzinfo=UTC)
TEXTS = {
    1: ("New sanctions on grain", "The council imposed sanctions on Monday."),
    2: ("Officials sanctioned", "Two officials were sanctioned for fraud."),
    3: ("A sanctuary for birds", "The sanctuary opened near the border."),
    4: ("Talks resume", "Negotiations on the ceasefire resumed in Doha."),
    5: ("Negotiators meet", "The negotiator said the talks would go on."),
    6: ("Budget approved", "Parliament approved the budget after a long debate."),
    7: ("Parliamentarians protest", "Parliamentarians walked out of the chamber."),
}


def _fill(engine: Engine) -> None:
    meta = MetaData()
    meta.reflect(engine, only=["documents", "items"])
    with engine.begin() as conn:
        conn.execute(meta.tables["documents"].insert(), [dict(
            id=1, name="d.txt", sha256="b" * 64, format="text", size=1, loaded_at=LOADED,
            status="loaded", item_count=len(TEXTS))])
        conn.execute(meta.tables["items"].insert(), [dict(
            id=n, document_id=1, position=n, title=title, body=body, summary="",
            content_hash=f"{n:064d}", loaded_at=LOADED, published=date(2025, 3, 1))
            for n, (title, body) in TEXTS.items()])


def _found(engine: Engine, query: str) -> set[int]:
    with Session(engine) as session:
        return {hit.item_id for hit in search_items(session, parse_query(query), limit=50)}


# Both databases stem: a prefix matches words whose stem starts with the query's stem.
@pytest.mark.parametrize(("query", "expected"), [
    ("sanction*", {1, 2}),  # 8 characters: the longest indexed prefix
    ("sanctions*", {1, 2}),  # stemmed to `sanction` first
    ("sanct*", {1, 2, 3}),
    ("sai*", {5}),  # 3 characters, the shortest indexed prefix: "said"
    ("sa*", set()),  # 2 characters: searched as the word "sa", which no item holds
    ("negot*", {4, 5}),
    ("parliament*", {6, 7}),  # 10 characters: merged at query time
    ("parliamentarian*", {7}),
    ("negot* ceasefire", {4}),
    ("sanct* -sanctuary", {1, 2}),
    ("zebra*", set()),
])
def test_prefix_queries_find_exactly_the_matching_items(engine, query, expected):
    _fill(engine)
    assert _found(engine, query) == expected


def test_sqlite_full_text_table_holds_the_prefix_indexes(engine):
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL's GIN index serves prefixes as it is")
    with engine.connect() as conn:
        sql = conn.execute(text("SELECT sql FROM sqlite_master WHERE name = 'items_fts'")).scalar()
    assert "prefix='3 4 5 6 7 8'" in sql


def test_migration_0008_up_and_down_keeps_items_searchable(fresh_engine):  # noqa: F811
    upgrade(fresh_engine, "0007")
    _fill(fresh_engine)
    upgrade(fresh_engine, "0008")
    assert current_revision(fresh_engine) == "0008"
    assert _found(fresh_engine, "sanct*") == {1, 2, 3}
    command.downgrade(alembic_config(fresh_engine), "0007")
    assert current_revision(fresh_engine) == "0007"
    assert _found(fresh_engine, "sanct*") == {1, 2, 3}
    assert _found(fresh_engine, "parliament") == {6}
    if fresh_engine.dialect.name == "sqlite":
        with fresh_engine.connect() as conn:
            sql = conn.execute(text("SELECT sql FROM sqlite_master WHERE name = 'items_fts'")).scalar()
        assert "prefix" not in sql
    upgrade(fresh_engine)
    assert _found(fresh_engine, "parliament*") == {6, 7}
