"""Tests for Telegram HTML measuring, splitting and validation."""

from __future__ import annotations

import re

import pytest

from briefs.telegram_html import (
    CUT_MARKER,
    TELEGRAM_ACCEPTED_TAGS,
    split_telegram,
    telegram_length,
    utf16_len,
    validate_telegram_html,
    visible_text,
)
from tests.paths import seeds_folder

FLAG_RU = "\U0001f1f7\U0001f1fa"



def _story(n: int, words: int = 40) -> str:
    body = " ".join(f"word{n}x{i}" for i in range(words))
    return f"<b>Story {n} &amp; co</b>\n{body}.\n<i>Source {n}</i>"


def _assert_valid_parts(parts: list[str], limit: int) -> None:
    assert parts, "no messages"
    for part in parts:
        assert telegram_length(part) <= limit
        assert validate_telegram_html(part, limit=limit) == []
        assert CUT_MARKER not in part
        assert part == part.strip()


# --- measuring -------------------------------------------------------------------------


def test_length_ignores_tags_and_counts_entities_as_one() -> None:
    assert telegram_length('<b>a&amp;b</b> <a href="https://x.org/?a=1&amp;b=2">ok</a>') == 6
    assert telegram_length("&lt;&gt;&quot;&#65;&#x42;") == 5


def test_length_counts_utf16_units_for_flags_and_emoji() -> None:
    assert utf16_len(FLAG_RU) == 4
    assert telegram_length(f"<b>{FLAG_RU} Russia</b>") == 4 + 7
    assert telegram_length("é") == 1
    assert telegram_length("\U0001f600") == 2


def test_visible_text_decodes_entities_and_drops_markers() -> None:
    assert visible_text(f"<i>x &lt;y&gt;</i>{CUT_MARKER}z") == "x <y>z"


# --- splitting -------------------------------------------------------------------------


def test_short_html_stays_one_message_without_markers() -> None:
    html = f"<b>One</b>\ntext\n{CUT_MARKER}\n<b>Two</b>\nmore\n"
    assert split_telegram(html) == ["<b>One</b>\ntext\n\n<b>Two</b>\nmore"]


def test_splits_only_at_story_markers_when_stories_fit() -> None:
    stories = [_story(n) for n in range(30)]
    html = f"\n{CUT_MARKER}\n".join(stories)
    parts = split_telegram(html, limit=1000)
    _assert_valid_parts(parts, 1000)
    assert len(parts) > 1
    # Every story survives whole inside exactly one message.
    for n, story in enumerate(stories):
        assert sum(story in part for part in parts) == 1, n


def test_no_text_lost_across_parts() -> None:
    html = f"\n{CUT_MARKER}\n".join(_story(n, words=120) for n in range(25))
    parts = split_telegram(html, limit=700)
    _assert_valid_parts(parts, 700)
    squash = re.compile(r"\s+")
    assert squash.sub("", "".join(visible_text(p) for p in parts)) == squash.sub(
        "", visible_text(html)
    )


def test_huge_story_splits_between_sentences() -> None:
    sentences = [f"Sentence number {i} tells part of the tale." for i in range(200)]
    html = "<b>Big</b>\n" + " ".join(sentences)
    parts = split_telegram(html, limit=500)
    _assert_valid_parts(parts, 500)
    for part in parts:
        assert visible_text(part).endswith("tale.")
    assert sum(visible_text(p).count("tells part") for p in parts) == 200


def test_abbreviation_is_not_a_sentence_end() -> None:
    # Room for the cut after "U.S." but only a lower-case word follows it.
    html = "First one here. The U.S. officials said things"
    parts = split_telegram(html, limit=30)
    assert parts[0] == "First one here."


def test_falls_back_to_words_then_characters() -> None:
    parts = split_telegram("alpha beta gamma delta epsilon zeta", limit=12)
    assert all(telegram_length(p) <= 12 for p in parts)
    assert " ".join(parts) == "alpha beta gamma delta epsilon zeta"
    hard = split_telegram("x" * 25, limit=10)
    assert hard == ["x" * 10, "x" * 10, "x" * 5]


def test_tags_open_at_cut_are_closed_and_reopened() -> None:
    body = " ".join(f"Line {i} is here." for i in range(40))
    html = f'<blockquote><a href="https://e.org/?q=1&amp;r=2"><i>{body}</i></a></blockquote>'
    parts = split_telegram(html, limit=120)
    _assert_valid_parts(parts, 120)
    for part in parts:
        assert part.startswith('<blockquote><a href="https://e.org/?q=1&amp;r=2"><i>')
        assert part.endswith("</i></a></blockquote>")


def test_entities_are_never_cut_and_count_as_one() -> None:
    html = "&amp;" * 30
    parts = split_telegram(html, limit=8)
    assert all(p == "&amp;" * len(visible_text(p)) for p in parts)
    assert sum(telegram_length(p) for p in parts) == 30


def test_flags_count_four_and_are_not_split() -> None:
    html = (FLAG_RU + " ") * 10
    parts = split_telegram(html, limit=10)
    for part in parts:
        assert telegram_length(part) <= 10
        assert part.replace(FLAG_RU, "").strip() == ""


def test_no_empty_messages_from_blank_or_marker_only_input() -> None:
    assert split_telegram(f"\n\n{CUT_MARKER}\n \n{CUT_MARKER}") == []
    parts = split_telegram(f"{CUT_MARKER}\n\n<b>a</b>\n\n{CUT_MARKER}\n\n\n")
    assert parts == ["<b>a</b>"]


@pytest.mark.parametrize(("html", "expected"), [
    ("<b> x", ["<b>x</b>"]),  # blanks trimmed at the start made the end's indexes stale
    ("  <i>  </i> y ", ["y"]),
    ("<b> </b>", []),
])
def test_blanks_inside_tags_at_the_ends_are_trimmed(html: str, expected: list[str]) -> None:
    assert split_telegram(html) == expected


def test_rejects_absurd_limit() -> None:
    with pytest.raises(ValueError):
        split_telegram("abc", limit=2)


@pytest.mark.seeds
def test_real_documents_split_validly() -> None:
    seeds = seeds_folder()
    if not seeds.is_dir():
        pytest.skip(f"seed documents not found at {seeds}")
    from markupsafe import escape

    for path in sorted(seeds.glob("*.txt"))[:20]:
        text = path.read_text(encoding="utf-8", errors="replace")
        html = f"<b>{escape(path.name)}</b>\n{escape(text)}"
        if text.strip():
            _assert_valid_parts(split_telegram(html), 4096)


# --- validation ------------------------------------------------------------------------


def test_validator_accepts_good_markup() -> None:
    html = (
        '<b>bold <i>both</i></b> <a href="https://x.org/?a=1&amp;b=2">link</a> '
        '<pre><code class="language-python">x &lt; 1</code></pre> <tg-spoiler>s</tg-spoiler> '
        "&#128512; &quot;q&quot; a > b"
    )
    assert validate_telegram_html(html) == []


@pytest.mark.parametrize(
    ("html", "fragment"),
    [
        ("<script>alert(1)</script>", "disallowed tag <script>"),
        ("<div>x</div>", "disallowed tag <div>"),
        ("<b><i>x</b></i>", "bad nesting"),
        ("<b>x", "unclosed tag <b>"),
        ("x</b>", "no opening tag"),
        ("a < b", "unescaped '<'"),
        ("AT&T", "unescaped '&'"),
        ("a & b", "unescaped '&'"),
        ("&nbsp;", "unsupported entity"),
        ("<a>x</a>", "without href"),
        ('<b class="x">x</b>', "attribute 'class'"),
        ("<code><b>x</b></code>", "inside <code>"),
        (f"x{CUT_MARKER}y", "comment"),
        ("<b> </b>", "no visible text"),
        ("<br/>", "self-closing"),
    ],
)
def test_validator_reports_problems(html: str, fragment: str) -> None:
    problems = validate_telegram_html(html)
    assert any(fragment in p for p in problems), problems


def test_validator_checks_length_in_utf16() -> None:
    assert validate_telegram_html(FLAG_RU * 2, limit=8) == []
    assert any("too long" in p for p in validate_telegram_html(FLAG_RU * 2 + "x", limit=8))
    assert validate_telegram_html("x" * 5000, limit=None) == []


def test_validator_tag_sets() -> None:
    assert validate_telegram_html("<strong>x</strong>", allowed=TELEGRAM_ACCEPTED_TAGS) == []
    assert validate_telegram_html("<strong>x</strong>") != []


def test_story_too_long_for_any_message_starts_in_the_current_one() -> None:
    long = " ".join(f"Sentence {i} is long enough." for i in range(60))
    html = f"<b>Header</b>\n{CUT_MARKER}\n<b>Huge</b>\n{long}\n{CUT_MARKER}\n<b>Small</b>\nend."
    parts = split_telegram(html, limit=300)
    _assert_valid_parts(parts, 300)
    assert "Huge" in parts[0]  # no stub message holding the header alone
    assert parts[-1].endswith("<b>Small</b>\nend.")


def test_marker_kept_when_long_story_has_no_sentence_break() -> None:
    words = " ".join(f"w{i}" for i in range(200))
    html = f"<b>Header</b> first.\n{CUT_MARKER}\n{words}"
    parts = split_telegram(html, limit=100)
    assert parts[0] == "<b>Header</b> first."
