"""Chats as Telegram changes them: linked channels, a group's new id, the bot removed or re-added.

A subscriber is a (chat, forum topic) pair (`storage.repositories.subscribers`); these functions
act on every subscriber of one chat at once. Sessions are opened and committed by the caller.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import case, delete, select, update
from sqlalchemy.orm import Session

from storage.clock import as_utc, utcnow
from storage.dialect import dialect_of
from storage.models import ChatLink, Delivery, Subscriber, Subscription
from storage.records import ChatLinkRecord
from storage.repositories.deliveries import PENDING, mark_subscriber_inactive

logger = logging.getLogger(__name__)


# -- linked chats ------------------------------------------------------------------------
def link_chat(session: Session, user_id: int, chat_id: int, title: str | None,
              username: str | None = None) -> None:
    """Record that the user manages the chat from their private chat, and act on it from now."""
    row = {"user_id": user_id, "chat_id": chat_id, "title": title, "username": username,
           "selected": False, "linked_at": utcnow()}
    session.execute(dialect_of(session).insert_or_ignore(ChatLink, ["user_id", "chat_id"])
                    .values(row))
    session.execute(update(ChatLink).where(ChatLink.user_id == user_id,
                                           ChatLink.chat_id == chat_id)
                    .values(title=title, username=username))
    select_chat(session, user_id, chat_id)


def select_chat(session: Session, user_id: int, chat_id: int | None) -> bool:
    """Make the user's commands act on a linked chat (None: their own chat); False if not linked."""
    if chat_id is not None and _link(session, user_id, chat_id) is None:
        return False
    chosen = ChatLink.chat_id == chat_id if chat_id is not None else False
    session.execute(update(ChatLink).where(ChatLink.user_id == user_id)
                    .values(selected=case((chosen, True), else_=False)))
    return True


def unlink_chat(session: Session, user_id: int, chat_id: int) -> bool:
    """Forget that the user manages the chat; tell whether they did."""
    result = session.execute(delete(ChatLink).where(ChatLink.user_id == user_id,
                                                    ChatLink.chat_id == chat_id))
    return result.rowcount > 0


def links_of(session: Session, user_id: int) -> list[ChatLinkRecord]:
    """Return the chats the user manages, in the order they were linked."""
    stmt = (select(ChatLink.chat_id, ChatLink.title, ChatLink.selected, ChatLink.username)
            .where(ChatLink.user_id == user_id).order_by(ChatLink.linked_at, ChatLink.chat_id))
    return [ChatLinkRecord(*row) for row in session.execute(stmt)]


def links_named(session: Session, user_id: int, name: str) -> list[ChatLinkRecord]:
    """Return the user's linked chats *name* denotes: "@name" their @username; a bare word
    the @username too, else their title (case and spacing aside) or their id.

    Only what was stored at linking is compared: Telegram is not asked, as the bot may have
    lost access to the chat. Compared here, not in SQL: SQLite's lower() folds ASCII alone, and
    a user has at most a keyboard's worth of links.
    """
    wanted = name.strip()
    links = links_of(session, user_id)
    username = wanted.removeprefix("@").casefold()
    by_username = [link for link in links
                   if link.username and link.username.casefold() == username]
    if by_username or wanted.startswith("@"):
        return by_username
    title = _folded(wanted)
    return [link for link in links
            if (link.title is not None and _folded(link.title) == title)
            or str(link.chat_id) == wanted]


def _folded(text: str) -> str:
    return " ".join(text.split()).casefold()


def selected_link(session: Session, user_id: int) -> ChatLinkRecord | None:
    """Return the linked chat the user's commands act on now, or None (their own chat)."""
    return next((link for link in links_of(session, user_id) if link.selected), None)


def _link(session: Session, user_id: int, chat_id: int) -> ChatLinkRecord | None:
    return next((link for link in links_of(session, user_id) if link.chat_id == chat_id), None)


# -- a group's new id ----------------------------------------------------------------------
def migrate_chat(session: Session, old_chat_id: int, new_chat_id: int,
                 kind: str = "supergroup") -> int:
    """Move every subscriber of a chat to its new id (a group became a supergroup).

    Subscriptions and outbox rows follow their subscriber. A subscriber already made under
    the new id (someone subscribed there first) keeps its settings and takes the old one's
    subscriptions and pending rows. Returns how many subscribers moved: 0 when it ran before.
    """
    old_ids = session.scalars(select(Subscriber.id).where(Subscriber.chat_id == old_chat_id)).all()
    for subscriber_id in old_ids:
        thread = session.scalar(select(Subscriber.thread_id).where(Subscriber.id == subscriber_id))
        there = session.scalar(select(Subscriber.id).where(Subscriber.chat_id == new_chat_id,
                                                           Subscriber.thread_id == thread))
        if there is None:
            session.execute(update(Subscriber).where(Subscriber.id == subscriber_id)
                            .values(chat_id=new_chat_id, chat_kind=kind))
        elif there != subscriber_id:  # a concurrent notice of the same migration moved it already
            _merge(session, subscriber_id, there)
    _move_links(session, old_chat_id, new_chat_id)
    if old_ids:
        logger.info("chat %s is now %s: %d subscribers moved", old_chat_id, new_chat_id,
                    len(old_ids))
    return len(old_ids)


def _merge(session: Session, source: int, target: int) -> None:
    """Give *target* the subscriptions and pending rows *source* has and it lacks; drop *source*."""
    held = {(kind, value) for kind, value in session.execute(
        select(Subscription.kind, Subscription.value).where(Subscription.subscriber_id == target))}
    for sid, kind, value in session.execute(select(
            Subscription.id, Subscription.kind, Subscription.value)
            .where(Subscription.subscriber_id == source)).all():
        if (kind, value) not in held:
            session.execute(update(Subscription).where(Subscription.id == sid)
                            .values(subscriber_id=target))
    keys = set(session.scalars(select(Delivery.briefing_key)
                               .where(Delivery.subscriber_id == target)))
    for did, key in session.execute(select(Delivery.id, Delivery.briefing_key).where(
            Delivery.subscriber_id == source, Delivery.status == PENDING)).all():
        if key not in keys:
            session.execute(update(Delivery).where(Delivery.id == did).values(subscriber_id=target))
    session.execute(delete(Subscriber).where(Subscriber.id == source))


def _move_links(session: Session, old_chat_id: int, new_chat_id: int) -> None:
    users_there = select(ChatLink.user_id).where(ChatLink.chat_id == new_chat_id)
    session.execute(delete(ChatLink).where(ChatLink.chat_id == old_chat_id,
                                           ChatLink.user_id.in_(users_there)))
    session.execute(update(ChatLink).where(ChatLink.chat_id == old_chat_id)
                    .values(chat_id=new_chat_id))


# -- the bot removed, blocked or demoted; re-added -------------------------------------------
def set_chat_active(session: Session, chat_id: int, active: bool,
                    now: datetime | None = None) -> int:
    """Turn deliveries to every subscriber of a chat on or off; return how many changed.

    Turning off also skips their pending rows (`mark_subscriber_inactive`): a briefing queued
    before the bot was removed must not arrive days later when it is added back.
    """
    ids = session.scalars(select(Subscriber.id).where(Subscriber.chat_id == chat_id,
                                                      Subscriber.active.is_not(active))).all()
    for subscriber_id in ids:
        if active:
            session.execute(update(Subscriber).where(Subscriber.id == subscriber_id)
                            .values(active=True))
        else:
            mark_subscriber_inactive(session, subscriber_id, as_utc(now or utcnow()))
    return len(ids)
