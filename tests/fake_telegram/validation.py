"""Checks Telegram applies to message text, captions, keyboards and replies."""

from __future__ import annotations

import logging
from typing import Any

from .html_check import HtmlError, ParsedText, parse_html, utf16_len
from .limits import ApiError
from .store import Store

logger = logging.getLogger(__name__)

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)


def parse_formatted(text: str, parse_mode: str | None, entities: Any, strict: bool) -> ParsedText:
    """Return the visible text and entities for ``text`` under ``parse_mode``."""
    mode = (parse_mode or "").lower()
    if mode == "html":
        try:
            return parse_html(text, strict_ampersand=strict)
        except HtmlError as exc:
            raise ApiError(400, f"Bad Request: can't parse entities: {exc}") from exc
    if mode in ("", "markdown", "markdownv2"):
        # Markdown is passed through unvalidated; its length is only approximated.
        return ParsedText(text, list(entities or []))
    raise ApiError(400, f"Bad Request: unsupported parse_mode {parse_mode!r}")


def check_text(params: dict[str, Any], strict: bool) -> ParsedText:
    """Validate a message text: non-empty and at most 4096 UTF-16 units once parsed."""
    text = params.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ApiError(400, "Bad Request: message text is empty")
    parsed = parse_formatted(text, params.get("parse_mode"), params.get("entities"), strict)
    if not parsed.text.strip():
        raise ApiError(400, "Bad Request: message text is empty")
    if utf16_len(parsed.text) > MAX_TEXT:
        raise ApiError(400, "Bad Request: message is too long")
    return parsed


def check_caption(params: dict[str, Any], strict: bool) -> ParsedText | None:
    """Validate an optional caption: at most 1024 UTF-16 units once parsed."""
    caption = params.get("caption")
    if caption is None or caption == "":
        return None
    mode = params.get("parse_mode")
    parsed = parse_formatted(str(caption), mode, params.get("caption_entities"), strict)
    if utf16_len(parsed.text) > MAX_CAPTION:
        raise ApiError(400, "Bad Request: message caption is too long")
    return parsed


def check_markup(markup: Any) -> dict[str, Any] | None:
    """Validate reply_markup, in particular inline keyboard buttons."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    rows = markup.get("inline_keyboard")
    if rows is None:
        return markup
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise ApiError(400, 'Bad Request: field "inline_keyboard" must be an Array of Arrays')
    for row in rows:
        for button in row:
            _check_button(button)
    return markup


def _check_button(button: Any) -> None:
    if not isinstance(button, dict) or not str(button.get("text") or "").strip():
        raise ApiError(400, "Bad Request: can't parse inline keyboard button: text is empty")
    if not any(action in button for action in BUTTON_ACTIONS):
        raise ApiError(
            400,
            "Bad Request: can't parse inline keyboard button: "
            "Text buttons are unallowed in the inline keyboard",
        )
    data = button.get("callback_data")
    if data is not None and not 1 <= len(str(data).encode("utf-8")) <= MAX_CALLBACK_DATA:
        raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
    url = button.get("url")
    if url is not None and not str(url).startswith(("http://", "https://", "tg://")):
        raise ApiError(400, "Bad Request: BUTTON_URL_INVALID")


def require_chat(params: dict[str, Any]) -> Any:
    """Return chat_id or fail like Telegram when it is missing."""
    chat_id = params.get("chat_id")
    if chat_id is None or chat_id == "":
        raise ApiError(400, "Bad Request: chat_id is empty")
    return chat_id


def check_reply(store: Store, chat_id: Any, params: dict[str, Any]) -> None:
    """Reject replies to messages that do not exist, unless allowed without reply."""
    reply = params.get("reply_parameters") or {}
    target = reply.get("message_id", params.get("reply_to_message_id"))
    if target is None:
        return
    allow = reply.get("allow_sending_without_reply", params.get("allow_sending_without_reply"))
    found = store.messages.get((reply.get("chat_id", chat_id), int(target)))
    if (found is None or found["deleted"]) and not allow:
        raise ApiError(400, "Bad Request: message to be replied not found")


def find_message(store: Store, params: dict[str, Any], action: str) -> dict[str, Any]:
    """Return the stored message named by chat_id + message_id or fail with 400."""
    chat_id = require_chat(params)
    message_id = params.get("message_id")
    if message_id is None:
        raise ApiError(400, "Bad Request: message identifier is not specified")
    record = store.messages.get((chat_id, int(message_id)))
    if record is None or record["deleted"]:
        raise ApiError(400, f"Bad Request: message to {action} not found")
    return record


def check_thread(store: Store, chat_id: Any, params: dict[str, Any]) -> int | None:
    """Return message_thread_id when it names a topic of the forum chat, else fail like Telegram."""
    thread = params.get("message_thread_id")
    if thread is None:
        return None
    if int(thread) not in store.topics.get(chat_id, set()):
        raise ApiError(400, "Bad Request: message thread not found")
    return int(thread)
