"""`briefbot documents list | rm | prune` and `briefbot --version`, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import timedelta
from importlib.metadata import version

import pytest
from sqlalchemy import update

from bot.cli.main import main
from storage.clock import utcnow
from storage.db import make_engine
from storage.models import Document
from tests.paths import SAMPLES


@pytest.fixture
def cli_env(monkeypatch, db_url, tmp_path):
    """Point the CLI at the parametrised test database, with the samples loaded."""
    monkeypatch.setenv("BRIEFBOT_DATABASE_URL", db_url)
    monkeypatch.setenv("BRIEFBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)  # keep a developer's .env out of the test
    assert main(["ingest", str(SAMPLES)]) == 0
    return db_url


def _listing(capsys) -> list[dict]:
    assert main(["documents", "list", "--json"]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def _search(capsys, words: str) -> list[dict]:
    assert main(["search", words, "--json"]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_list_shows_id_name_loaded_at_and_items(cli_env, capsys) -> None:
    capsys.readouterr()
    assert main(["documents", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["ID", "LOADED", "AT", "(UTC)", "ITEMS", "NAME"]
    rows = _listing(capsys)
    assert len(rows) == len(lines) - 1 == len(list(SAMPLES.iterdir()))
    assert {"id", "name", "loaded_at", "items"} <= set(rows[0])
    for row, line in zip(rows, lines[1:], strict=True):
        assert line.split()[0] == str(row["id"]) and line.endswith(row["name"])
        assert line.split()[3] == str(row["items"])


def test_rm_deletes_the_document_and_search_no_longer_finds_it(cli_env, capsys) -> None:
    capsys.readouterr()
    digest = next(r for r in _listing(capsys) if r["name"].startswith("world-digest"))
    found = [i for i in _search(capsys, "BRICS") if i["document"] == digest["name"]]
    assert found, "the premise: the digest tells of BRICS"
    assert main(["documents", "rm", str(digest["id"]), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [d["id"] for d in report["documents"]] == [digest["id"]]
    assert report["items"] == digest["items"] and report["stories_removed"] >= 1
    assert digest["id"] not in {r["id"] for r in _listing(capsys)}
    assert not [i for i in _search(capsys, "BRICS") if i["document"] == digest["name"]]


def test_rm_of_an_unknown_id_deletes_nothing_and_exits_2(cli_env, capsys) -> None:
    capsys.readouterr()
    before = _listing(capsys)
    assert main(["documents", "rm", str(before[0]["id"]), "99999"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["briefbot: no document with id 99999: nothing deleted "
                   "(`briefbot documents list` shows the ids)"]
    assert _listing(capsys) == before


def test_prune_removes_only_older_documents_and_says_what(cli_env, capsys) -> None:
    capsys.readouterr()
    rows = _listing(capsys)
    old = rows[-1]
    engine = make_engine(cli_env)
    with engine.begin() as conn:
        conn.execute(update(Document).where(Document.id == old["id"])
                     .values(loaded_at=utcnow() - timedelta(days=120)))
    engine.dispose()
    assert main(["documents", "prune", "--older-than", "90d", "--dry-run"]) == 0
    assert "would remove 1 document" in capsys.readouterr().out
    assert len(_listing(capsys)) == len(rows)
    assert main(["documents", "prune", "--older-than", "90d"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[0] == str(old["id"]) and out[0].endswith(old["name"])
    assert out[-1].startswith("removed 1 document (")
    assert [r["id"] for r in _listing(capsys)] == [r["id"] for r in rows[:-1]]
    assert main(["documents", "prune", "--older-than", "90d", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["documents"] == []


@pytest.mark.parametrize("age", ["90", "0d", "soon"])
def test_prune_refuses_a_bad_age(capsys, age) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["documents", "prune", "--older-than", age])
    assert exited.value.code == 2
    assert "not an age" in capsys.readouterr().err


def test_version_comes_from_the_package_metadata(capsys) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.strip() == f"briefbot {version('briefbot')}"
