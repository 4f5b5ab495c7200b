"""Decode Bot API request parameters from query strings, forms, multipart bodies and JSON."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.web_request import FileField

from .limits import ApiError

logger = logging.getLogger(__name__)

# Fields whose value is a JSON object/array; clients may send them as JSON-encoded strings.
JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "commands",
        "scope",
        "allowed_updates",
        "link_preview_options",
        "reply_parameters",
        "media",
    }
)
INT_FIELDS = frozenset(
    {
        "chat_id",
        "from_chat_id",
        "message_id",
        "message_thread_id",
        "offset",
        "limit",
        "timeout",
        "user_id",
        "cache_time",
        "max_connections",
    }
)
BOOL_FIELDS = frozenset(
    {
        "show_alert",
        "disable_notification",
        "protect_content",
        "drop_pending_updates",
        "allow_sending_without_reply",
        "disable_web_page_preview",
        "disable_content_type_detection",
        "has_spoiler",
        "show_caption_above_media",
        "allow_paid_broadcast",
    }
)
INT_RE = re.compile(r"-?\d+")


@dataclass
class Upload:
    """One file part of a multipart request."""

    field: str
    filename: str
    content_type: str
    data: bytes


async def read_params(request: web.Request) -> tuple[dict[str, Any], dict[str, Upload]]:
    """Return the request's coerced parameters and its uploaded files."""
    raw: dict[str, Any] = dict(request.query)
    uploads: dict[str, Upload] = {}
    ctype = request.content_type
    if ctype == "application/json":
        raw.update(await _read_json(request))
    elif ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        for name, value in form.items():
            if isinstance(value, FileField):
                uploads[name] = _to_upload(name, value)
            else:
                raw[name] = value
    return {name: coerce(name, value) for name, value in raw.items()}, uploads


async def _read_json(request: web.Request) -> dict[str, Any]:
    body = await request.text()
    if not body.strip():
        return {}
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise ApiError(400, "Bad Request: can't parse JSON body") from exc
    if not isinstance(data, dict):
        raise ApiError(400, "Bad Request: JSON body must be an object")
    return data


def _to_upload(name: str, value: FileField) -> Upload:
    data = value.file.read()
    return Upload(name, value.filename, value.content_type or "application/octet-stream", data)


def coerce(name: str, value: Any) -> Any:
    """Turn a wire value into the Python type Telegram would read for this field."""
    if not isinstance(value, str):
        return value
    if name in JSON_FIELDS:
        try:
            return json.loads(value)
        except ValueError as exc:
            raise ApiError(400, f"Bad Request: can't parse {name} JSON object") from exc
    if name in INT_FIELDS and INT_RE.fullmatch(value.strip()):
        return int(value)
    if name in BOOL_FIELDS:
        return value.strip().lower() in ("true", "1")
    return value
