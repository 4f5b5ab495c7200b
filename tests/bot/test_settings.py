"""Bad settings stop every command at start with one line naming the setting, exit status 2,
no traceback, and never a password or token from the value."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import SettingsError, load_settings

BRIEFBOT = Path(sys.executable).parent / "briefbot"
SECRET = "hunter2"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch, tmp_path):
    for name in list(os.environ):
        if name.startswith("BRIEFBOT_") or name == "TELEGRAM_BOT_TOKEN":
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no stray .env file


@pytest.mark.parametrize(("name", "value", "expected"), [
    ("BRIEFBOT_MAX_UPLOAD_MB", "inf", "finite"),
    ("BRIEFBOT_MAX_UPLOAD_MB", "nan", "finite"),
    ("BRIEFBOT_MAX_UPLOAD_MB", "-1", "greater than 0"),
    ("BRIEFBOT_MAX_UPLOAD_MB", "1e12", "less than or equal to 2000"),
    ("BRIEFBOT_CATCH_UP_HOURS", "inf", "finite"),
    ("BRIEFBOT_CATCH_UP_HOURS", "-3", "greater than or equal to 0"),
    ("BRIEFBOT_CATCH_UP_HOURS", "1e300", "less than or equal to 720"),
    ("BRIEFBOT_TICK_SECONDS", "nan", "finite"),
    ("BRIEFBOT_DATABASE_URL", "notaurl", "not a database URL"),
    ("BRIEFBOT_DATABASE_URL", f"mysql://bob:{SECRET}@db/x", "unsupported database 'mysql'"),
    ("BRIEFBOT_DATABASE_URL", f"postgresql+nodriver://bob:{SECRET}@db/x", "unknown database driver"),
    ("BRIEFBOT_DATABASE_URL", f"postgresql+asyncpg://bob:{SECRET}@db/x", "is not installed"),
    ("BRIEFBOT_TELEGRAM_API_URL", f"https://bob:{SECRET}@api.example.org", "user name or password"),
    ("BRIEFBOT_TELEGRAM_API_URL", "http://api.example.org", "must use https"),
    ("BRIEFBOT_TELEGRAM_API_URL", "http://10.0.0.5:8081", "must use https"),
    ("BRIEFBOT_TELEGRAM_API_URL", "notaurl", "not an http(s) URL"),
    ("BRIEFBOT_TELEGRAM_API_URL", "ftp://api.example.org", "not an http(s) URL"),
    ("BRIEFBOT_TELEGRAM_API_URL", "https://api.example.org:99999", "port"),
    ("BRIEFBOT_TELEGRAM_API_URL", f"https://api.example.org/?token={SECRET}", "query"),
])
def test_a_bad_value_names_the_setting_and_the_problem(monkeypatch, name, value, expected):
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert f"{name}: " in message and expected in message and "\n" not in message
    assert SECRET not in message and value not in message


@pytest.mark.parametrize(("name", "value"), [
    ("BRIEFBOT_TELEGRAM_API_URL", "https://api.telegram.org"),
    ("BRIEFBOT_TELEGRAM_API_URL", "https://bots.example.org:8443/telegram"),
    ("BRIEFBOT_TELEGRAM_API_URL", "http://127.0.0.1:8081"),
    ("BRIEFBOT_TELEGRAM_API_URL", "http://localhost:8081/"),
    ("BRIEFBOT_TELEGRAM_API_URL", "http://[::1]:8081"),
    ("BRIEFBOT_DATABASE_URL", "postgres://bob:pw@db:5432/briefbot"),
    ("BRIEFBOT_DATABASE_URL", "postgresql+psycopg://bob@db/briefbot"),
    ("BRIEFBOT_DATABASE_URL", "sqlite:///data/briefbot.sqlite3"),
    ("BRIEFBOT_MAX_UPLOAD_MB", "2000"),
    ("BRIEFBOT_CATCH_UP_HOURS", "0"),
])
def test_good_values_still_pass(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    load_settings()


def _briefbot(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith("BRIEFBOT_") and k != "TELEGRAM_BOT_TOKEN"}
    clean.update({"BRIEFBOT_DATA_DIR": str(tmp_path / "data"), **env})
    return subprocess.run([str(BRIEFBOT), *args], cwd=tmp_path, env=clean, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize(("args", "env", "expected"), [
    (("items",), {"BRIEFBOT_CATCH_UP_HOURS": "inf"}, "BRIEFBOT_CATCH_UP_HOURS: "),
    (("items",), {"BRIEFBOT_MAX_UPLOAD_MB": "inf"}, "BRIEFBOT_MAX_UPLOAD_MB: "),
    (("search", "grain"), {"BRIEFBOT_DATABASE_URL": "notaurl"}, "BRIEFBOT_DATABASE_URL: "),
    (("db", "upgrade"), {"BRIEFBOT_DATABASE_URL": f"mysql://bob:{SECRET}@localhost/x"},
     "unsupported database"),
    (("items",), {"BRIEFBOT_DATABASE_URL": f"postgresql://bob:{SECRET}@127.0.0.1:1/x"},
     "BRIEFBOT_DATABASE_URL: cannot open the database at postgresql://bob:***@127.0.0.1:1/x"),
    (("ingest", "."), {"BRIEFBOT_DATABASE_URL": "sqlite:////proc/briefbot-x/db.sqlite3"},
     "BRIEFBOT_DATABASE_URL: cannot create the database folder /proc/briefbot-x"),
    (("items",), {"BRIEFBOT_DATA_DIR": "/etc/hostname/data"},
     "BRIEFBOT_DATA_DIR: cannot create the database folder"),
    (("items",), {"BRIEFBOT_DATA_DIR": "/proc"}, "BRIEFBOT_DATA_DIR: cannot open the database"),
    (("run",), {"TELEGRAM_BOT_TOKEN": "1:abc",
                "BRIEFBOT_TELEGRAM_API_URL": f"http://bob:{SECRET}@api.example.org"},
     "BRIEFBOT_TELEGRAM_API_URL: "),
])
def test_the_real_command_fails_with_one_line_and_exit_2(tmp_path, args, env, expected):
    result = _briefbot(tmp_path, *args, **env)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("briefbot: ") and expected in lines[0], lines
    assert SECRET not in result.stderr and result.stdout == ""


def test_a_huge_limit_is_refused_before_it_reaches_the_database(tmp_path):
    result = _briefbot(tmp_path, "items", "--limit", "99999999999999999999")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].endswith(
        "argument --limit: at most 1,000,000: 99999999999999999999")
