"""Bad settings stop every command at start with one line naming the setting, exit status 2,
no traceback, and never a password or token from the value."""

from __future__ import annotations

import argparse
import ipaddress
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli.commands.run import web_defaults
from bot.context import AppContext
from bot.settings import SettingsError, load_settings
from storage.db import normalize_url

BRIEFBOT = Path(sys.executable).parent / "briefbot"
SECRET = "hunter2"
# Variables read besides the BRIEFBOT_ ones: a developer's or CI's must not leak into tests.
OTHER_NAMES = ("TELEGRAM_BOT_TOKEN", "TELEGRAM_BOT_TOKEN_FILE", "DATABASE_URL",
               "DATABASE_URL_FILE")


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch, tmp_path):
    for name in list(os.environ):
        if name.startswith("BRIEFBOT_") or name in OTHER_NAMES:
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
             if not k.startswith("BRIEFBOT_") and k not in OTHER_NAMES}
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


# -- where the database URL and the secrets may come from ------------------------------------


def _secret_file(tmp_path: Path, name: str, content: str) -> str:
    path = tmp_path / name
    path.write_text(content)
    return str(path)


def test_database_url_is_used_when_the_briefbot_one_is_not_set(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://bob:pw@db.example.org:5432/briefbot")
    settings = load_settings()
    assert settings.db_setting == "DATABASE_URL"
    # postgres:// (what platforms hand out) gets the driver briefbot uses.
    assert normalize_url(settings.db_url).startswith("postgresql+psycopg://bob:pw@db.example.org")
    monkeypatch.setenv("BRIEFBOT_DATABASE_URL", "sqlite:///mine.sqlite3")
    settings = load_settings()
    assert settings.db_url == "sqlite:///mine.sqlite3"
    assert settings.db_setting == "BRIEFBOT_DATABASE_URL"


def test_an_override_beats_every_variable(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgres://bob:pw@db/x")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN_FILE", _secret_file(tmp_path, "t", "1:file"))
    settings = load_settings(database_url="sqlite:///given.sqlite3", telegram_bot_token="1:given")
    assert settings.db_url == "sqlite:///given.sqlite3" and settings.token == "1:given"
    assert settings.db_setting == "BRIEFBOT_DATABASE_URL"


def test_a_bad_database_url_names_the_variable_it_came_from(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"mysql://bob:{SECRET}@db/x")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert str(caught.value).startswith("invalid settings: DATABASE_URL: ")
    assert SECRET not in str(caught.value)


@pytest.mark.parametrize(("variables", "expected"), [
    ({"BRIEFBOT_DATABASE_URL_FILE": "a", "DATABASE_URL": "sqlite:///b.db",
      "DATABASE_URL_FILE": "c"}, ("sqlite:///a.db", "BRIEFBOT_DATABASE_URL_FILE")),
    ({"DATABASE_URL": "sqlite:///b.db"}, ("sqlite:///b.db", "DATABASE_URL")),
    ({"DATABASE_URL_FILE": "c"}, ("sqlite:///c.db", "DATABASE_URL_FILE")),
])
def test_database_url_files_in_order(monkeypatch, tmp_path, variables, expected):
    for name, value in variables.items():
        if name.endswith("_FILE"):  # the file holds the URL, with the newline editors add
            value = _secret_file(tmp_path, value, f"  sqlite:///{value}.db\n")
        monkeypatch.setenv(name, value)
    settings = load_settings()
    assert (settings.db_url, settings.db_setting) == expected


def test_the_token_from_a_file_is_stripped_and_never_shown(monkeypatch, tmp_path):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN_FILE", _secret_file(tmp_path, "token", "\n123:abc-D\n"))
    settings = load_settings()
    assert settings.token == "123:abc-D"
    assert "123:abc-D" not in repr(settings) and "123:abc-D" not in str(settings)


def test_dotenv_file_variables_work_too(monkeypatch, tmp_path):
    (tmp_path / ".env").write_text(
        f"DATABASE_URL_FILE={_secret_file(tmp_path, 'db', 'sqlite:///env.db')}\n"
        f"TELEGRAM_BOT_TOKEN_FILE={_secret_file(tmp_path, 'tok', '9:from-env-file')}\n")
    settings = load_settings()
    assert (settings.db_url, settings.token) == ("sqlite:///env.db", "9:from-env-file")


@pytest.mark.parametrize(("name", "make", "expected"), [
    ("TELEGRAM_BOT_TOKEN_FILE", lambda d: str(d / "missing"), "No such file or directory"),
    ("TELEGRAM_BOT_TOKEN_FILE", lambda d: str(d), "Is a directory"),
    ("BRIEFBOT_DATABASE_URL_FILE", lambda d: _secret_file(d, "empty", " \n"), "is empty"),
    ("DATABASE_URL_FILE", lambda d: _secret_file(d, "big", "x" * 70_000), "not a secret file"),
    ("DATABASE_URL_FILE", lambda d: _secret_file(d, "bad", f"mysql://bob:{SECRET}@db/x"),
     "unsupported database"),
])
def test_an_unreadable_secret_file_is_one_line_naming_the_variable(monkeypatch, tmp_path, name,
                                                                   make, expected):
    monkeypatch.setenv(name, make(tmp_path))
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith(f"invalid settings: {name}: ") and expected in message
    assert "\n" not in message and SECRET not in message and "xxxx" not in message


@pytest.mark.parametrize("name", ["TELEGRAM_BOT_TOKEN", "BRIEFBOT_DATABASE_URL"])
def test_a_variable_and_its_file_both_set_is_refused(monkeypatch, tmp_path, name):
    monkeypatch.setenv(name, "1:abc" if "TOKEN" in name else "sqlite:///a.db")
    monkeypatch.setenv(f"{name}_FILE", _secret_file(tmp_path, "f", "1:abc"))
    with pytest.raises(SettingsError, match=f"{name} and {name}_FILE are both set"):
        load_settings()


def test_the_real_command_names_database_url_and_hides_its_password(tmp_path):
    result = _briefbot(tmp_path, "items", DATABASE_URL=f"postgresql://bob:{SECRET}@127.0.0.1:1/x")
    assert result.returncode == 2
    assert result.stderr.startswith(
        "briefbot: DATABASE_URL: cannot open the database at postgresql://bob:***@127.0.0.1:1/x")
    assert SECRET not in result.stderr


def test_the_real_command_reports_a_missing_token_file(tmp_path):
    result = _briefbot(tmp_path, "items", TELEGRAM_BOT_TOKEN_FILE=str(tmp_path / "nope"))
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        f"briefbot: invalid settings: TELEGRAM_BOT_TOKEN_FILE: cannot read {tmp_path / 'nope'}: "
        "No such file or directory"]


# -- the HTTP server's address and who may read /healthz and /metrics ------------------------


def test_the_web_server_listens_on_loopback_by_default():
    settings = load_settings()
    assert (settings.web_host, settings.web_port) == ("127.0.0.1", 8080)
    assert settings.metrics_allow == (ipaddress.ip_network("127.0.0.0/8"),
                                      ipaddress.ip_network("::1/128"))
    args = argparse.Namespace(listen=None, port=None, health_port=None)
    web_defaults(AppContext(settings), args)
    assert (args.listen, args.port, args.health_port) == ("127.0.0.1", 8080, 8080)


def test_web_settings_from_the_environment(monkeypatch):
    monkeypatch.setenv("BRIEFBOT_WEB_HOST", "0.0.0.0")
    monkeypatch.setenv("BRIEFBOT_WEB_PORT", "9090")
    monkeypatch.setenv("BRIEFBOT_METRICS_ALLOW", "10.1.2.3, 172.16.0.0/12;fd00::/8")
    settings = load_settings()
    assert (settings.web_host, settings.web_port) == ("0.0.0.0", 9090)
    assert [str(n) for n in settings.metrics_allow] == ["10.1.2.3/32", "172.16.0.0/12", "fd00::/8"]
    args = argparse.Namespace(listen="127.0.0.2", port=None, health_port=0)
    web_defaults(AppContext(settings), args)  # what the command line says wins
    assert (args.listen, args.port, args.health_port) == ("127.0.0.2", 9090, 0)


@pytest.mark.parametrize(("name", "value", "expected"), [
    ("BRIEFBOT_WEB_HOST", "http://0.0.0.0", "not an IP address or host name"),
    ("BRIEFBOT_WEB_HOST", "host name", "not an IP address or host name"),
    ("BRIEFBOT_WEB_PORT", "70000", "less than or equal to 65535"),
    ("BRIEFBOT_METRICS_ALLOW", "10.0.0.0/33", "is not an IP address or network"),
    ("BRIEFBOT_METRICS_ALLOW", "everyone", "is not an IP address or network"),
])
def test_bad_web_settings(monkeypatch, name, value, expected):
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert f"{name}: " in str(caught.value) and expected in str(caught.value)
