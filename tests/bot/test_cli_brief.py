"""`briefbot brief ...` end to end: real CLI parser, real SQLite file, every kind and format."""

from __future__ import annotations

import json

import pytest

from bot.cli.main import main
from briefs.telegram_html import validate_telegram_html
from tests.services.test_briefing_service import DOC_A, DOC_B, NASTY


@pytest.fixture
def cli(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("BRIEFBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    monkeypatch.setenv("BRIEFBOT_DATA_DIR", str(tmp_path / "data"))
    for name, text in (("a.txt", DOC_A), ("b.txt", DOC_B), ("nasty.txt", NASTY)):
        (tmp_path / name).write_text(text, encoding="utf-8")
    assert main(["ingest", str(tmp_path)]) == 0
    capsys.readouterr()

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(["brief", *argv])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


def test_daily_text_default(cli):
    code, out, _ = cli("daily", "--date", "2025-03-17")
    assert code == 0
    assert out.startswith("Daily briefing \u2014 17 March 2025")
    assert "Kenya" in out and "Coast Wire, Harbour Daily \u00b7 2 sources" in out


def test_daily_with_country_and_topic_filters(cli):
    _, out, _ = cli("daily", "--date", "2025-03-16", "--country", "Peru")
    assert "Peru raises copper royalties" in out
    _, out, _ = cli("daily", "--date", "2025-03-17", "--topic", "tea")
    assert "Kenyan tea prices" in out and "dockworkers" not in out
    _, out, _ = cli("daily", "--date", "2025-03-17", "--country", "FR")
    assert out.strip() == "No stories about France on 17 March 2025."


@pytest.mark.parametrize("kind", [
    ["daily", "--date", "2025-03-18"], ["country", "KE", "--days", "3650"], ["topic", "mining law"],
])
def test_every_kind_in_telegram_json(cli, kind):
    code, out, _ = cli(*kind, "--format", "telegram", "--json")
    assert code == 0
    messages = json.loads(out)
    assert isinstance(messages, list) and messages
    for message in messages:
        assert validate_telegram_html(message) == []


@pytest.mark.parametrize("fmt", ["text", "html"])
@pytest.mark.parametrize("kind", [["daily"], ["country", "Kenya", "--days", "3650"], ["topic", "tea"]])
def test_every_kind_in_text_and_html_json(cli, kind, fmt):
    code, out, _ = cli(*kind, "--format", fmt, "--json")
    assert code == 0
    data = json.loads(out)
    assert data["format"] == fmt and data["kind"] == kind[0] and not data["empty"]
    assert data["text"].startswith("<!DOCTYPE html>") == (fmt == "html")


def test_nasty_document_is_escaped_in_html(cli):
    _, out, _ = cli("daily", "--date", "2025-03-18", "--format", "html")
    assert "&lt;script&gt;" in out and "<script>" not in out


def test_bad_input_is_answered_plainly(cli):
    code, out, err = cli("country", "Narnia")
    assert code == 2 and "unknown country" in err and not out
    code, out, _ = cli("topic", "  ")
    assert code == 0 and out.startswith("Nothing to search for")
    _, out, _ = cli("topic", "sanctions", "--format", "telegram", "--json")
    assert json.loads(out) == ["No stories match \u201csanctions\u201d."]
    _, out, _ = cli("daily", "--date", "2025-05-03")
    assert out.strip() == "No stories on 3 May 2025."
    with pytest.raises(SystemExit):
        cli("daily", "--date", "May 3")
