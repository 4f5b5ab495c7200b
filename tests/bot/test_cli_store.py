"""The store's CLI: ingest, items, latest, search, with text and JSON output and exit codes."""

from __future__ import annotations

import json
import os
import shutil

import pytest
from sqlalchemy import text as sql

from bot.cli.main import main
from storage.db import make_engine
from tests.paths import SAMPLES


@pytest.fixture
def cli_env(monkeypatch, db_url, tmp_path):
    """Point the CLI at the parametrised test database."""
    monkeypatch.setenv("BRIEFBOT_DATABASE_URL", db_url)
    monkeypatch.setenv("BRIEFBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)  # keep a developer's .env out of the test
    return tmp_path


def _json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_ingest_folder_reports_each_file_and_exits_1_on_failure(cli_env, capsys):
    folder = cli_env / "batch"
    shutil.copytree(SAMPLES, folder)
    (folder / "nested").mkdir()
    (folder / "nested" / "empty.txt").write_bytes(b"")
    assert main(["ingest", str(folder), "--json"]) == 1
    rows = _json_lines(capsys.readouterr().out)
    assert {r["status"] for r in rows} == {"loaded", "failed"}
    failed = [r for r in rows if r["status"] == "failed"]
    assert len(failed) == 1 and "empty" in failed[0]["error"]
    assert all(set(r) >= {"path", "status", "items", "error"} for r in rows)
    assert main(["ingest", str(folder / "world-digest-2023-09.txt")]) == 0
    out = capsys.readouterr().out
    assert "duplicate" in out and "1 files: 0 loaded (0 items), 1 duplicate, 0 failed" in out


def test_items_json_shape_filters_and_order(cli_env, capsys):
    assert main(["ingest", str(SAMPLES)]) == 0
    capsys.readouterr()
    assert main(["items", "--json", "--country", "india"]) == 0
    items = _json_lines(capsys.readouterr().out)
    assert items and all("IN" in i["countries"] for i in items)
    keys = {"id", "title", "source", "published", "countries", "body", "summary", "document"}
    assert keys <= set(items[0])
    dates = [i["published"] for i in items if i["published"]]
    assert dates == sorted(dates, reverse=True)
    assert main(["items", "--json", "--since", "2024-01-01"]) == 0
    assert all(i["published"] >= "2024-01-01" for i in _json_lines(capsys.readouterr().out))
    assert main(["latest", "--limit", "2", "--country", "IND"]) == 0
    assert capsys.readouterr().out.count("\n#") <= 2


def test_search_json_and_malformed_queries(cli_env, capsys):
    main(["ingest", str(SAMPLES)])
    capsys.readouterr()
    assert main(["search", '"African Union"', "--json"]) == 0
    hits = _json_lines(capsys.readouterr().out)
    assert hits and "**" in hits[0]["snippet"]
    for text in ['"unbalanced', "(", "AND", "*", "-", "a AND (b OR"]:
        assert main(["search", text]) in (0, 2)
    assert main(["search", "--", "-only"]) == 2
    assert "nothing to search for" in capsys.readouterr().err


ITEM_KEYS = ["id", "title", "source", "published", "countries", "about", "body", "summary",
             "document", "story_id", "language", "url"]


def _block(item: dict, note: str | None) -> str:
    """Return the readable block the CLI prints for one item, built from its JSON."""
    codes = ",".join(item["countries"][:5]) or "-"
    block = (f"#{item['id']}  {item['published'] or 'undated'}  [{codes}]  {item['title']}\n"
             f"      {item['source'] or 'unknown source'} · {item['document']}\n")
    return block + (f"      {note}\n" if note else "")


def _brackets(snippet: str) -> str:
    """Turn the JSON snippet's **match** marks into the [match] marks of text output."""
    parts = snippet.split("**")
    return "".join(p + ("[" if n % 2 == 0 else "]") for n, p in enumerate(parts[:-1])) + parts[-1]


def test_items_text_and_json_have_fixed_shapes(cli_env, capsys):
    main(["ingest", str(SAMPLES)])
    capsys.readouterr()
    assert main(["items", "--json"]) == 0
    items = _json_lines(capsys.readouterr().out)
    assert items and all(list(i) == ITEM_KEYS for i in items)
    for item in items:
        assert item["about"] == [c for c in item["countries"] if c in item["about"]]
        assert isinstance(item["story_id"], int) and item["document"].startswith(
            ("black-sea", "g20", "world-digest"))
    assert any(i["about"] != i["countries"] for i in items)  # mentioned-only countries show
    assert main(["items"]) == 0
    assert capsys.readouterr().out == "".join(_block(i, i["summary"]) for i in items)
    assert main(["latest", "--country", "Iceland"]) == 0
    assert capsys.readouterr().out == "No items found.\n"


def test_search_text_and_json_have_fixed_shapes(cli_env, capsys):
    main(["ingest", str(SAMPLES)])
    capsys.readouterr()
    assert main(["search", "union", "--json"]) == 0
    hits = _json_lines(capsys.readouterr().out)
    assert hits and all(list(h) == [*ITEM_KEYS, "snippet", "score"] for h in hits)
    assert all(isinstance(h["score"], float) and "**" in h["snippet"] for h in hits)
    assert main(["search", "union"]) == 0
    assert capsys.readouterr().out == "".join(_block(h, _brackets(h["snippet"])) for h in hits)


def test_unknown_country_suggests(cli_env, capsys):
    assert main(["items", "--country", "Indai"]) == 2
    assert "did you mean India (IN)" in capsys.readouterr().err


def test_bad_arguments_are_one_line_errors(cli_env, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["items", "--since", "yesterday"])
    assert exc.value.code == 2
    assert "not a date" in capsys.readouterr().err


def test_db_refresh_terms_fills_what_an_older_store_lacks(cli_env, capsys):
    assert main(["ingest", str(SAMPLES)]) == 0
    engine = make_engine(os.environ["BRIEFBOT_DATABASE_URL"])
    try:
        with engine.begin() as connection:
            total = connection.execute(sql("SELECT COUNT(*) FROM items")).scalar_one()
            connection.execute(sql("UPDATE items SET event_terms = NULL"))
        capsys.readouterr()
        assert main(["db", "refresh-terms"]) == 0
        assert f"event terms refreshed for {total} items" in capsys.readouterr().out
        with engine.connect() as connection:
            assert connection.execute(
                sql("SELECT COUNT(*) FROM items WHERE event_terms IS NULL")).scalar_one() == 0
    finally:
        engine.dispose()
