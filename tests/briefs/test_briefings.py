"""Pure briefing assembly on hand-made StoryRecords: ranking, grouping, empty messages."""

from __future__ import annotations

from datetime import UTC, date, datetime

from briefs.briefing_rank import WORLD_HEADING, rank, section_key, sections_by_country, story_score
from briefs.briefing_split import split_cached
from briefs.briefings import (
    BLANK_QUERY,
    country_briefing,
    daily_briefing,
    no_new_stories,
    no_stories_on,
    no_topic_match,
    personal_briefing,
    topic_briefing,
)
from briefs.render import make_environment, render_briefing
from briefs.telegram_html import TELEGRAM_LIMIT, validate_telegram_html
from storage.records import StoryRecord

DAY = date(2025, 3, 17)
NOW = datetime(2025, 3, 17, 12, tzinfo=UTC)


def telegram_messages(env, briefing) -> list[str]:
    """Render and split a briefing as the briefing service does before sending it."""
    return split_cached(render_briefing(env, briefing, "telegram"), {}, TELEGRAM_LIMIT)


def _rec(sid: int, countries=(("IN", True),), sources=("Wire",), items=1, day=DAY, **kw) -> StoryRecord:
    return StoryRecord(
        story_id=sid, title=kw.pop("title", f"Story {sid}"), summary=kw.pop("summary", f"Summary {sid}."),
        sources=list(sources), published=day, first_seen=kw.pop("first_seen", NOW),
        countries=list(countries), item_count=items, **kw,
    )


def test_more_sources_outrank_one():
    single, double = _rec(1), _rec(2, sources=("TASS", "RT"), items=2)
    assert [r.story_id for r in rank([single, double], DAY)] == [2, 1]


def test_recency_breaks_equal_sources():
    old, new = _rec(1, day=date(2025, 3, 10)), _rec(2)
    assert [r.story_id for r in rank([old, new], DAY)] == [2, 1]
    assert story_score(new, DAY) - story_score(old, DAY) > 0.5


def test_a_second_source_outweighs_a_day_of_age():
    yesterday_two = _rec(1, day=date(2025, 3, 16), sources=("A", "B"), items=2)
    assert rank([_rec(2), yesterday_two], DAY)[0].story_id == 1


def test_centrality_breaks_ties():
    narrow = _rec(1)
    broad = _rec(2, countries=(("IN", True), ("CN", True), ("US", False)))
    assert rank([narrow, broad], DAY)[0].story_id == 2


def test_grouped_by_most_about_country_with_world_section_and_order():
    records = [
        _rec(1, countries=(("RU", True), ("UA", False)), sources=("TASS", "RT"), items=2),
        _rec(2, countries=()),
        _rec(3, countries=(("UA", False), ("RU", True))),
        _rec(4, countries=(("IN", True),)),
    ]
    sections = sections_by_country(rank(records, DAY), top_n=5, also_n=5)
    headings = [s.heading for s in sections]
    assert headings[0] == "Russia"
    assert set(headings) == {"Russia", "India", WORLD_HEADING}
    russia = sections[0]
    assert [v.story_id for v in russia.stories] == [1, 3]
    assert russia.country is not None and russia.country.flag == "\U0001f1f7\U0001f1fa"
    assert russia.stories[0].item_count == 2
    world = next(s for s in sections if s.heading == WORLD_HEADING)
    assert world.country is None and [v.story_id for v in world.stories] == [2]


def test_preferred_country_files_the_story():
    record = _rec(1, countries=(("RU", True), ("IN", True)))
    assert section_key(record) == "RU"
    assert section_key(record, frozenset({"IN"})) == "IN"


def test_top_n_and_also_list():
    records = [_rec(i, first_seen=datetime(2025, 3, 17, i, tzinfo=UTC)) for i in range(1, 10)]
    (section,) = sections_by_country(rank(records, DAY), top_n=3, also_n=2)
    assert len(section.stories) == 3 and len(section.also) == 2
    assert section.stories[0].story_id == 9  # latest first seen wins the tie


def test_empty_messages_are_specific():
    assert no_stories_on(date(2025, 5, 3)) == "No stories on 3 May 2025."
    assert no_new_stories(DAY, ["IN"]) == "No new stories about India since 17 March 2025."
    assert no_topic_match(" sanctions ") == "No stories match \u201csanctions\u201d."
    both = no_new_stories(DAY, ["IN", "RS"], ["oil"])
    assert both == "No new stories about India or Serbia or matching \u201coil\u201d since 17 March 2025."


def test_empty_briefings_render_their_message_in_every_format():
    env = make_environment()
    briefings = [
        daily_briefing([], date(2025, 5, 3), NOW),
        personal_briefing([], DAY, DAY, NOW, countries=frozenset({"IN"})),
        country_briefing([], "IN", DAY, NOW),
        topic_briefing([], "sanctions", NOW),
        topic_briefing([], "   ", NOW),
    ]
    expected = ["No stories on 3 May 2025.", "No new stories about India since 17 March 2025.",
                "No stories about India since 17 March 2025.",
                "No stories match \u201csanctions\u201d.", BLANK_QUERY]
    for briefing, message in zip(briefings, expected, strict=True):
        assert briefing.is_empty
        assert render_briefing(env, briefing, "text") == message
        assert telegram_messages(env, briefing) == [message]
        assert message in render_briefing(env, briefing, "html")


def test_country_briefing_puts_about_before_mentions_newest_first():
    records = [
        _rec(1, countries=(("IN", True),), day=date(2025, 3, 15)),
        _rec(2, countries=(("CN", True), ("IN", False))),
        _rec(3, countries=(("IN", True),)),
    ]
    briefing = country_briefing(records, "IN", date(2025, 3, 11), NOW)
    assert [s.heading for s in briefing.sections] == ["India", "Also mentioning India"]
    assert [v.story_id for v in briefing.sections[0].stories] == [3, 1]
    assert [v.story_id for v in briefing.sections[1].stories] == [2]


def test_topic_keeps_relevance_order_and_snippets():
    records = [_rec(5, snippet="the \x02grain\x03 deal", score=3.0), _rec(2, score=1.0)]
    briefing = topic_briefing(records, "grain", NOW)
    assert [v.story_id for v in briefing.sections[0].stories] == [5, 2]
    html = render_briefing(make_environment(), briefing, "html")
    assert "the <b>grain</b> deal" in html


def test_nasty_text_renders_valid_telegram_html():
    nasty = _rec(1, title="<script>alert(1)</script> & </b>",
                 summary="x", sources=("A&B",))
    nasty.summary = "Tom & Jerry </b><i> " + "word " * 1000
    briefing = daily_briefing([nasty, _rec(2)], DAY, NOW)
    messages = telegram_messages(make_environment(), briefing)
    assert messages
    for message in messages:
        assert validate_telegram_html(message) == []
    joined = "".join(messages)
    assert "&lt;script&gt;" in joined and "<script>" not in joined and "A&amp;B" in joined


def test_cached_split_cuts_where_split_telegram_does():
    from briefs.render import render_briefing as render
    from briefs.telegram_html import split_telegram

    env = make_environment()
    cache: dict = {}
    records = [_rec(i, countries=((("IN", "RU", "FR")[i % 3], True),), summary="Long words. " * (i * 7))
               for i in range(1, 40)]
    for top_n, limit in ((5, 4096), (3, 1500), (10, 700)):
        html = render(env, daily_briefing(records, DAY, NOW, top_n=top_n, also_n=3), "telegram")
        assert split_cached(html, cache, limit) == split_telegram(html, limit)
        for message in split_cached(html, cache, limit):
            assert validate_telegram_html(message, limit=limit) == []
