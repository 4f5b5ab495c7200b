"""In-memory state of the fake Bot API: chats, messages, files, updates and callbacks."""

from __future__ import annotations

import itertools
import logging
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger(__name__)

BOT_ID = 777000111


@dataclass
class StoredFile:
    """A file known to the server, from a user upload or a bot upload."""

    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes | None
    file_name: str | None = None
    mime_type: str | None = None
    url: str | None = None

    @property
    def size(self) -> int:
        """Return the size in bytes (0 for URL-only files)."""
        return len(self.data) if self.data is not None else 0

    def as_document(self) -> dict[str, Any]:
        """Return the Telegram Document object for this file."""
        doc = {"file_id": self.file_id, "file_unique_id": self.file_unique_id}
        doc["file_size"] = self.size
        if self.file_name:
            doc["file_name"] = self.file_name
        if self.mime_type:
            doc["mime_type"] = self.mime_type
        return doc

    def as_photo(self) -> list[dict[str, Any]]:
        """Return a one-size PhotoSize list for this file (dimensions are not decoded)."""
        return [
            {
                "file_id": self.file_id,
                "file_unique_id": self.file_unique_id,
                "file_size": self.size,
                "width": 1280,
                "height": 720,
            }
        ]


@dataclass
class Store:
    """Everything the fake server remembers between requests."""

    clock: Callable[[], float] = time.time
    bot_username: str = "briefbot_test_bot"
    chats: dict[Any, dict[str, Any]] = field(default_factory=dict)
    users: dict[int, dict[str, Any]] = field(default_factory=dict)
    messages: dict[tuple[Any, int], dict[str, Any]] = field(default_factory=dict)
    bot_messages: list[dict[str, Any]] = field(default_factory=list)
    files: dict[str, StoredFile] = field(default_factory=dict)
    updates: list[dict[str, Any]] = field(default_factory=list)
    callbacks: dict[str, dict[str, Any]] = field(default_factory=dict)
    commands: dict[tuple[str, str], list[dict[str, str]]] = field(default_factory=dict)
    webhook: dict[str, Any] = field(default_factory=dict)
    # (chat_id, user_id) -> "creator" | "administrator" | "member" | "left"; others are members
    member_status: dict[tuple[Any, int], str] = field(default_factory=dict)
    # (chat_id, user_id) -> rights that differ from the status' defaults (can_post_messages, ...)
    member_rights: dict[tuple[Any, int], dict[str, bool]] = field(default_factory=dict)
    migrated: dict[int, int] = field(default_factory=dict)  # old group id -> supergroup id
    topics: dict[int, set[int]] = field(default_factory=dict)  # forum chat -> its thread ids

    def __post_init__(self) -> None:
        self._message_ids: dict[Any, itertools.count] = defaultdict(lambda: itertools.count(1))
        self._update_ids = itertools.count(100001)
        self._file_seq = itertools.count(1)
        self._callback_seq = itertools.count(1)

    @property
    def bot_user(self) -> dict[str, Any]:
        """Return the bot's User object as getMe answers it."""
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "Briefbot Test",
            "username": self.bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def now(self) -> int:
        """Return the current Unix time in whole seconds, as Telegram dates are."""
        return int(self.clock())

    def user(self, user_id: int, username: str | None = None) -> dict[str, Any]:
        """Return (creating or renaming) the human user with this id."""
        user = self.users.setdefault(
            user_id, {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}
        )
        if username:
            user["username"] = username
            user["first_name"] = username.capitalize()
        return user

    def chat(self, chat_id: Any) -> dict[str, Any]:
        """Return the Chat object for ``chat_id``, inventing a plausible one if unseen."""
        if chat_id not in self.chats:
            self.chats[chat_id] = _default_chat(chat_id)
        return self.chats[chat_id]

    def add_chat(self, chat_id: int, kind: str, title: str, *, username: str | None = None,
                 is_forum: bool = False) -> dict[str, Any]:
        """Register a group, supergroup or channel (a forum supergroup with is_forum)."""
        chat: dict[str, Any] = {"id": chat_id, "type": kind, "title": title}
        if username:
            chat["username"] = username
        if is_forum:
            chat["is_forum"] = True
            self.topics.setdefault(chat_id, set())
        self.chats[chat_id] = chat
        return chat

    def resolve_chat(self, chat_id: Any) -> Any:
        """Return the numeric id an "@username" names (unchanged when it names no known chat)."""
        if isinstance(chat_id, str) and chat_id.startswith("@"):
            name = chat_id[1:].lower()
            return next((cid for cid, chat in self.chats.items()
                         if str(chat.get("username", "")).lower() == name), chat_id)
        return chat_id

    def member(self, chat_id: Any, user: dict[str, Any]) -> dict[str, Any]:
        """Return the ChatMember object of a user (or the bot) in a chat."""
        key = (chat_id, user["id"])
        status = self.member_status.get(key, "member")
        member: dict[str, Any] = {"status": status, "user": user}
        if status in ("creator", "administrator"):
            member["is_anonymous"] = False
        if status == "administrator":
            member.update(dict.fromkeys(_ADMIN_RIGHTS, True) | dict.fromkeys(_ADMIN_WITHOUT, False))
            if self.chat(chat_id).get("type") == "channel":
                member.update(can_post_messages=True, can_edit_messages=True)
        if status == "restricted":
            member.update(dict.fromkeys(_RESTRICTED_RIGHTS, True), is_member=True, until_date=0)
        if status == "kicked":
            member["until_date"] = 0
        member.update(self.member_rights.get(key, {}))
        return member

    def new_message(self, chat_id: Any, sender: dict[str, Any], **content: Any) -> dict[str, Any]:
        """Store a message (user's or bot's) with the chat's next message id."""
        record = {
            "chat_id": chat_id,
            "message_id": next(self._message_ids[chat_id]),
            "from_bot": sender.get("is_bot", False),
            "from": sender,
            "date": self.now(),
            "deleted": False,
            "edit_date": None,
            **content,
        }
        self.messages[(chat_id, record["message_id"])] = record
        if record["from_bot"]:
            self.bot_messages.append(record)
        return record

    def add_file(
        self, data: bytes | None, name: str | None, mime: str | None, kind: str
    ) -> StoredFile:
        """Store file bytes and give them an id and a relative download path."""
        seq = next(self._file_seq)
        suffix = f".{name.rsplit('.', 1)[-1]}" if name and "." in name else ""
        stored = StoredFile(
            file_id=f"FILE{seq:06d}{kind.upper()}",
            file_unique_id=f"U{seq:06d}",
            file_path=f"{kind}s/file_{seq}{suffix}",
            data=data,
            file_name=name,
            mime_type=mime,
        )
        self.files[stored.file_id] = stored
        return stored

    def file_by_path(self, path: str) -> StoredFile | None:
        """Return the file served at ``path`` below the file base URL."""
        return next((f for f in self.files.values() if f.file_path == path), None)

    def add_update(self, kind: str, payload: dict[str, Any]) -> int:
        """Queue an update for getUpdates and return its update_id."""
        update_id = next(self._update_ids)
        self.updates.append({"update_id": update_id, kind: payload})
        return update_id

    def new_callback_id(self) -> str:
        """Return a fresh callback query id."""
        return f"cbq{next(self._callback_seq):08d}"


_ADMIN_RIGHTS = (
    "can_manage_chat", "can_delete_messages", "can_manage_video_chats", "can_restrict_members",
    "can_change_info", "can_invite_users",
)
_ADMIN_WITHOUT = ("can_be_edited", "can_promote_members", "can_post_stories", "can_edit_stories",
                  "can_delete_stories")
_RESTRICTED_RIGHTS = (
    "can_send_messages", "can_send_audios", "can_send_documents", "can_send_photos",
    "can_send_videos", "can_send_video_notes", "can_send_voice_notes", "can_send_polls",
    "can_send_other_messages", "can_add_web_page_previews", "can_change_info",
    "can_invite_users", "can_pin_messages", "can_manage_topics",
)


def _default_chat(chat_id: Any) -> dict[str, Any]:
    if isinstance(chat_id, str):
        return {"id": -1001000000001, "type": "channel", "title": chat_id, "username": chat_id[1:]}
    if chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": f"User{chat_id}"}
    kind = "supergroup" if str(chat_id).startswith("-100") else "group"
    return {"id": chat_id, "type": kind, "title": f"Group {chat_id}"}


def message_json(store: Store, record: dict[str, Any]) -> dict[str, Any]:
    """Return the Telegram Message object for a stored message."""
    msg: dict[str, Any] = {
        "message_id": record["message_id"],
        "from": record["from"],
        "chat": store.chat(record["chat_id"]),
        "date": record["date"],
    }
    if record.get("edit_date"):
        msg["edit_date"] = record["edit_date"]
    if record.get("message_thread_id"):
        msg["message_thread_id"] = record["message_thread_id"]
        msg["is_topic_message"] = True
    if record.get("text") is not None:
        msg["text"] = record["plain_text"]
        if record.get("entities"):
            msg["entities"] = record["entities"]
    if record.get("caption") is not None:
        msg["caption"] = record["plain_caption"]
        if record.get("caption_entities"):
            msg["caption_entities"] = record["caption_entities"]
    if record.get("document") is not None:
        msg["document"] = record["document"].as_document()
    if record.get("photo") is not None:
        msg["photo"] = record["photo"].as_photo()
    markup = record.get("reply_markup")
    if markup and "inline_keyboard" in markup:
        msg["reply_markup"] = markup
    return msg
