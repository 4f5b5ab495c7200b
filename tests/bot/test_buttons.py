"""Button callback data: each family encodes, decodes and routes its own buttons.

The data strings are what buttons already sent to users' chats carry, so they are written
out here: a changed format would break every button still on screen.
"""

from __future__ import annotations

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.ext import CallbackQueryHandler

from bot.app import handlers
from bot.telegram.buttons import more, pager, start_menu, subscribe, timezone, unsubscribe
from bot.telegram.buttons.common import LIMIT
from bot.telegram.handlers import admin, reading, start, subscribing
from services.subscription_views import (
    CountryChoice,
    SubscribeMenu,
    SubscribeResult,
    SubscriptionList,
    SubscriptionView,
)
from tests.bot_harness import bot_running

CHAT = 7310001

# (family module, decoded value, callback data as sent today)
SENT = [
    (start_menu, start_menu.StartAction("latest"), "act:latest"),
    (start_menu, start_menu.StartAction("help"), "act:help"),
    (more, more.LatestPage(None, 5, 10), "more:l:-:5:10"),
    (more, more.LatestPage("IN", 10, 0), "more:l:IN:10:0"),
    (more, more.SavedPage(1, 5, 487_000), "more:Q:afrs:5:1"),
    (more, more.SavedPage(10**15 - 1, 20, 487_000), "more:Q:afrs:20:999999999999999"),
    (pager, pager.ListPage("src", 0), "page:src:0"),
    (pager, pager.ListPage("src", 120), "page:src:120"),
    (subscribe, subscribe.Subscribe("daily", page=0), "sub:d:0"),
    (subscribe, subscribe.Subscribe("daily"), "sub:d"),
    (subscribe, subscribe.Subscribe("country", "IN", 2), "sub:c:IN:2"),
    (subscribe, subscribe.Subscribe("country", "DE"), "sub:c:DE"),
    (subscribe, subscribe.Subscribe("topic", "grain deal"), "sub:t:grain deal"),
    (subscribe, subscribe.Subscribe("topic", "covid-19: über"), "sub:t:covid-19: über"),
    (subscribe, subscribe.TopicPrompt(), "sub:topic"),
    (subscribe, subscribe.MenuPage(3), "sub:p:3"),
    (unsubscribe, unsubscribe.Remove(42, 1), "unsub:42:1"),
    (unsubscribe, unsubscribe.Remove(2**31 - 1, 0), "unsub:2147483647:0"),
    (unsubscribe, unsubscribe.ListPage(1), "unsub:p:1"),
    (timezone, timezone.Timezone("Europe/Dublin"), "tz:Europe/Dublin"),
    (timezone, timezone.Timezone("America/Argentina/Buenos_Aires"),
     "tz:America/Argentina/Buenos_Aires"),
    (timezone, timezone.Timezone("Etc/GMT-5"), "tz:Etc/GMT-5"),
]

# (family module, data a forged or broken button could carry)
FORGED = [
    (start_menu, "act:"), (start_menu, "act:delete"), (start_menu, "act:latest:1"),
    (start_menu, "act:LATEST"), (start_menu, "act:latest\n"),
    (more, "more:l:-:5:99999999999999999999"), (more, "more:l:-:0:5"), (more, "more:l:-:11:5"),
    (more, "more:l:-:²:5"), (more, "more:l:in:5:0"), (more, "more:l:-:5:-1"),
    (more, "more:l:-:5:0:0"), (more, "more:l:-:5"), (more, "more:s:key"),
    (more, "more:s::5"), (more, "more:s:a/b:5"), (more, "more:s:key:5:5"), (more, "more:x:key:5"),
    (more, "more:s:key:٣"), (more, "more:s:aB3_-x9Z:5"),  # searches kept in memory are gone
    (more, "more:Q:afrs:5:0"), (more, "more:Q:afrs:5:01"), (more, "more:Q:afrs:5:1000000000000000"),
    (more, "more:Q:afrs:5:١"), (more, "more:Q:afrs:5"), (more, "more:Q:AFRS:5:1"),
    (more, "more:Q:afrs:5:1:1"), (more, "more:Q:afrs:-5:1"),
    (pager, "page:src:²"), (pager, "page:src:٣"), (pager, "page:src:"), (pager, "page:src:-10"),
    (pager, "page:src:1:2"), (pager, "page:users:10"), (pager, "page:src:10 "),
    (subscribe, "sub:"), (subscribe, "sub:x"), (subscribe, "sub:d:"), (subscribe, "sub:d:²"),
    (subscribe, "sub:d:0:0"), (subscribe, "sub:c:in:0"), (subscribe, "sub:c:IND:0"),
    (subscribe, "sub:c:IN:²"), (subscribe, "sub:c:IN:0:0"), (subscribe, "sub:t:"),
    (subscribe, "sub:t: grain"), (subscribe, "sub:t:grain  deal"), (subscribe, "sub:t:a\nb"),
    (subscribe, "sub:p:"), (subscribe, "sub:p:-1"), (subscribe, "sub:p:1:1"),
    (subscribe, "sub:topics"), (subscribe, "sub:p:99999999999999999999"),
    (unsubscribe, "unsub:²:0"), (unsubscribe, "unsub:٣:0"), (unsubscribe, "unsub:1:²"), (unsubscribe, "unsub:1"),
    (unsubscribe, "unsub:0:0"), (unsubscribe, "unsub:2147483648:0"),
    (unsubscribe, "unsub:99999999999999999999:0"), (unsubscribe, "unsub:1:0:0"),
    (unsubscribe, "unsub:p:"), (unsubscribe, "unsub:p"), (unsubscribe, "unsub:-1:0"),
    (timezone, "tz:"), (timezone, "tz:Europe/Berlin "), (timezone, "tz:Europe/Zürich"),
    (timezone, "tz:Europe Berlin"), (timezone, "tz:a:b"),
]

# Every family: the prefix of its buttons' data and the handler they reach.
ROUTES = {
    start_menu: ("act:", start.action),
    more: ("more:", reading.more),
    pager: ("page:src:", admin.sources_page),
    subscribe: ("sub:", subscribing.subscribe_button),
    unsubscribe: ("unsub:", subscribing.unsubscribe_button),
    timezone: ("tz:", subscribing.timezone_button),
}


@pytest.mark.parametrize(("family", "value", "data"), SENT, ids=[d for _, _, d in SENT])
def test_callback_data_is_byte_identical_and_round_trips(family, value, data) -> None:
    assert family.encode(value) == data
    assert family.decode(data) == value


@pytest.mark.parametrize(("family", "data"), FORGED, ids=[repr(d) for _, d in FORGED])
def test_forged_data_decodes_to_none(family, data) -> None:
    for module in ROUTES:  # no other family takes it for one of its buttons either
        assert module.decode(data) is None, module.__name__


@pytest.mark.parametrize(("family", "value"), [
    (more, more.LatestPage(None, 0, 5)),  # a page of no stories
    (more, more.LatestPage("in", 5, 0)),  # codes are upper case
    (more, more.LatestPage(None, 5, -5)),
    (more, more.SavedPage(0, 5, 487_000)),  # ids start at 1
    (more, more.SavedPage(10**15, 5, 487_000)),  # and have at most 15 digits
    (pager, pager.ListPage("users", 0)),  # not a list this bot pages
    (subscribe, subscribe.Subscribe("weekly")),
    (subscribe, subscribe.Subscribe("topic", "x" * LIMIT)),  # over 64 bytes
    (subscribe, subscribe.Subscribe("topic", "grain", 1)),  # a topic takes no menu page
    (unsubscribe, unsubscribe.Remove(0, 0)),
    (timezone, timezone.Timezone("Europe/" + "x" * 60)),
])
def test_encode_refuses_what_would_not_decode_back(family, value) -> None:
    with pytest.raises(ValueError, match="callback data|cannot be sent"):
        family.encode(value)


@pytest.mark.parametrize("data", [d for _, _, d in SENT] + [d for _, d in FORGED])
def test_app_routes_every_button_of_a_family_to_its_handler(data) -> None:
    """Malformed data reaches its family's handler too, which answers it as expired."""
    expected = [handler for prefix, handler in ROUTES.values() if data.startswith(prefix)]
    matching = [h.callback for h in handlers()
                if isinstance(h, CallbackQueryHandler) and h.pattern.match(data)]
    assert matching == expected
    assert len(expected) == 1 or data == "page:users:10"  # the one family not in ROUTES


def _data(keyboard: InlineKeyboardMarkup | None) -> list[list[str]]:
    rows = keyboard.inline_keyboard if keyboard else ()
    return [[button.callback_data for button in row] for row in rows]


def test_keyboards_carry_the_encoded_data() -> None:
    india = CountryChoice("IN", "India", "🇮🇳", subscribed=True)
    menu = SubscribeMenu((india, CountryChoice("DE", "Germany", "🇩🇪")), page=1, pages=3,
                         daily_subscribed=False)
    assert _data(subscribe.subscribe_menu_keyboard(menu)) == [
        ["sub:d:1"], ["sub:c:IN:1", "sub:c:DE:1"], ["sub:topic"], ["sub:p:0", "sub:p:2"]]
    offer = SubscribeResult("unknown_country", suggestions=(india,), topic_offer="grain deal")
    assert _data(subscribe.subscribe_keyboard(offer)) == [["sub:c:IN"], ["sub:t:grain deal"]]
    too_long = SubscribeResult("unknown_country", topic_offer="x" * LIMIT)
    assert subscribe.subscribe_keyboard(too_long) is None
    view = SubscriptionView(7, "country", "IN", "India", "🇮🇳")
    listing = SubscriptionList((view,), page=0, pages=2, total=6, schedule=None)
    assert _data(unsubscribe.subscriptions_keyboard(listing)) == [["unsub:7:0"], ["unsub:p:1"]]
    assert _data(pager.pager_keyboard("src", 10, 10, has_more=True)) == [
        ["page:src:0", "page:src:20"]]
    assert pager.pager_keyboard("src", 0, 10, has_more=False) is None
    assert _data(timezone.timezone_keyboard(("Europe/Dublin", "Europe/" + "x" * 60))) == [
        ["tz:Europe/Dublin"]]
    assert _data(start_menu.start_keyboard()) == [["act:latest", "act:brief"],
                                                   ["act:trends", "act:help"]]


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_forged_buttons_are_answered_expired(fake_telegram, db_url, tmp_path) -> None:
    """A forged button gets the family's "expired" answer, never the error apology."""
    async with bot_running(fake_telegram, db_url, tmp_path, admin_ids=(CHAT,)) as (app, _):
        for data, toast in [("act:delete", False), ("more:l:-:5:99999999999999999999", False),
                            ("page:src:²", False), ("sub:c:IN:²", True), ("unsub:²:0", True),
                            ("tz:Europe/Zürich", True)]:
            keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("forged", callback_data=data)]])
            shown = await app.bot.send_message(CHAT, "forged", reply_markup=keyboard)
            sent = len(fake_telegram.sent_messages(CHAT))
            update_id = fake_telegram.user_clicks(CHAT, shown.message_id, data)
            assert await fake_telegram.wait_until(
                lambda u=update_id: fake_telegram.callback_answer(u) is not None, 5), data
            answer = fake_telegram.callback_answer(update_id).get("text") or ""
            if toast:
                assert "expired" in answer, data
            else:
                [*_, reply] = await fake_telegram.wait_for_messages(CHAT, sent + 1)
                assert "expired" in reply["plain_text"], data
            await fake_telegram.wait_until(lambda: False, 0.2)  # an apology would come by now
            assert len(fake_telegram.sent_messages(CHAT)) == sent + (0 if toast else 1), data
