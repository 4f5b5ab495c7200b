"""Tests for the Jinja2 environment, briefing templates and Telegram splitting of renders."""

from __future__ import annotations

import re
from datetime import date, datetime
from html.parser import HTMLParser
from pathlib import Path

import jinja2
import pytest

from briefs.briefing_split import split_cached
from briefs.render import (
    HIGHLIGHT_CLOSE,
    HIGHLIGHT_OPEN,
    date_human,
    flag,
    make_environment,
    render_briefing,
    render_template,
    safe_url,
    sources,
    truncate_words,
)
from briefs.telegram_html import (
    CUT_MARKER,
    TELEGRAM_LIMIT,
    split_telegram,
    telegram_length,
    validate_telegram_html,
    visible_text,
)
from briefs.types import Briefing, BriefingSection, Country, StoryView

RU = Country("RU", "Russia", "\U0001f1f7\U0001f1fa")
UA = Country("UA", "Ukraine", "\U0001f1fa\U0001f1e6")
FR = Country("FR", "France", "\U0001f1eb\U0001f1f7")


def unmarked(markup: str) -> str:
    """Return a Telegram render without its story-boundary markers, as one message."""
    return markup.replace(CUT_MARKER, "").strip()


def telegram_messages(env: jinja2.Environment, briefing: Briefing,
                      limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Render and split a briefing as the briefing service does before sending it."""
    return split_cached(render_briefing(env, briefing, "telegram"), {}, limit)


NASTY_TITLE = "Cats & dogs <script>alert(1)</script> end</b> here"
NASTY_SUMMARY = "Tom & Jerry wrote </b><i>oops <script>alert(1)</script> a < b"
LONG_SUMMARY = " ".join(
    f"Paragraph sentence {i} keeps going with ordinary words." for i in range(100)
)


def _story(sid: int, **kw: object) -> StoryView:
    base: dict[object, object] = dict(
        story_id=sid, title=f"Headline number {sid}", summary=f"Summary of story {sid}.",
        sources=["Wire"], published=date(2025, 3, 17), countries=[RU],
    )
    base.update(kw)
    return StoryView(**base)  # type: ignore[arg-type]


@pytest.fixture
def env() -> jinja2.Environment:
    return make_environment()


@pytest.fixture
def briefing() -> Briefing:
    multi = _story(1, title="Ceasefire talks", sources=["TASS", "RT"], item_count=2,
                   countries=[RU, UA], url="https://news.example/a?x=1&y=2")
    undated = _story(2, title="Undated note", published=None, sources=[])
    nasty = _story(3, title=NASTY_TITLE, summary=NASTY_SUMMARY, countries=[FR])
    long = _story(4, title="Very long story", summary=LONG_SUMMARY)
    return Briefing(
        kind="daily", title="Morning & evening briefing", subtitle="Monday edition",
        generated_at=datetime(2025, 3, 17, 8, 30),
        sections=[
            BriefingSection("Russia", RU, [multi, undated],
                            also=[_story(5, title="Side story & more")]),
            BriefingSection("France", FR, [nasty]),
            BriefingSection("Other", None, [long]),
            BriefingSection("Empty", UA, []),
        ],
    )


@pytest.fixture
def empty() -> Briefing:
    return Briefing("daily", "Daily", datetime(2025, 3, 17), [BriefingSection("X", None, [])],
                    empty_message="Nothing new since yesterday & today.")


# --- filters ---------------------------------------------------------------------------


def test_filters() -> None:
    assert date_human(date(2025, 3, 17)) == "17 March 2025"
    assert date_human(datetime(2025, 1, 2, 9, 5), with_time=True) == "2 January 2025, 09:05"
    assert date_human(None) == "undated"
    assert sources(["TASS", "RT", "TASS"]) == "TASS, RT"
    assert sources(["A", "B", "C", "D", "E", "F"], limit=4) == "A, B, C, D +2 more"
    assert sources([]) == "unknown source"
    assert flag("fr") == FR.flag and flag(RU) == RU.flag and flag("x1") == ""
    assert flag(Country("DE", "Germany", "")) == "\U0001f1e9\U0001f1ea"
    assert truncate_words("one two three four", 2) == "one two…"
    assert truncate_words("one two", 2) == "one two"
    assert safe_url("javascript:alert(1)") is None and safe_url(" https://a.b ") == "https://a.b"


# --- every format ----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["telegram", "text", "html"])
def test_every_story_shows_its_fields(env: jinja2.Environment, briefing: Briefing,
                                      fmt: str) -> None:
    out = render_briefing(env, briefing, fmt)
    shown = out if fmt == "text" else visible_text(unmarked(out))
    if fmt == "html":
        shown = _html_text(out)
    for title in ("Ceasefire talks", "Undated note", NASTY_TITLE, "Very long story"):
        assert title in shown
    assert "TASS, RT · 2 sources" in shown
    assert "17 March 2025" in shown and "undated" in shown
    assert f"{RU.flag} Russia, {UA.flag} Ukraine" in shown
    assert f"{FR.flag} France" in shown  # section heading with its flag
    assert "Also:" in shown and "Side story & more" in shown
    assert "Summary of story 5" not in shown  # "Also" lists titles only
    assert NASTY_SUMMARY in shown and LONG_SUMMARY in re.sub(r"\s+", " ", shown)
    assert "Empty" not in shown  # sections without stories are skipped


@pytest.mark.parametrize("fmt", ["telegram", "text", "html"])
def test_empty_briefing_shows_message(env: jinja2.Environment, empty: Briefing,
                                      fmt: str) -> None:
    out = render_briefing(env, empty, fmt)
    if fmt == "text":
        assert out == "Nothing new since yesterday & today."
    elif fmt == "telegram":
        assert out == "Nothing new since yesterday &amp; today."
        assert validate_telegram_html(out) == []
    else:
        assert "<p>Nothing new since yesterday &amp; today.</p>" in out


def test_unknown_format_raises(env: jinja2.Environment, briefing: Briefing) -> None:
    with pytest.raises(ValueError):
        render_briefing(env, briefing, "pdf")


# --- telegram --------------------------------------------------------------------------


def test_telegram_output_is_valid_and_escaped(env: jinja2.Environment,
                                              briefing: Briefing) -> None:
    out = render_briefing(env, briefing, "telegram")
    assert validate_telegram_html(unmarked(out), limit=None) == []
    assert "<script>" not in out and "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert "end&lt;/b&gt; here" in out and "Tom &amp; Jerry" in out
    assert '<a href="https://news.example/a?x=1&amp;y=2">Read</a>' in out
    assert "<b>Ceasefire talks</b> · 17 March 2025" in out
    assert "<i>TASS, RT · 2 sources" in out
    assert "\n\n\n" not in unmarked(out)


def test_telegram_messages_fit_and_validate(env: jinja2.Environment,
                                            briefing: Briefing) -> None:
    parts = telegram_messages(env, briefing, limit=1000)
    assert len(parts) > 1
    for part in parts:
        assert telegram_length(part) <= 1000
        assert validate_telegram_html(part, limit=1000) == []


def test_sixty_stories_split_without_losing_any(env: jinja2.Environment) -> None:
    countries = [RU, UA, FR]
    sections = [
        BriefingSection(c.name, c, [
            _story(n, title=f"Story {n:02d} & co", summary=LONG_SUMMARY[: 200 + 37 * n],
                   sources=["A", "B"][: 1 + n % 2], item_count=1 + n % 2,
                   url=f"https://e.example/{n}", countries=[c])
            for n in range(i * 20, i * 20 + 20)
        ])
        for i, c in enumerate(countries)
    ]
    big = Briefing("daily", "Big day", datetime(2025, 3, 17), sections)
    parts = telegram_messages(env, big)
    assert len(parts) > 3
    for part in parts:
        assert telegram_length(part) <= 4096
        assert validate_telegram_html(part) == []
        assert CUT_MARKER not in part
    joined = "\n".join(visible_text(p) for p in parts)
    for n in range(60):
        assert joined.count(f"Story {n:02d} & co") == 1
    # Stories are short enough to fit, so none is cut in two.
    for part in parts:
        assert visible_text(part).count("Story ") == visible_text(part).count("Read")


def test_single_huge_story_splits_between_sentences(env: jinja2.Environment) -> None:
    huge = _story(1, summary=LONG_SUMMARY * 2)
    parts = telegram_messages(env, Briefing("daily", "T", datetime(2025, 1, 1),
                                                   [BriefingSection("R", RU, [huge])]))
    assert len(parts) >= 2
    assert visible_text(parts[0]).rstrip().endswith("ordinary words.")
    assert all(validate_telegram_html(p) == [] for p in parts)


def test_snippet_highlight_is_escaped_markup(env: jinja2.Environment) -> None:
    story = _story(1, snippet=f"a <x> & {HIGHLIGHT_OPEN}match & co{HIGHLIGHT_CLOSE} end")
    b = Briefing("topic", "T", datetime(2025, 1, 1), [BriefingSection("R", None, [story])])
    out = render_briefing(env, b, "telegram")
    assert "a &lt;x&gt; &amp; <b>match &amp; co</b> end" in out
    assert "a <x> & match & co end" in render_briefing(env, b, "text")


# --- text and html ---------------------------------------------------------------------


def test_text_has_no_tags_or_entities(env: jinja2.Environment, briefing: Briefing) -> None:
    out = render_briefing(env, briefing, "text")
    assert "&amp;" not in out and "&lt;" not in out and "<b>" not in out
    assert CUT_MARKER not in out
    assert "Morning & evening briefing" in out
    assert "https://news.example/a?x=1&y=2" in out


def test_html_is_a_standalone_page(env: jinja2.Environment, briefing: Briefing) -> None:
    out = render_briefing(env, briefing, "html")
    assert out.lower().startswith("<!doctype html>")
    assert '<meta charset="utf-8">' in out and "<style>" in out
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert "<title>Morning &amp; evening briefing</title>" in out


def _html_text(page: str) -> str:
    """Return the visible text of an HTML page (body only)."""

    class Collect(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.parts: list[str] = []
            self.skip = False

        def handle_starttag(self, tag: str, attrs: object) -> None:
            self.skip = tag in ("style", "title")

        def handle_endtag(self, tag: str) -> None:
            self.skip = False

        def handle_data(self, data: str) -> None:
            if not self.skip:
                self.parts.append(data)

    parser = Collect()
    parser.feed(page)
    return "".join(parser.parts)


# --- environment -----------------------------------------------------------------------


def test_override_dir_replaces_packaged_template(tmp_path: Path, briefing: Briefing) -> None:
    (tmp_path / "briefing.text.j2").write_text("Custom: {{ briefing.title }}\n")
    (tmp_path / "hello.telegram.j2").write_text("<b>Hi {{ name }}</b>")
    env = make_environment(tmp_path)
    assert render_briefing(env, briefing, "text") == "Custom: Morning & evening briefing"
    assert render_template(env, "hello.telegram.j2", name="<Ann>") == "<b>Hi &lt;Ann&gt;</b>"
    # Templates not overridden still come from the package.
    assert "Ceasefire talks" in render_briefing(env, briefing, "telegram")


def test_strict_undefined_raises(tmp_path: Path) -> None:
    (tmp_path / "oops.telegram.j2").write_text("{{ missing_variable }}")
    env = make_environment(tmp_path)
    with pytest.raises(jinja2.UndefinedError):
        render_template(env, "oops.telegram.j2")


def test_text_and_markup_environments_do_not_share_compiled_templates(tmp_path: Path) -> None:
    (tmp_path / "same.text.j2").write_text("{{ v }}")
    env = make_environment(tmp_path)
    assert render_template(env, "same.text.j2", v="a&b") == "a&b"
    assert env.get_template("same.text.j2").render(v="a&b") == "a&amp;b"
    assert render_template(env, "same.text.j2", v="a&b") == "a&b"


def test_split_of_render_is_stable_for_short_briefing(env: jinja2.Environment,
                                                     briefing: Briefing) -> None:
    out = render_briefing(env, briefing, "telegram")
    assert split_telegram(out, 100_000) == [unmarked(out)]
