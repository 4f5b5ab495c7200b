"""Chats in the store: migration 0011 keeps every subscriber, subscription and outbox row;
a group's move to a new id (twice, or into a subscriber already there); the bot's membership;
linked chats and the one selected. SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time

import pytest
from alembic import command
from sqlalchemy import MetaData, inspect, select
from sqlalchemy.exc import IntegrityError

from storage.db import alembic_config, current_revision, make_engine, upgrade
from storage.models import Delivery
from storage.repositories import chats
from storage.repositories import deliveries as outbox
from storage.repositories import subscribers as repo
from tests.conftest import new_postgres_database
from tests.delivery_helpers import add_subscriber

NOW = datetime(2025, 5, 1, 8, 0, tzinfo=UTC)
OLD, NEW = -4001, -1009994001


def _queue(session, subscriber_id: int, key: str = "daily:2025-05-01") -> None:
    outbox.enqueue_delivery(session, subscriber_id, key, ["briefing"], NOW, now=NOW)


def _kinds(session, chat_id: int, thread_id: int = 0) -> list[tuple[str, str]]:
    found = repo.subscriber_by_chat(session, chat_id, thread_id)
    return [(s.kind, s.value) for s in repo.subscriptions_of(session, found)] if found else []


def test_topics_of_one_chat_are_separate_subscribers(sessions) -> None:
    with sessions.begin() as session:
        for thread in (0, 11, 22):
            repo.get_or_create_subscriber(session, NEW, username=None, timezone="UTC",
                                          delivery_time=time(7, 30), thread_id=thread)
        topic = repo.subscriber_by_chat(session, NEW, 11)
        repo.create_subscription(session, topic, "country", "IN")
    with sessions() as session:
        assert (topic.thread_id, topic.chat_kind) == (11, "group")
        assert _kinds(session, NEW, 11) == [("country", "IN")] and _kinds(session, NEW) == []
    with pytest.raises(IntegrityError), sessions.begin() as session:
        add_subscriber(session, NEW)  # (chat, topic 0) exists already


def test_migration_moves_every_topic_and_runs_once(sessions) -> None:
    with sessions.begin() as session:
        group = add_subscriber(session, OLD, kinds=(("daily", ""), ("country", "IN")))
        _queue(session, group.id)
        chats.link_chat(session, 7, OLD, "Team")
    with sessions.begin() as session:
        assert chats.migrate_chat(session, OLD, NEW) == 1
    with sessions.begin() as session:
        assert chats.migrate_chat(session, OLD, NEW) == 0, "the second notice moves nothing"
    with sessions() as session:
        moved = repo.subscriber_by_chat(session, NEW)
        assert (moved.id, moved.chat_kind) == (group.id, "supergroup")
        assert repo.subscriber_by_chat(session, OLD) is None
        assert _kinds(session, NEW) == [("daily", ""), ("country", "IN")]
        assert [r.subscriber_id for r in session.scalars(select(Delivery))] == [group.id]
        assert [link.chat_id for link in chats.links_of(session, 7)] == [NEW]


def test_migration_into_a_subscriber_already_there_merges(sessions) -> None:
    with sessions.begin() as session:
        old = add_subscriber(session, OLD, kinds=(("daily", ""), ("country", "IN")))
        new = add_subscriber(session, NEW, at=time(9, 0), kinds=(("country", "IN"),))
        _queue(session, old.id)
        _queue(session, old.id, "daily:2025-04-30")
        _queue(session, new.id, "daily:2025-04-30")
    with sessions.begin() as session:
        chats.migrate_chat(session, OLD, NEW)
    with sessions() as session:
        kept = repo.subscriber_by_chat(session, NEW)
        assert (kept.id, kept.delivery_time) == (new.id, time(9, 0)), "the new chat's schedule stays"
        assert sorted(_kinds(session, NEW)) == [("country", "IN"), ("daily", "")]
        keys = sorted(session.execute(select(Delivery.subscriber_id, Delivery.briefing_key)))
        assert keys == [(new.id, "daily:2025-04-30"), (new.id, "daily:2025-05-01")]


def test_bot_removed_deactivates_every_topic_and_skips_pending(sessions) -> None:
    with sessions.begin() as session:
        chat = add_subscriber(session, NEW)
        topic = repo.get_or_create_subscriber(session, NEW, username=None, timezone="UTC",
                                              delivery_time=time(7, 30), thread_id=5)
        _queue(session, chat.id)
        assert chats.set_chat_active(session, NEW, False, NOW) == 2
        assert chats.set_chat_active(session, NEW, False, NOW) == 0
    with sessions.begin() as session:
        assert [r.status for r in session.scalars(select(Delivery))] == ["skipped"]
        assert not repo.subscriber_by_chat(session, NEW, topic.thread_id).active
        assert chats.set_chat_active(session, NEW, True) == 2
        assert repo.subscriber_by_chat(session, NEW).active


def test_links_and_the_selected_chat(sessions) -> None:
    with sessions.begin() as session:
        chats.link_chat(session, 7, -1001, "Desk")
        chats.link_chat(session, 7, -1002, "Other")
        chats.link_chat(session, 8, -1001, "Desk")
        assert chats.selected_link(session, 7).chat_id == -1002, "the newest link is acted on"
        assert not chats.select_chat(session, 7, -1003), "a chat they did not link"
        assert chats.selected_link(session, 7).chat_id == -1002
        assert chats.select_chat(session, 7, None) and chats.selected_link(session, 7) is None
        assert chats.selected_link(session, 8).chat_id == -1001
        assert chats.unlink_chat(session, 7, -1001) and not chats.unlink_chat(session, 7, -1001)
        assert [link.title for link in chats.links_of(session, 7)] == ["Other"]


def test_links_named_by_username_title_or_id(sessions) -> None:
    def named(name: str, user_id: int = 7) -> list[int]:
        return [link.chat_id for link in chats.links_named(session, user_id, name)]

    with sessions.begin() as session:
        chats.link_chat(session, 7, -1001, "Desk News", "DeskNews")
        chats.link_chat(session, 7, -1002, "Ночной выпуск")  # linked before usernames were kept
        chats.link_chat(session, 7, -1003, "Twin")
        chats.link_chat(session, 7, -1004, "twin", "desk")
        chats.link_chat(session, 8, -1005, "Desk News", "othernews")
        assert named("@desknews") == named("DESKNEWS") == named(" desk  news ") == [-1001]
        assert named("ночной   ВЫПУСК") == named("-1002") == [-1002]
        assert named("Twin") == [-1003, -1004], "two titles: the caller asks which"
        assert named("desk") == named("@Desk") == [-1004], "an @name before a title"
        assert named("@Desk News") == named("@Ночной выпуск") == [], "@ names a username only"
        assert named("@othernews") == named("Desk New") == [] and named("Desk News", 8) == [-1005]
        chats.link_chat(session, 7, -1001, "Desk News", None)  # the chat dropped its @name
        assert named("@desknews") == [] and named("desk news") == [-1001]


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / f'chats-{uuid.uuid4().hex[:6]}.sqlite3'}"
        return
    with new_postgres_database("briefbot_chats") as url:
        yield url


def test_migration_0011_keeps_subscribers_subscriptions_and_outbox(fresh_url) -> None:
    engine = make_engine(fresh_url)
    try:
        upgrade(engine, "0010")
        meta = MetaData()
        meta.reflect(engine)
        t = meta.tables
        with engine.begin() as conn:
            conn.execute(t["subscribers"].insert(), [
                dict(id=1, chat_id=42, username="ann", timezone="UTC", delivery_time=time(7, 30),
                     active=True, created_at=NOW),
                dict(id=2, chat_id=OLD, username=None, timezone="Asia/Kolkata",
                     delivery_time=time(8, 0), active=False, created_at=NOW)])
            conn.execute(t["subscriptions"].insert(), [
                dict(id=1, subscriber_id=1, kind="daily", value="", created_at=NOW),
                dict(id=2, subscriber_id=2, kind="country", value="IN", created_at=NOW)])
            conn.execute(t["deliveries"].insert(), [dict(
                id=1, subscriber_id=2, briefing_key="daily:2025-05-01", status="pending",
                messages='["x"]', sent_count=0, sent_message_ids="[]", attempts=0,
                due_at=NOW, created_at=NOW)])
        upgrade(engine, "0011")
        with engine.connect() as conn:
            subs = conn.exec_driver_sql(
                "SELECT id, chat_id, thread_id, chat_kind, timezone, active FROM subscribers "
                "ORDER BY id").all()
            assert [tuple(r) for r in subs] == [(1, 42, 0, "private", "UTC", True),
                                                (2, OLD, 0, "group", "Asia/Kolkata", False)]
            assert conn.exec_driver_sql(
                "SELECT id, subscriber_id FROM subscriptions ORDER BY id").all() == [(1, 1), (2, 2)]
            assert conn.exec_driver_sql(
                "SELECT id, subscriber_id, status FROM deliveries").all() == [(1, 2, "pending")]
        command.downgrade(alembic_config(engine), "0010")  # whole-chat subscribers stay
        assert current_revision(engine) == "0010"
        with engine.connect() as conn:
            assert "thread_id" not in {c["name"] for c in inspect(conn).get_columns("subscribers")}
            assert conn.exec_driver_sql("SELECT count(*) FROM subscriptions").scalar() == 2
            assert conn.exec_driver_sql("SELECT count(*) FROM deliveries").scalar() == 1
    finally:
        engine.dispose()
