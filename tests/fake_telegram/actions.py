"""Test-side API of the fake server: what a human does and what tests inspect."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .store import Store, message_json

logger = logging.getLogger(__name__)


@dataclass
class RecordedRequest:
    """One Bot API call as the server received it."""

    method: str
    params: dict[str, Any]
    files: list[str]
    at: float
    status: int = 0
    description: str | None = None
    wall_time: float = field(default_factory=time.time)


class UserActions:
    """Mixin for FakeTelegramServer: simulate users and inspect what the bot did."""

    store: Store
    requests: list[RecordedRequest]
    _closing: bool

    def __init__(self) -> None:
        self._changed = asyncio.Event()

    def _notify(self) -> None:
        """Wake every waiter; a fresh event per change avoids clear/wait races."""
        event, self._changed = self._changed, asyncio.Event()
        event.set()

    def _private_user(self, chat_id: Any, user_id: int | None, username: str | None) -> dict:
        uid = user_id if user_id is not None else (chat_id if chat_id > 0 else 424242)
        user = self.store.user(uid, username)
        if chat_id == uid:
            chat = self.store.chat(chat_id)
            chat.update({k: v for k, v in user.items() if k in ("first_name", "username")})
        return user

    def user_sends(
        self, chat_id: int, text: str, *, user_id: int | None = None, username: str = "alice",
        thread_id: int | None = None, reply_to: int | None = None,
        language_code: str | None = None,
    ) -> int:
        """Queue a text message from a user; '/cmd' text gets a bot_command entity, '@name' a
        mention; ``thread_id`` writes in a forum topic, ``reply_to`` replies to a message;
        ``language_code`` is the user's Telegram language (kept for their later updates)."""
        user = self._private_user(chat_id, user_id, username)
        if language_code is not None:
            user["language_code"] = language_code
        entities = []
        if text.startswith("/"):
            length = len(text.split(maxsplit=1)[0].encode("utf-16-le")) // 2
            entities.append({"type": "bot_command", "offset": 0, "length": length})
        entities.extend(_mentions(text))
        record = self.store.new_message(
            chat_id, user, kind="text", text=text, plain_text=text, entities=entities,
            message_thread_id=thread_id,
        )
        message = message_json(self.store, record)
        if reply_to is not None:
            message["reply_to_message"] = message_json(
                self.store, self.store.messages[(chat_id, reply_to)])
        return self._push("message", message)

    def user_forwards(self, chat_id: int, channel_id: int, text: str, *,
                      username: str = "alice") -> int:
        """Queue a post of a channel that the user forwards to the bot's private chat."""
        user = self._private_user(chat_id, None, username)
        record = self.store.new_message(chat_id, user, kind="text", text=text, plain_text=text)
        message = message_json(self.store, record)
        message["forward_origin"] = {"type": "channel", "chat": self.store.chat(channel_id),
                                     "message_id": 42, "date": self.store.now()}
        return self._push("message", message)

    def migrate_group(self, old_chat_id: int, new_chat_id: int, *,
                      notices: tuple[str, ...] = ("to", "from"), user_id: int = 424242) -> None:
        """Turn a group into a supergroup: calls to the old id fail with migrate_to_chat_id, and
        the service messages in *notices* arrive ("to": in the old chat, "from": in the new)."""
        old = self.store.chat(old_chat_id)
        self.store.migrated[old_chat_id] = new_chat_id
        self.store.add_chat(new_chat_id, "supergroup", old.get("title") or "Supergroup")
        user = self.store.user(user_id)
        for notice in notices:
            chat_id = old_chat_id if notice == "to" else new_chat_id
            field_ = {"to": ("migrate_to_chat_id", new_chat_id),
                      "from": ("migrate_from_chat_id", old_chat_id)}[notice]
            record = self.store.new_message(chat_id, user, kind="service")
            self._push("message", message_json(self.store, record) | dict([field_]))

    def bot_membership(self, chat_id: int, status: str, *, old_status: str = "member",
                       user_id: int = 424242, **rights: bool) -> int:
        """Queue a my_chat_member update: the bot's status in a chat changed (also set for
        getChatMember). ``status``: "member", "administrator", "left", "kicked", ..."""
        bot, key = self.store.bot_user, (chat_id, self.store.bot_user["id"])
        self.store.member_status[key], self.store.member_rights[key] = old_status, {}
        old = self.store.member(chat_id, bot)
        self.store.member_status[key], self.store.member_rights[key] = status, rights
        update = {"chat": self.store.chat(chat_id), "from": self.store.user(user_id),
                  "date": self.store.now(), "old_chat_member": old,
                  "new_chat_member": self.store.member(chat_id, bot)}
        return self._push("my_chat_member", update)

    def user_uploads(
        self,
        chat_id: int,
        filename: str,
        data: bytes,
        mime: str,
        *,
        caption: str | None = None,
        user_id: int | None = None,
        username: str = "alice",
    ) -> int:
        """Queue a message carrying a document whose bytes getFile will serve."""
        user = self._private_user(chat_id, user_id, username)
        stored = self.store.add_file(data, filename, mime, "document")
        record = self.store.new_message(
            chat_id, user, kind="document", document=stored, caption=caption, plain_caption=caption
        )
        return self._push("message", message_json(self.store, record))

    def user_clicks(
        self,
        chat_id: int,
        message_id: int,
        data: str,
        *,
        user_id: int | None = None,
        username: str = "alice",
    ) -> int:
        """Queue a callback query for a button that the bot's message really shows."""
        record = self.store.messages.get((chat_id, message_id))
        if record is None or not record["from_bot"] or record["deleted"]:
            raise ValueError(f"no live bot message {message_id} in chat {chat_id}")
        if data not in _callback_data(record):
            raise ValueError(f"message {message_id} has no button with callback_data {data!r}")
        query_id = self.store.new_callback_id()
        query = {
            "id": query_id,
            "from": self._private_user(chat_id, user_id, username),
            "message": message_json(self.store, record),
            "chat_instance": f"ci{chat_id}",
            "data": data,
        }
        self.store.callbacks[query_id] = {"query": query, "answer": None}
        update_id = self._push("callback_query", query)
        self.store.callbacks[query_id]["update_id"] = update_id
        return update_id

    def _push(self, kind: str, payload: dict[str, Any]) -> int:
        update_id = self.store.add_update(kind, payload)
        self._notify()
        return update_id

    def callback_answer(self, update_id: int) -> dict[str, Any] | None:
        """Return how the bot answered the callback query of ``update_id`` (None if not yet)."""
        for query in self.store.callbacks.values():
            if query.get("update_id") == update_id:
                return query["answer"]
        return None

    def sent_messages(self, chat_id: Any = None) -> list[dict[str, Any]]:
        """Return copies of the bot's messages (optionally in one chat), oldest first."""
        return [
            dict(record)
            for record in self.store.bot_messages
            if chat_id is None or record["chat_id"] == chat_id
        ]

    def calls(self, method: str) -> list[RecordedRequest]:
        """Return the recorded requests of one method (case-insensitive)."""
        return [r for r in self.requests if r.method.lower() == method.lower()]

    async def wait_for_messages(
        self, chat_id: Any, n: int, timeout: float = 5
    ) -> list[dict[str, Any]]:
        """Wait until the bot has sent at least ``n`` messages to ``chat_id``; return them."""
        if not await self.wait_until(lambda: len(self.sent_messages(chat_id)) >= n, timeout):
            sent = [m.get("plain_text") or m.get("kind") for m in self.sent_messages(chat_id)]
            raise AssertionError(
                f"expected {n} messages to chat {chat_id} within {timeout}s, got {sent}"
            )
        return self.sent_messages(chat_id)

    async def wait_for_request(
        self, method: str, n: int = 1, timeout: float = 5
    ) -> list[RecordedRequest]:
        """Wait until ``method`` has been called ``n`` times; return those calls."""
        if not await self.wait_until(lambda: len(self.calls(method)) >= n, timeout):
            raise AssertionError(
                f"expected {n} {method} calls within {timeout}s, got {len(self.calls(method))}"
            )
        return self.calls(method)

    async def wait_until(self, predicate: Callable[[], bool], timeout: float) -> bool:
        """Wait (event-driven) until ``predicate()`` holds; return False on timeout or close."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            remaining = deadline - loop.time()
            if self._closing or remaining <= 0:
                return False
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except TimeoutError:
                return predicate()
        return True


def _mentions(text: str) -> list[dict[str, Any]]:
    """Return the mention entities Telegram finds in a text (@name, 5-32 characters)."""
    return [{"type": "mention", "offset": len(text[:m.start()].encode("utf-16-le")) // 2,
             "length": len(m[0].encode("utf-16-le")) // 2}
            for m in re.finditer(r"(?<![\w@])@[A-Za-z][A-Za-z0-9_]{4,31}\b", text)]


def _callback_data(record: dict[str, Any]) -> set[str]:
    rows = (record.get("reply_markup") or {}).get("inline_keyboard") or []
    return {button.get("callback_data") for row in rows for button in row} - {None}
