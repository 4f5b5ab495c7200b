"""Bot API methods that send, edit and delete messages, files and callback answers."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from .limits import ApiError
from .params import Upload
from .store import StoredFile, message_json
from .validation import (
    check_caption,
    check_markup,
    check_reply,
    check_text,
    check_thread,
    find_message,
    require_chat,
)

if TYPE_CHECKING:
    from .server import FakeTelegramServer

logger = logging.getLogger(__name__)

Params = dict[str, Any]
Uploads = dict[str, Upload]
MAX_DOWNLOAD = 20 * 1024 * 1024
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)


async def send_message(srv: FakeTelegramServer, params: Params, uploads: Uploads) -> Any:
    """Store a text message from the bot and return it."""
    chat_id = srv.check_chat(params)
    parsed = check_text(params, srv.strict_ampersand)
    markup = check_markup(params.get("reply_markup"))
    check_reply(srv.store, chat_id, params)
    thread = check_thread(srv.store, chat_id, params)
    record = srv.store.new_message(
        chat_id,
        srv.store.bot_user,
        kind="text",
        text=params["text"],
        plain_text=parsed.text,
        entities=parsed.entities,
        parse_mode=params.get("parse_mode"),
        reply_markup=markup,
        params=params,
        message_thread_id=thread,
    )
    return message_json(srv.store, record)


async def send_photo(srv: FakeTelegramServer, params: Params, uploads: Uploads) -> Any:
    """Store a photo message from the bot and return it."""
    return _send_media(srv, params, uploads, "photo")


async def send_document(srv: FakeTelegramServer, params: Params, uploads: Uploads) -> Any:
    """Store a document message from the bot and return it."""
    return _send_media(srv, params, uploads, "document")


def _send_media(srv: FakeTelegramServer, params: Params, uploads: Uploads, kind: str) -> Any:
    chat_id = srv.check_chat(params)
    stored = _resolve_file(srv, params, uploads, kind)
    caption = check_caption(params, srv.strict_ampersand)
    markup = check_markup(params.get("reply_markup"))
    check_reply(srv.store, chat_id, params)
    record = srv.store.new_message(
        chat_id,
        srv.store.bot_user,
        kind=kind,
        caption=params.get("caption") if caption else None,
        plain_caption=caption.text if caption else None,
        caption_entities=caption.entities if caption else [],
        parse_mode=params.get("parse_mode"),
        reply_markup=markup,
        params=params,
        **{kind: stored},
    )
    return message_json(srv.store, record)


def _resolve_file(
    srv: FakeTelegramServer, params: Params, uploads: Uploads, kind: str
) -> StoredFile:
    """Accept an uploaded part, an attach:// reference, a known file_id or an HTTP URL."""
    value = params.get(kind)
    name = value.removeprefix("attach://") if isinstance(value, str) else kind
    upload = uploads.get(name) or uploads.get(kind)
    if upload is not None:
        return srv.store.add_file(upload.data, upload.filename, upload.content_type, kind)
    if isinstance(value, str) and value in srv.store.files:
        return srv.store.files[value]
    if isinstance(value, str) and value.startswith(("http://", "https://")):
        stored = srv.store.add_file(None, value.rsplit("/", 1)[-1], None, kind)
        stored.url = value
        return stored
    if not value:
        raise ApiError(400, f"Bad Request: there is no {kind} in the request")
    raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")


async def edit_message_text(srv: FakeTelegramServer, params: Params, uploads: Uploads) -> Any:
    """Replace the text (and optionally the keyboard) of a bot message."""
    record = _editable(srv, params)
    if record.get("text") is None:
        raise ApiError(400, "Bad Request: there is no text in the message to edit")
    parsed = check_text(params, srv.strict_ampersand)
    markup = check_markup(params.get("reply_markup"))
    if (
        parsed.text == record["plain_text"]
        and parsed.entities == record["entities"]
        and (markup == record.get("reply_markup"))
    ):
        raise ApiError(400, NOT_MODIFIED)
    record["edits"] = [*record.get("edits", []), _snapshot(record)]
    record.update(
        text=params["text"],
        plain_text=parsed.text,
        entities=parsed.entities,
        parse_mode=params.get("parse_mode"),
        reply_markup=markup,
        edit_date=srv.store.now(),
    )
    return message_json(srv.store, record)


async def edit_message_reply_markup(
    srv: FakeTelegramServer, params: Params, uploads: Uploads
) -> Any:
    """Replace (or remove) the inline keyboard of a bot message."""
    record = _editable(srv, params)
    markup = check_markup(params.get("reply_markup"))
    if markup == record.get("reply_markup"):
        raise ApiError(400, NOT_MODIFIED)
    record["edits"] = [*record.get("edits", []), _snapshot(record)]
    record.update(reply_markup=markup, edit_date=srv.store.now())
    return message_json(srv.store, record)


def _editable(srv: FakeTelegramServer, params: Params) -> dict[str, Any]:
    if params.get("inline_message_id"):
        raise ApiError(400, "Bad Request: inline messages are not supported by the fake server")
    record = find_message(srv.store, params, "edit")
    if not record["from_bot"]:
        raise ApiError(400, "Bad Request: message can't be edited")
    return record


def _snapshot(record: dict[str, Any]) -> dict[str, Any]:
    keys = ("text", "plain_text", "parse_mode", "reply_markup", "edit_date")
    return {key: record.get(key) for key in keys}


async def delete_message(srv: FakeTelegramServer, params: Params, uploads: Uploads) -> Any:
    """Mark a message as deleted."""
    record = find_message(srv.store, params, "delete")
    record["deleted"] = True
    return True


async def send_chat_action(srv: FakeTelegramServer, params: Params, uploads: Uploads) -> Any:
    """Accept a valid chat action such as 'typing'."""
    require_chat(params)
    if params.get("action") not in CHAT_ACTIONS:
        raise ApiError(400, "Bad Request: wrong parameter action in request")
    return True


async def answer_callback_query(srv: FakeTelegramServer, params: Params, uploads: Uploads) -> Any:
    """Record the answer to a callback query; each query can be answered once."""
    query = srv.store.callbacks.get(str(params.get("callback_query_id")))
    if query is None or query.get("answer") is not None:
        raise ApiError(
            400,
            "Bad Request: query is too old and response timeout expired or query ID is invalid",
        )
    query["answer"] = {key: params.get(key) for key in ("text", "show_alert", "url", "cache_time")}
    return True


async def get_file(srv: FakeTelegramServer, params: Params, uploads: Uploads) -> Any:
    """Return the File object with the relative path its bytes are served from."""
    stored = srv.store.files.get(str(params.get("file_id")))
    if stored is None:
        raise ApiError(400, "Bad Request: invalid file_id")
    if stored.size > MAX_DOWNLOAD:
        raise ApiError(400, "Bad Request: file is too big")
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": stored.size,
        "file_path": stored.file_path,
    }
