"""The webhook under hostile posts: a deeply nested body is a 400 (not a 500), and an update
posted twice (a replay, or Telegram redelivering) is handled once."""

from __future__ import annotations

import asyncio
import json

import pytest

from bot.web.app import RecentIds
from tests.bot.test_web import CHAT, post_update, serving, update_from


@pytest.mark.parametrize("body", [
    b"[" * 100_000 + b"]" * 100_000,
    b'{"update_id": 7, "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
])
async def test_a_deeply_nested_body_is_400(fake_telegram, tmp_path, body) -> None:
    db_url = f"sqlite:///{tmp_path / 'web.sqlite3'}"
    async with serving(fake_telegram, db_url, tmp_path) as (_app, _ctx, http):
        assert await post_update(http, body) == 400
        # and the server goes on answering
        assert await post_update(http, update_from(fake_telegram, CHAT, "/help")) == 200
        await fake_telegram.wait_for_messages(CHAT, 1)


async def test_an_update_with_a_deep_reply_chain_is_400(fake_telegram, tmp_path) -> None:
    db_url = f"sqlite:///{tmp_path / 'web.sqlite3'}"
    async with serving(fake_telegram, db_url, tmp_path) as (_app, _ctx, http):
        update = update_from(fake_telegram, CHAT, "/help")
        message = update["message"]
        for _ in range(900):  # valid JSON, but a message replying to a message ... 900 deep
            message = {**message, "reply_to_message": message}
        update["message"] = message
        assert await post_update(http, json.dumps(update)) == 400


async def test_a_replayed_update_is_handled_once(fake_telegram, tmp_path) -> None:
    db_url = f"sqlite:///{tmp_path / 'web.sqlite3'}"
    async with serving(fake_telegram, db_url, tmp_path) as (_app, _ctx, http):
        update = update_from(fake_telegram, CHAT, "/help")
        assert await post_update(http, update) == 200
        assert await post_update(http, update) == 200  # Telegram must not redeliver it again
        assert await post_update(http, update_from(fake_telegram, CHAT, "/help")) == 200
        await fake_telegram.wait_for_messages(CHAT, 2)
        await asyncio.sleep(0.5)  # room for a third answer, which must not come
        assert len(fake_telegram.sent_messages(CHAT)) == 2


def test_recent_ids_forget_the_oldest_past_their_size():
    recent = RecentIds(size=3)
    assert all(recent.first_time(n) for n in (1, 2, 3))
    assert not recent.first_time(2)
    assert recent.first_time(4)  # 1 is forgotten now
    assert recent.first_time(1) and not recent.first_time(4)
