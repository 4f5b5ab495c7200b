"""Alembic migrations on real SQLite and PostgreSQL: empty to head, previous to head with data,
`briefbot db upgrade` idempotent, and the ORM models agreeing with the migrated schema."""

from __future__ import annotations

import ast
import struct
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, MetaData, inspect, select, text
from sqlalchemy.orm import Session

from bot.cli.main import main
from news.similarity.features import lsh_bands, minhash, shingles, signature_to_bytes
from storage.copy import head_revision
from storage.db import MIGRATIONS_DIR, alembic_config, current_revision, make_engine, upgrade
from storage.models import Base, Item
from storage.query import parse_query
from storage.repositories.search import search_items
from storage.repositories.story_candidates import items_sharing_band_keys
from tests.conftest import new_postgres_database

LOADED = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)


@contextmanager
def fresh_database(kind: str, tmp_path: Path) -> Iterator[str]:
    """Yield the URL of a brand-new, empty database (skip PostgreSQL when unreachable)."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / f'fresh-{uuid.uuid4().hex[:6]}.sqlite3'}"
        return
    with new_postgres_database("briefbot_mig") as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_engine(request, tmp_path) -> Iterator[Engine]:
    """Return an engine on an empty database, once per backend."""
    with fresh_database(request.param, tmp_path) as url:
        engine = make_engine(url)
        yield engine
        engine.dispose()


def previous_revision() -> str | None:
    """Return the revision just before head."""
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    down = script.get_revision(script.get_current_head()).down_revision
    assert not isinstance(down, tuple), "head is a merge revision: pick one parent"
    return down


def _rows(engine: Engine, table_names: list[str]) -> dict[str, list[tuple]]:
    """Return every row of every table (columns as reflected now), in key order."""
    meta = MetaData()
    meta.reflect(engine, only=table_names)
    with engine.connect() as conn:
        return {
            name: [tuple(r) for r in conn.execute(
                select(*meta.tables[name].columns).order_by(*meta.tables[name].primary_key.columns)
            )]
            for name in table_names
        }


def _insert_known_columns(conn, table, rows: list[dict]) -> None:
    """Insert *rows*, keeping only the columns this revision's table has."""
    names = {c.name for c in table.columns}
    conn.execute(table.insert(), [{k: v for k, v in row.items() if k in names} for row in rows])


ITEMS = [
    ("Sorghum exports resume from Odesa", "Ukraine shipped sorghum and barley from Odesa on Monday."),
    ("Kenya tea auction prices climb", "Tea prices in Mombasa climbed for a third week, traders said."),
    ("Sorghum harvest in Sudan", "Farmers in Sudan expect a weaker sorghum harvest this year."),
]


def _seed_previous_revision(engine: Engine) -> None:
    meta = MetaData()
    meta.reflect(engine)
    t = meta.tables
    with engine.begin() as conn:
        _insert_known_columns(conn, t["documents"], [dict(
            id=1, name="old.txt", sha256="a" * 64, format="text", size=300, title="Old digest",
            language="en", encoding="utf-8", loaded_at=LOADED, loaded_by="test", status="loaded",
            error=None, item_count=len(ITEMS))])
        _insert_known_columns(conn, t["stories"], [dict(
            id=1, title=ITEMS[0][0], published=date(2025, 3, 1), first_seen=LOADED,
            updated_at=LOADED, item_count=1)])
        _insert_known_columns(conn, t["items"], [dict(
            id=n, document_id=1, position=n, title=title, source="Wire", published=date(2025, 3, 1),
            url=None, body=body, summary=body, language="en", content_hash=f"{n:064d}",
            signature=b"\x01\x02", loaded_at=LOADED, story_id=1 if n == 1 else None,
            duplicate_of_id=None) for n, (title, body) in enumerate(ITEMS, 1)])
        _insert_known_columns(conn, t["item_countries"], [
            dict(item_id=1, country="UA", mentions=2, about=True, score=0.9, rank=0),
            dict(item_id=2, country="KE", mentions=1, about=True, score=0.8, rank=0),
            dict(item_id=3, country="SD", mentions=2, about=True, score=0.9, rank=0),
        ])


def _search_ids(engine: Engine, words: str) -> set[int]:
    with Session(engine) as session:
        return {hit.item_id for hit in search_items(session, parse_query(words), limit=50)}


def test_empty_database_upgrades_to_head(fresh_engine):
    assert current_revision(fresh_engine) is None
    upgrade(fresh_engine)
    assert current_revision(fresh_engine) == head_revision()
    tables = set(inspect(fresh_engine).get_table_names())
    assert {t.name for t in Base.metadata.sorted_tables} <= tables


def test_previous_revision_with_data_upgrades_without_loss(fresh_engine):
    previous = previous_revision()
    if previous is None:
        pytest.skip("only one revision: nothing to upgrade from")
    upgrade(fresh_engine, previous)
    assert current_revision(fresh_engine) == previous
    _seed_previous_revision(fresh_engine)
    names = ["documents", "stories", "items", "item_countries"]
    before = _rows(fresh_engine, names)

    upgrade(fresh_engine)

    assert current_revision(fresh_engine) == head_revision()
    after = _rows(fresh_engine, names)
    for name in names:  # columns that existed before keep their values; new ones may follow
        assert [row[: len(before[name][0])] for row in after[name]] == before[name], name
    assert _search_ids(fresh_engine, "sorghum") == {1, 3}
    assert _search_ids(fresh_engine, "Mombasa tea") == {2}


def test_items_added_after_upgrade_are_indexed(fresh_engine):
    upgrade(fresh_engine)
    _seed_previous_revision(fresh_engine)  # same rows, now through the head schema's triggers
    with fresh_engine.begin() as conn:
        conn.execute(Item.__table__.update().where(Item.id == 2).values(body="Cocoa beans from Ghana."))
    assert _search_ids(fresh_engine, "cocoa") == {2}
    assert _search_ids(fresh_engine, "Mombasa") == set()


def test_cli_upgrade_twice_is_idempotent(fresh_engine, monkeypatch, tmp_path, capsys):
    url = fresh_engine.url.render_as_string(hide_password=False)
    monkeypatch.chdir(tmp_path)  # no stray .env from the working directory
    monkeypatch.setenv("BRIEFBOT_DATABASE_URL", url)
    assert main(["db", "upgrade"]) == 0
    tables = sorted(inspect(fresh_engine).get_table_names())
    assert main(["db", "upgrade"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [f"database at revision {head_revision()}"] * 2
    fresh_engine.dispose()  # see the schema as it is now, not a cached inspection
    assert sorted(inspect(fresh_engine).get_table_names()) == tables
    with fresh_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar_one() == 1


def test_cli_revision_reports_behind_and_newest(fresh_engine, monkeypatch, tmp_path, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BRIEFBOT_DATABASE_URL", fresh_engine.url.render_as_string(hide_password=False))
    assert main(["db", "revision"]) == 1
    assert "briefbot db upgrade" in capsys.readouterr().out
    assert current_revision(fresh_engine) is None  # `db revision` never changes the schema
    upgrade(fresh_engine)
    assert main(["db", "revision"]) == 0
    assert capsys.readouterr().out.strip() == f"database at revision {head_revision()} (newest)"


def test_cli_revision_on_unreachable_database_is_one_line(monkeypatch, tmp_path, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BRIEFBOT_DATABASE_URL", "postgresql://u:hunter2@127.0.0.1:1/none")
    assert main(["db", "revision"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("briefbot: ") and "hunter2" not in err and "Traceback" not in err


def _outside_orm(obj, name, type_, reflected, compare_to) -> bool:
    # FTS5 tables, SQLite's band-key table, the generated tsvector and the band-key GIN index live only in the
    # migration (the ORM never reads them directly): they are not drift.
    if type_ == "table" and name and name.startswith(("items_fts", "item_band_keys")):
        return False
    if type_ == "column" and name == "search_vector":
        return False
    return not (type_ == "index" and name in ("ix_items_search_vector", "ix_items_band_keys"))


def test_models_and_migrations_agree(fresh_engine):
    upgrade(fresh_engine)
    with fresh_engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={
            "include_object": _outside_orm, "compare_type": True,
            "compare_server_default": False,
        })
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_band_keys_are_recomputed_from_signatures(fresh_engine):
    upgrade(fresh_engine, "0004")  # string band keys of the old banding, in item_bands
    _seed_previous_revision(fresh_engine)
    signature = minhash(shingles(ITEMS[1][1]))
    meta = MetaData()
    meta.reflect(fresh_engine)
    with fresh_engine.begin() as conn:
        conn.execute(meta.tables["items"].update().where(meta.tables["items"].c.id == 2)
                     .values(signature=signature_to_bytes(signature)))
        conn.execute(meta.tables["item_bands"].insert(), [{"band": "b0:00ff", "item_id": 1}])

    upgrade(fresh_engine)

    assert "item_bands" not in inspect(fresh_engine).get_table_names()
    with fresh_engine.connect() as conn:
        keys = dict(conn.execute(text("SELECT id, band_keys FROM items ORDER BY id")).all())
    # Item 2's keys come back; items 1 and 3 hold damaged two-byte signatures and get none.
    assert keys == {1: "", 2: " ".join(lsh_bands(signature)), 3: ""}
    with Session(fresh_engine) as session:  # and the index finds them
        assert items_sharing_band_keys(session, lsh_bands(signature)[:2], limit=10) == [
            (2, " ".join(sorted(lsh_bands(signature)[:2])))]


PROJECT_PACKAGES = ("news", "briefs", "services", "bot", "storage")


def _imported_modules(tree: ast.AST) -> list[str]:
    """Return every module a migration imports, statically or by name (importlib)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append("." * node.level + (node.module or ""))
        elif (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
              and isinstance(node.args[0].value, str)
              and getattr(node.func, "attr", getattr(node.func, "id", "")) in
              ("import_module", "__import__")):
            found.append(node.args[0].value)
    return found


def test_migrations_import_no_project_code():
    # A migration is history: if it imported live code, changing that code would silently
    # change what an old migration does to a database upgraded later.
    versions = sorted((MIGRATIONS_DIR / "versions").glob("*.py"))
    assert versions
    offenders = {
        path.name: module for path in versions
        for module in _imported_modules(ast.parse(path.read_text(), filename=str(path)))
        if module.startswith(".") or module.split(".")[0] in PROJECT_PACKAGES
    }
    assert offenders == {}


def test_migration_0005_band_keys_stay_what_they_were(fresh_engine):
    # Written out when 0005 was frozen: keys of the signature 1, 2, ..., 64 (the live banding
    # may change later; what 0005 wrote may not).
    upgrade(fresh_engine, "0004")
    _seed_previous_revision(fresh_engine)
    meta = MetaData()
    meta.reflect(fresh_engine)
    items = meta.tables["items"]
    with fresh_engine.begin() as conn:
        conn.execute(items.update().where(items.c.id == 2)
                     .values(signature=struct.pack("<64I", *range(1, 65))))
        conn.execute(items.update().where(items.c.id == 3)  # a text without words
                     .values(signature=struct.pack("<64I", *[4_294_967_291] * 64)))

    upgrade(fresh_engine, "0005")

    with fresh_engine.connect() as conn:
        keys = dict(conn.execute(text("SELECT id, band_keys FROM items ORDER BY id")).all())
    assert keys == {1: "", 3: "", 2: (
        "c87a38f318fafe9d cc02157c63df6a0d e2037bc2b6ff9f7d fd08f7a6917323fe "
        "0d11f02532942e39 71d8fb8bc2a29b63 8323fa6a7d26bfe5 40de7698ed74d5db")}


def test_sqlite_band_table_goes_back_to_fts5_on_downgrade(fresh_engine):
    if fresh_engine.dialect.name != "sqlite":
        pytest.skip("0006 changes only SQLite's band index; PostgreSQL keeps its GIN index")
    upgrade(fresh_engine, "0005")
    _seed_previous_revision(fresh_engine)
    keys = lsh_bands(minhash(shingles(ITEMS[1][1])))
    with fresh_engine.begin() as conn:
        conn.execute(text("UPDATE items SET band_keys = :k WHERE id = 2"), {"k": " ".join(keys)})
    upgrade(fresh_engine)  # 0006 fills its table from the rows already stored
    with Session(fresh_engine) as session:
        assert items_sharing_band_keys(session, keys[-1:], limit=10) == [(2, keys[-1])]
    command.downgrade(alembic_config(fresh_engine), "0005")
    with fresh_engine.connect() as conn:
        assert "item_band_keys" not in inspect(conn).get_table_names()
        found = conn.execute(text("SELECT rowid FROM item_bands_fts WHERE item_bands_fts MATCH :k"),
                             {"k": f'"{keys[0]}"'}).scalars().all()
    assert found == [2]
