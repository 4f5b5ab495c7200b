"""A fake Telegram Bot API server for end-to-end tests of briefbot's real PTB stack."""

from __future__ import annotations

from .actions import RecordedRequest
from .html_check import HtmlError, ParsedText, parse_html, utf16_len
from .limits import ApiError
from .server import DEFAULT_TOKEN, FakeTelegramServer

__all__ = [
    "DEFAULT_TOKEN",
    "ApiError",
    "FakeTelegramServer",
    "HtmlError",
    "ParsedText",
    "RecordedRequest",
    "parse_html",
    "utf16_len",
]
