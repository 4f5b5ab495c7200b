"""Typed settings, read from the environment (and an optional .env file) and validated at start.

Whatever an operator can get wrong stops the program at start with one line naming the
setting and the problem (`SettingsError`): numbers out of range or not finite (`inf` would
pass a plain `>= 0` and break every scheduler tick later), a database URL that is not one or
names a database briefbot cannot use, a Bot API URL that is not https (plain http only on
this machine) or holds credentials. Errors never quote a value: URLs carry passwords.

Where platforms put things: the database URL may come from `DATABASE_URL` when
`BRIEFBOT_DATABASE_URL` is not set, and the two secrets from files (`TELEGRAM_BOT_TOKEN_FILE`,
`BRIEFBOT_DATABASE_URL_FILE`, `DATABASE_URL_FILE`, as Docker and Kubernetes secrets are
mounted); see `FALLBACKS`. A file that cannot be read stops the start with one line naming
its variable, never its content.
"""

from __future__ import annotations

import ipaddress
import re
from contextvars import ContextVar
from datetime import time
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, PrivateAttr, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from storage.db import default_url, normalize_url
from storage.dialect import dialect_for_url

# Largest accepted values: beyond them a setting is a typo, and some would overflow later.
MAX_UPLOAD_MB = 2000  # what a self-hosted Bot API server lets a bot download
MAX_CATCH_UP_HOURS = 24 * 30
MAX_INGEST_WORKERS = 256
MIN_INGEST_MEMORY_MB = 512  # a resting parse worker maps about 280 MB: less leaves no room
MAX_SECRET_FILE_BYTES = 64 * 1024  # a token or a URL; anything bigger is the wrong file

# Where a setting comes from when its own variable is unset, in order of preference: the
# BRIEFBOT_ names first, then the names platforms set for every app (DATABASE_URL).
FALLBACKS: dict[str, tuple[str, ...]] = {
    "telegram_bot_token": ("TELEGRAM_BOT_TOKEN_FILE",),
    "database_url": ("BRIEFBOT_DATABASE_URL_FILE", "DATABASE_URL", "DATABASE_URL_FILE"),
}
# The variable each field is read from first (the env_prefix or alias name).
PRIMARY = {"telegram_bot_token": "TELEGRAM_BOT_TOKEN", "database_url": "BRIEFBOT_DATABASE_URL"}
# Networks allowed to read /healthz and /metrics by default: this machine only.
LOOPBACK_NETWORKS = "127.0.0.0/8,::1/128"
# Which variable the database URL came from, set while Settings is built (see _Fallbacks).
_DATABASE_URL_FROM: ContextVar[str] = ContextVar("database_url_from", default="BRIEFBOT_DATABASE_URL")

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
_HOSTNAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9.-]{0,252}[A-Za-z0-9])?")


class SettingsError(Exception):
    """Settings that cannot start the program; the message is one readable line."""


class _Fallbacks(PydanticBaseSettingsSource):
    """Fill a setting left unset by its own variable from FALLBACKS (files read, stripped)."""

    def __init__(self, settings_cls: type[BaseSettings], *sources: PydanticBaseSettingsSource):
        super().__init__(settings_cls)
        self._variables: dict[str, str | None] = {}
        for source in sources:  # lowest priority first: the environment beats the .env file
            self._variables.update(getattr(source, "env_vars", {}))

    def get_field_value(self, field, field_name: str):  # unused: __call__ does the work
        """Return nothing: values come from __call__."""
        return None, field_name, False

    def __call__(self) -> dict[str, object]:
        """Return the fallback values of the settings not set by a higher source."""
        _DATABASE_URL_FROM.set(PRIMARY["database_url"])
        found: dict[str, object] = {}
        for field, names in FALLBACKS.items():
            self._refuse_both(PRIMARY[field], f"{PRIMARY[field]}_FILE")
            if field in self.current_state or PRIMARY[field] in self.current_state:
                continue
            for name in names:
                if value := self._get(name):
                    found[field] = read_secret_file(name, value) if name.endswith("_FILE") else value
                    if field == "database_url":
                        _DATABASE_URL_FROM.set(name)
                    break
        return found

    def _get(self, name: str) -> str | None:
        return self._variables.get(name.lower()) or None

    def _refuse_both(self, name: str, file_name: str) -> None:
        if self._get(name) and self._get(file_name):
            raise SettingsError(f"invalid settings: {name} and {file_name} are both set: "
                                "keep one")


def read_secret_file(variable: str, path: str) -> str:
    """Return the stripped text of the file *variable* names; SettingsError when unreadable."""
    try:
        with open(path, "rb") as file:
            data = file.read(MAX_SECRET_FILE_BYTES + 1)
    except OSError as exc:
        raise SettingsError(f"invalid settings: {variable}: cannot read {path}: "
                            f"{exc.strerror or type(exc).__name__}") from None
    if len(data) > MAX_SECRET_FILE_BYTES:
        raise SettingsError(f"invalid settings: {variable}: {path} is over "
                            f"{MAX_SECRET_FILE_BYTES // 1024} KB: not a secret file")
    try:
        text = data.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise SettingsError(f"invalid settings: {variable}: {path} is not UTF-8 text") from None
    if not text:
        raise SettingsError(f"invalid settings: {variable}: {path} is empty")
    return text


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
    # Parsing uploads and files (docs/operations.md, "Ingest limits"): worker processes (unset:
    # one per CPU; 0 parses in the bot or CLI process itself, without limits), the wall-clock
    # seconds one document may take, and the memory (address space) of each worker.
    ingest_workers: int | None = Field(default=None, ge=0, le=MAX_INGEST_WORKERS)
    ingest_timeout_seconds: float = Field(default=60.0, gt=0, le=3600, allow_inf_nan=False)
    ingest_memory_mb: int = Field(default=2048, ge=MIN_INGEST_MEMORY_MB, le=2**20)
    # Feeds: 1 lets feeds and links reach loopback and private addresses (on-premises feeds).
    feeds_allow_private: bool = False
    feeds_timeout_seconds: float = Field(default=30.0, gt=0, le=600, allow_inf_nan=False)
    # The HTTP server (webhook, /healthz, /metrics): loopback unless told otherwise.
    web_host: str = "127.0.0.1"
    web_port: int = Field(default=8080, ge=0, le=65535)  # 0: no server in polling mode
    # Who may read /healthz and /metrics (the webhook is guarded by its secret instead).
    metrics_allow: Annotated[tuple[IPNetwork, ...], NoDecode] = Field(
        default=LOOPBACK_NETWORKS, validate_default=True)

    _database_url_from: str = PrivateAttr(default=PRIMARY["database_url"])

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, env_settings,
                                   dotenv_settings, file_secret_settings):
        """Read init values, the environment, .env, then the fallbacks (FALLBACKS)."""
        fallbacks = _Fallbacks(settings_cls, dotenv_settings, env_settings)
        return init_settings, env_settings, dotenv_settings, fallbacks, file_secret_settings

    def model_post_init(self, context: object, /) -> None:
        """Remember which variable the database URL came from (for error messages)."""
        self._database_url_from = _DATABASE_URL_FROM.get()

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

    @field_validator("metrics_allow", mode="before")
    @classmethod
    def _parse_networks(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        networks = []
        for part in (p.strip() for p in value.replace(";", ",").split(",")):
            if not part:
                continue
            try:
                networks.append(ipaddress.ip_network(part, strict=False))
            except ValueError:
                raise ValueError(f"{part[:60]!r} is not an IP address or network "
                                 "(e.g. 10.0.0.0/8, 2001:db8::/32)") from None
        return tuple(networks)

    @field_validator("web_host")
    @classmethod
    def _check_web_host(cls, value: str) -> str:
        value = value.strip().removeprefix("[").removesuffix("]")
        try:
            ipaddress.ip_address(value)
        except ValueError:
            if not _HOSTNAME.fullmatch(value):
                raise ValueError("not an IP address or host name (e.g. 127.0.0.1, 0.0.0.0, "
                                 "::)") from None
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
        return self._database_url_from if self.database_url else "BRIEFBOT_DATA_DIR"

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
    if field == "database_url":
        return _DATABASE_URL_FROM.get()
    return f"BRIEFBOT_{field.upper()}"
