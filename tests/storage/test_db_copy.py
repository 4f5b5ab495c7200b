"""`briefbot db copy`: the bundled samples moved from SQLite to PostgreSQL (and back) intact."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from bot.cli.main import main
from storage.clock import as_utc
from storage.copy import CopyError, copy_database, copy_tables, head_revision
from storage.db import make_engine, make_session_factory, upgrade
from storage.ingest.pipeline import Ingestor
from storage.models import Document, Item
from storage.query import parse_query
from storage.repositories.items import newest_items
from storage.repositories.search import search_items
from tests.paths import SAMPLES
from tests.storage.test_migrations import fresh_database, previous_revision

QUERIES = ["grain", "Union", "moon OR lunar", '"African Union"', "corridor -sorghum", "india*"]


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


@pytest.fixture
def source(tmp_path) -> Engine:
    """Return a SQLite database holding the bundled samples, one item marked a later duplicate."""
    engine = make_engine(f"sqlite:///{tmp_path / 'source.sqlite3'}")
    upgrade(engine)
    ingestor = Ingestor(make_session_factory(engine), max_bytes=20 * 1024 * 1024)
    results = [ingestor.ingest_path(p) for p in sorted(SAMPLES.iterdir())]
    assert [r.status for r in results] == ["loaded"] * len(results), [r.error for r in results]
    with engine.begin() as conn:  # a row pointing at a later row of its own table
        first, last = conn.execute(select(func.min(Item.id), func.max(Item.id))).one()
        conn.execute(update(Item).where(Item.id == first).values(duplicate_of_id=last))
    yield engine
    engine.dispose()


def snapshot(engine: Engine) -> dict[str, list[tuple]]:
    """Return every copied table's rows in key order, datetimes as aware UTC."""
    with engine.connect() as conn:
        return {
            table.name: [tuple(_norm(v) for v in row) for row in conn.execute(
                select(table).order_by(*table.primary_key.columns))]
            for table in copy_tables()
        }


def _norm(value: object) -> object:
    return as_utc(value) if isinstance(value, datetime) else value


def reading(engine: Engine) -> dict[str, object]:
    """Return what users see: the newest items with countries, and search results."""
    with Session(engine) as session:
        items = [(i.id, i.title, i.story_id, list(i.countries))
                 for i in newest_items(session, limit=100)]
        found = {q: sorted(h.item_id for h in search_items(session, parse_query(q), limit=50))
                 for q in QUERIES}
    return {"items": items, "search": found}


def test_copy_sqlite_to_postgres_and_back(source, tmp_path, capsys):
    with fresh_database("postgresql", tmp_path) as pg_url:
        assert main(["db", "copy", _url(source), pg_url, "--batch-size", "7"]) == 0
        out = capsys.readouterr().out
        assert f"(revision {head_revision()})" in out and "items: " in out
        target = make_engine(pg_url)
        try:
            assert snapshot(target) == snapshot(source)
            assert reading(target) == reading(source)
            assert any(reading(source)["search"].values())
            _new_rows_get_fresh_ids(target)
            back = make_engine(f"sqlite:///{tmp_path / 'back.sqlite3'}")
            copy_database(target, back)
            assert reading(back) == reading(source)
            assert _items_with_band_keys(source) > 0
            assert _band_key_rows(back) == (8 * _items_with_band_keys(source), 0)  # all merged
            back.dispose()
        finally:
            target.dispose()


def _band_key_rows(engine: Engine) -> tuple[int, int]:
    with engine.connect() as conn:
        return tuple(conn.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar_one()
                     for t in ("item_band_keys", "item_band_keys_new"))


def _items_with_band_keys(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.exec_driver_sql("SELECT count(*) FROM items WHERE band_keys <> ''").scalar_one()


def _new_rows_get_fresh_ids(engine: Engine) -> None:
    """Insert a document: the reset sequence must hand out an id past the copied ones."""
    with Session(engine) as session, session.begin():
        highest = session.scalar(select(func.max(Document.id)))
        doc = Document(name="new.txt", sha256="f" * 64, format="text", size=1)
        session.add(doc)
        session.flush()
        assert doc.id == highest + 1


def test_non_empty_target_is_refused_unless_forced(source, tmp_path, capsys):
    target_url = f"sqlite:///{tmp_path / 'target.sqlite3'}"
    assert main(["db", "copy", _url(source), target_url]) == 0
    target = make_engine(target_url)
    with target.begin() as conn:  # make the target differ from the source
        conn.execute(update(Item).values(title="changed"))
    capsys.readouterr()

    assert main(["db", "copy", _url(source), target_url]) == 2
    err = capsys.readouterr().err
    assert "not empty" in err and "--force" in err and "Traceback" not in err
    with Session(target) as session:
        assert set(session.scalars(select(Item.title))) == {"changed"}

    assert main(["db", "copy", _url(source), target_url, "--force"]) == 0
    assert snapshot(target) == snapshot(source)
    assert reading(target) == reading(source)
    target.dispose()


def test_source_behind_head_is_refused(tmp_path):
    previous = previous_revision()
    if previous is None:
        pytest.skip("only one revision")
    old = make_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    upgrade(old, previous)
    with pytest.raises(CopyError, match="briefbot db upgrade"):
        copy_database(old, make_engine(f"sqlite:///{tmp_path / 'new.sqlite3'}"))


def test_same_database_and_bad_urls_get_one_line(source, capsys):
    assert main(["db", "copy", _url(source), _url(source)]) == 2
    assert "same database" in capsys.readouterr().err
    assert main(["db", "copy", "not a url", _url(source)]) == 2
    assert "source URL is not a database URL" in capsys.readouterr().err
    assert main(["db", "copy", _url(source), "postgresql://u:hunter2@127.0.0.1:1/x"]) == 2
    err = capsys.readouterr().err
    assert "target left unchanged" in err and "hunter2" not in err
