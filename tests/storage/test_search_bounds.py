"""Any search costs bounded database work, on SQLite and PostgreSQL: hostile queries are cut to
size before they reach the database, and whatever still runs long is stopped at a time limit."""

from __future__ import annotations

import random
import time
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import MetaData, text

from briefs.render import make_environment, render_template
from services import news
from storage.query import MAX_WORDS, ParsedQuery, SearchTimeout, Term, parse_query
from storage.repositories.search import search_items

WORDS = ["office", "officials", "officer", "official", "offices", "officers", "minister",
         "ministry", "grain", "wheat", "port", "ceasefire", "talks", "sanctions", "border",
         "election", "budget", "tariffs", "strike", "harbour"]
HOSTILE = "offic* " * 500  # 3.5 KB: 70 s of SQLite, minutes of PostgreSQL before the bounds


@pytest.fixture
def store(engine, sessions):
    """Fill the store with 400 items of news-like words (written directly: ingest is not tested)."""
    meta = MetaData()
    meta.reflect(engine, only=["documents", "items"])
    items, loaded = meta.tables["items"], datetime(2025, 3, 1, tzinfo=UTC)
    rnd = random.Random(16)
    with engine.begin() as conn:
        conn.execute(meta.tables["documents"].insert(), [dict(
            id=1, name="d.txt", sha256="a" * 64, format="text", size=1, loaded_at=loaded,
            status="loaded", item_count=400)])
        conn.execute(items.insert(), [dict(
            id=n, document_id=1, position=n, title=" ".join(rnd.choices(WORDS, k=8)),
            body=" ".join(rnd.choices(WORDS, k=120)), summary="", content_hash=f"{n:064d}",
            loaded_at=loaded, published=date(2025, 3, 1)) for n in range(1, 401)])
    return sessions


def _timed(fn) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def test_a_hostile_query_answers_within_a_second(store):
    with store() as session:
        elapsed, hits = _timed(lambda: search_items(session, parse_query(HOSTILE), limit=6))
    assert hits and elapsed < 1.0


@pytest.mark.parametrize("hostile", [
    " OR ".join(["offic*"] * 500),  # one OR-group of 500 (31 s of SQLite unbounded)
    " OR ".join(sorted({w[:k] + "*" for w in WORDS for k in range(2, len(w) + 1)}) * 5),  # 9 s
], ids=["or-chain", "distinct-prefixes"])
def test_long_or_chains_answer_within_a_second(store, hostile):
    with store() as session:
        elapsed, hits = _timed(lambda: search_items(session, parse_query(hostile), limit=6))
    assert hits and elapsed < 1.0


def test_a_search_past_its_time_limit_is_stopped_and_the_session_goes_on(store):
    # What the parser would never let through: 500 prefix terms ANDed (minutes of work).
    unbounded = ParsedQuery([[Term(("offic",), prefix=True)] for _ in range(500)])
    with store() as session:
        start = time.perf_counter()
        with pytest.raises(SearchTimeout):
            search_items(session, unbounded, limit=6, time_limit=0.3)
        # Stopped, not finished (that takes minutes): the bound leaves room for a loaded machine.
        assert time.perf_counter() - start < 5.0
        assert session.execute(text("SELECT count(*) FROM items")).scalar_one() == 400
        assert search_items(session, parse_query("grain"), limit=3)  # and the next search runs


def test_the_time_limit_does_not_outlive_the_search(store):
    with store() as session:
        search_items(session, parse_query("grain"), limit=3, time_limit=0.05)
        # A slow statement after the search is not cut by the search's limit.
        slow = ("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300000) "
                "SELECT count(*) FROM n")
        assert session.execute(text(slow)).scalar_one() == 300000


def test_the_search_page_says_when_it_was_stopped(store, monkeypatch):
    def too_slow(*args, **kwargs):
        raise SearchTimeout("search stopped after 2 s")

    monkeypatch.setattr(news, "search_items", too_slow)
    page = news.search_page(store, "grain", size=5)
    assert page.timed_out and page.stories == [] and not page.has_more
    reply = render_template(make_environment(), "bot/stories.telegram.j2", page=page)
    assert "took too long" in reply and "No stories match" not in reply


def test_the_search_page_says_when_a_long_query_was_shortened(store):
    page = news.search_page(store, HOSTILE, size=5)
    assert page.shortened and page.stories
    reply = render_template(make_environment(), "bot/stories.telegram.j2", page=page)
    assert "first words only" in reply
    plain = news.search_page(store, "grain OR grain wheat", size=5)
    assert not plain.shortened
    assert "first words only" not in render_template(make_environment(),
                                                     "bot/stories.telegram.j2", page=plain)


def test_the_cli_search_reports_a_stopped_search_on_one_line(store, engine, monkeypatch,
                                                            tmp_path, capsys):
    from bot.cli.commands import store as store_commands
    from bot.cli.main import main

    def too_slow(*args, **kwargs):
        raise SearchTimeout("search stopped after 2 s")

    monkeypatch.setattr(store_commands.news, "find_items", too_slow)
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("BRIEFBOT_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    assert main(["search", "grain"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("briefbot: the search took too long") and "Traceback" not in err


def test_repeated_terms_count_once():
    query = parse_query(HOSTILE)
    assert query.groups == [[Term(("offic",), prefix=True)]] and query.shortened
    same = parse_query("grain OR grain wheat grain -oil -oil")
    assert same.groups == [[Term(("grain",))], [Term(("wheat",))]]
    assert same.excluded == [Term(("oil",))] and not same.shortened


def test_at_most_max_words_are_kept_exclusions_last():
    words = [f"w{n}" for n in range(40)]
    query = parse_query(" ".join(words) + " -oil")
    assert [g[0].words[0] for g in query.groups] == words[:MAX_WORDS]
    assert query.excluded == [] and query.shortened
    phrase = parse_query('"' + " ".join(words) + '"')
    assert phrase.groups == [[Term(tuple(words[:MAX_WORDS]))]] and phrase.shortened


def test_a_long_text_is_cut_between_words():
    query = parse_query("grain " * 100)  # 600 characters, cut near 200 inside a run of spaces
    assert query.groups == [[Term(("grain",))]]
    cut = parse_query("a" * 150 + " " + "bbbbbbbbbb" * 10)  # the cut falls inside the b word
    assert cut.groups == [[Term(("a" * 150,))]] and cut.shortened
