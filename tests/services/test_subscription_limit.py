"""One chat has at most MAX_SUBSCRIPTIONS subscriptions; past that it is told so, politely."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from briefs.render import make_environment, render_template
from services.subscriptions import MAX_SUBSCRIPTIONS, SubscriptionService

CHAT, OTHER = 1001, 2002


@pytest.fixture
def service(sessions) -> SubscriptionService:
    from bot.settings import load_settings

    return SubscriptionService(sessions, load_settings(),
                               clock=lambda: datetime(2025, 3, 8, 12, tzinfo=UTC))


def _fill(service: SubscriptionService, chat: int) -> None:
    for n in range(MAX_SUBSCRIPTIONS):
        assert service.subscribe(chat, f"topic grain {n}").status == "added"


def test_past_the_limit_nothing_is_added_and_the_reply_says_why(service):
    _fill(service, CHAT)

    refused = service.subscribe(CHAT, "topic one too many")

    assert refused.status == "too_many" and refused.limit == MAX_SUBSCRIPTIONS
    assert service.listing(CHAT).total == MAX_SUBSCRIPTIONS
    reply = render_template(make_environment(), "bot/subscribe.telegram.j2", result=refused)
    assert f"You already have {MAX_SUBSCRIPTIONS} subscriptions" in reply and "/unsubscribe" in reply
    toast = render_template(make_environment(), "bot/subscriptions_toast.text.j2",
                            event=refused.status, view=None, name="")
    assert toast.strip() and len(toast) <= 200


def test_at_the_limit_existing_ones_still_answer_and_room_comes_back(service):
    _fill(service, CHAT)
    assert service.subscribe(CHAT, "topic grain 7").status == "exists"
    pressed = service.add(CHAT, "daily", menu_page=0)  # a menu button: the menu stays
    assert pressed.status == "too_many" and pressed.menu is not None
    assert service.subscribe(OTHER, "daily").status == "added"  # another chat is not limited
    service.unsubscribe(CHAT, "topic grain 7")
    assert service.subscribe(CHAT, "daily").status == "added"
