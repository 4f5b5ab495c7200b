"""Typed settings, read from the environment (and an optional .env file) and validated at start.

Whatever an operator can get wrong stops the program at start with one line naming the
setting and the problem (`SettingsError`): numbers out of range or not finite (`inf` would
pass a plain `>= 0` and break every scheduler tick later), a database URL that is not one or
names a database briefbot cannot use, a Bot API URL that is not https (plain http only on
this machine) or holds credentials. Errors never quote a value: URLs carry passwords.
"""

from __future__ import annotations

import ipaddress
from datetime import time
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from storage.db import default_url, normalize_url
from storage.dialect import dialect_for_url

# Largest accepted values: beyond them a setting is a typo, and some would overflow later.
MAX_UPLOAD_MB = 2000  # what a self-hosted Bot API server lets a bot download
MAX_CATCH_UP_HOURS = 24 * 30


class SettingsError(Exception):
    """Settings that cannot start the program; the message is one readable line."""


class Settings(BaseSettings):
    """Everything an operator can configure. Defaults give a working local setup."""

    model_config = SettingsConfigDict(
        env_prefix="BRIEFBOT_", env_file=".env", extra="ignore", populate_by_name=True
    )

    telegram_bot_token: SecretStr | None = Field(default=None, alias="TELEGRAM_BOT_TOKEN")
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    database_url: str | None = None  # default: SQLite file in data_dir
    data_dir: Path = Path("data")
    telegram_api_url: str = "https://api.telegram.org"
    timezone: str = "UTC"
    delivery_time: time = time(7, 30)
    max_upload_mb: float = Field(default=20.0, gt=0, le=MAX_UPLOAD_MB, allow_inf_nan=False)
    templates_dir: Path | None = None
    catch_up_hours: float = Field(default=6.0, ge=0, le=MAX_CATCH_UP_HOURS, allow_inf_nan=False)
    # Scheduler tick interval; also how soon a follower takes over from a dead leader.
    tick_seconds: float = Field(default=60.0, gt=0, le=60, allow_inf_nan=False)

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _parse_admin_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.replace(";", ",").split(",") if p.strip()]
            try:
                return frozenset(int(p) for p in parts)
            except ValueError:
                raise ValueError("must be comma-separated numeric Telegram user ids") from None
        return value

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown IANA timezone {value!r}") from None
        return value

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str | None) -> str | None:
        if value is None:
            return value
        try:
            normalized = normalize_url(value)
        except ArgumentError:
            raise ValueError("not a database URL: use sqlite:///path/to/file.sqlite3 or "
                             "postgresql://user:password@host:5432/database") from None
        dialect_for_url(normalized)  # ValueError: a database briefbot cannot use
        url = make_url(normalized)
        try:
            url.get_dialect().import_dbapi()
        except ArgumentError:
            raise ValueError(f"unknown database driver {url.get_driver_name()!r}") from None
        except ImportError as exc:
            raise ValueError(f"the database driver {exc.name!r} is not installed") from None
        return value

    @field_validator("telegram_api_url")
    @classmethod
    def _check_telegram_api_url(cls, value: str) -> str:
        parts = urlsplit(value)
        try:
            parts.port  # noqa: B018 - raises on a port that is not one
        except ValueError:
            raise ValueError("the port is not a number from 0 to 65535") from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("not an http(s) URL, e.g. https://api.telegram.org")
        if parts.username is not None or parts.password is not None:
            raise ValueError("must not hold a user name or password (the bot token is the "
                             "credential)")
        if parts.query or parts.fragment:
            raise ValueError("must not have a query or fragment")
        if parts.scheme == "http" and not is_loopback(parts.hostname):
            raise ValueError("must use https (plain http only for a loopback host): the "
                             "requests carry the bot token")
        return value

    @field_validator("templates_dir")
    @classmethod
    def _check_templates_dir(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_dir():
            raise ValueError(f"{value} is not a directory")
        return value

    @property
    def db_url(self) -> str:
        """Return the database URL, defaulting to SQLite in the data directory."""
        return self.database_url or default_url(self.data_dir)

    @property
    def db_setting(self) -> str:
        """Return the name of the setting the database's location comes from."""
        return "BRIEFBOT_DATABASE_URL" if self.database_url else "BRIEFBOT_DATA_DIR"

    @property
    def max_upload_bytes(self) -> int:
        """Return the upload limit in bytes."""
        return int(self.max_upload_mb * 1024 * 1024)

    @property
    def token(self) -> str | None:
        """Return the bot token's secret value (never log it)."""
        return self.telegram_bot_token.get_secret_value() if self.telegram_bot_token else None


def load_settings(**overrides: object) -> Settings:
    """Load and validate settings, turning validation errors into one clear line."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = "; ".join(
            f"{_env_name(err['loc'])}: {err['msg']}" for err in exc.errors(include_url=False)
        )
        raise SettingsError(f"invalid settings: {problems}") from None


def is_loopback(host: str) -> bool:
    """Tell whether host names this machine (localhost, 127.0.0.0/8, ::1)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _env_name(loc: tuple) -> str:
    field = str(loc[0]) if loc else "?"
    if field in ("telegram_bot_token", "TELEGRAM_BOT_TOKEN"):
        return "TELEGRAM_BOT_TOKEN"
    return f"BRIEFBOT_{field.upper()}"
