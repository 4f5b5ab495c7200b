"""Typed settings, read from the environment (and an optional .env file) and validated at start."""

from __future__ import annotations

from datetime import time
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from storage.db import default_url


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
    max_upload_mb: float = Field(default=20.0, gt=0)
    templates_dir: Path | None = None
    catch_up_hours: float = Field(default=6.0, ge=0)
    # Scheduler tick interval; also how soon a follower takes over from a dead leader.
    tick_seconds: float = Field(default=60.0, gt=0, le=60)

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


def _env_name(loc: tuple) -> str:
    field = str(loc[0]) if loc else "?"
    if field in ("telegram_bot_token", "TELEGRAM_BOT_TOKEN"):
        return "TELEGRAM_BOT_TOKEN"
    return f"BRIEFBOT_{field.upper()}"
