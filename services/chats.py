"""Chats beyond a private one: channels managed from a private chat, groups that move, the bot
removed and added back.

No Telegram here: the bot asks Telegram who administers what (bot/telegram/group_admins.py)
and calls these once the answer allows it. Each public method opens and commits one session.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from services.subscriptions import NewChatDefaults
from storage.clock import utcnow
from storage.records import ChatLinkRecord, ChatRef
from storage.repositories import chats as repo
from storage.repositories.subscribers import get_or_create_subscriber

logger = logging.getLogger(__name__)

# How many chats one user may manage from their private chat: the picker is one keyboard.
MAX_LINKS = 20


@dataclass(frozen=True, slots=True)
class ChatPicker:
    """The chats a user manages from their private chat, and which one their commands act on."""

    links: tuple[ChatLinkRecord, ...]

    @property
    def selected(self) -> ChatLinkRecord | None:
        """Return the linked chat selected now, or None when commands act on the private chat."""
        return next((link for link in self.links if link.selected), None)


@dataclass(frozen=True, slots=True)
class NamedUnlink:
    """What `/channel remove <name>` did: status "unlinked" (link: the chat that went),
    "not_linked" (the name is none of the user's links) or "ambiguous" (several titles match:
    picker shows them to choose from); picker: the links left."""

    status: str
    picker: ChatPicker
    link: ChatLinkRecord | None = None


class ChatService:
    """Record linked chats, the one a user acts on, chat migrations and the bot's membership."""

    def __init__(self, sessions: sessionmaker[Session], settings: NewChatDefaults, *,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self._sessions = sessions
        self._settings = settings
        self._clock = clock
        # Telegram sends two notices of one migration (in the old chat and in the new one), and
        # updates are handled concurrently: one at a time here, the second then finds it done.
        self._migrating = threading.Lock()

    def link(self, user_id: int, chat: ChatRef, username: str | None = None) -> ChatPicker | None:
        """Link a chat the user administers (checked by the caller) and select it; *username*:
        its @name without "@", kept to unlink it by name.

        Returns the picker, or None when the user already manages MAX_LINKS other chats.
        """
        with self._sessions.begin() as session:
            links = repo.links_of(session, user_id)
            if len(links) >= MAX_LINKS and all(link.chat_id != chat.chat_id for link in links):
                return None
            get_or_create_subscriber(session, chat.chat_id, username=None, kind=chat.kind,
                                     timezone=self._settings.timezone,
                                     delivery_time=self._settings.delivery_time)
            repo.link_chat(session, user_id, chat.chat_id, chat.title, username)
            return ChatPicker(tuple(repo.links_of(session, user_id)))

    def picker(self, user_id: int) -> ChatPicker:
        """Return the chats the user manages."""
        with self._sessions() as session:
            return ChatPicker(tuple(repo.links_of(session, user_id)))

    def select(self, user_id: int, chat_id: int | None) -> ChatPicker | None:
        """Act on a linked chat from now (None: the private chat); None when it is not linked."""
        with self._sessions.begin() as session:
            if not repo.select_chat(session, user_id, chat_id):
                return None
            return ChatPicker(tuple(repo.links_of(session, user_id)))

    def selected(self, user_id: int) -> ChatLinkRecord | None:
        """Return the linked chat the user's commands act on, or None (their private chat)."""
        with self._sessions() as session:
            return repo.selected_link(session, user_id)

    def unlink(self, user_id: int, chat_id: int) -> bool:
        """Stop managing a chat from the private chat (its subscriptions stay); tell if linked."""
        with self._sessions.begin() as session:
            return repo.unlink_chat(session, user_id, chat_id)

    def unlink_named(self, user_id: int, name: str) -> NamedUnlink:
        """Stop managing the linked chat the user names (@name, title or id) from what was
        stored at linking, so it works when the bot has lost access to the chat."""
        with self._sessions.begin() as session:
            found = repo.links_named(session, user_id, name)
            if len(found) == 1 and repo.unlink_chat(session, user_id, found[0].chat_id):
                status, link = "unlinked", found[0]
            else:
                status, link = ("ambiguous" if len(found) > 1 else "not_linked"), None
            return NamedUnlink(status, ChatPicker(tuple(repo.links_of(session, user_id))), link)

    def migrate(self, old_chat_id: int, new_chat_id: int) -> int:
        """Move a group's subscribers to its supergroup id; 0 when that happened already."""
        if old_chat_id == new_chat_id:
            return 0
        with self._migrating, self._sessions.begin() as session:
            return repo.migrate_chat(session, old_chat_id, new_chat_id)

    def set_active(self, chat_id: int, active: bool) -> int:
        """Start or stop deliveries to every subscriber of a chat; return how many changed."""
        with self._sessions.begin() as session:
            changed = repo.set_chat_active(session, chat_id, active, self._clock())
        if changed:
            logger.info("chat %s %s: %d subscribers", chat_id,
                        "reactivated" if active else "deactivated", changed)
        return changed
