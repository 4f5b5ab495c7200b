"""Translations: complete catalogs with matching placeholders, English fallback, a language per
render (threads and tasks apart), and every bot template rendered in every language."""

from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, time
from pathlib import Path
from types import SimpleNamespace

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from bot.telegram.handlers.common import COMMANDS
from briefs.i18n import _, catalog_path, format_number, ngettext, translations
from briefs.render import date_human, make_environment, render_template
from briefs.telegram_validate import validate_telegram_html
from news.countries.lookup import Country, display_country
from news.language import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES, current_language, using_language

ROOT = Path(__file__).resolve().parents[2]
TRANSLATED = [code for code in SUPPORTED_LANGUAGES if code != DEFAULT_LANGUAGE]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%%")


def _source_messages() -> dict[str | tuple[str, ...], str]:
    """Extract every translatable message of the code and templates, as babel.cfg says."""
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found = {}
    for name, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map,
            directory_filter=lambda d: not Path(d).name.startswith(".")
            and Path(d).name not in ("tests", "bench", "scripts", "node_modules")):
        found[message] = name
    return found


def _catalog(language: str):
    with catalog_path(language).open("rb") as po:
        return read_po(po, locale=language)


@pytest.mark.parametrize("language", TRANSLATED)
def test_catalog_has_every_message_translated(language: str) -> None:
    catalog = _catalog(language)
    missing, untranslated = [], []
    for message, where in _source_messages().items():
        msgid = message[0] if isinstance(message, tuple) else message
        entry = catalog.get(msgid)
        if entry is None:
            missing.append((where, msgid))
        elif entry.fuzzy or not all(entry.string if isinstance(entry.string, tuple)
                                    else [entry.string]):
            untranslated.append((where, msgid))
    assert not missing, f"{language}: not in the catalog (pybabel update): {missing[:10]}"
    assert not untranslated, f"{language}: untranslated or fuzzy: {untranslated[:10]}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_catalog_placeholders_match_the_source(language: str) -> None:
    catalog = _catalog(language)
    broken = []
    for entry in catalog:
        if not entry.id:
            continue
        ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        wanted = set().union(*(PLACEHOLDER.findall(i) for i in ids))
        for text in strings:
            used = set(PLACEHOLDER.findall(text))
            # A plural form may leave the count out ("одна подписка"), never add a name.
            if used - wanted or (wanted - used) - {"%(num)d", "%(count)s"}:
                broken.append((ids[0], text))
        if isinstance(entry.id, tuple):
            assert len(strings) == catalog.num_plurals, (language, ids[0])
    assert not broken, f"{language}: placeholders differ: {broken[:5]}"


def test_missing_translation_falls_back_to_english() -> None:
    with using_language("ru"):
        assert _("No such message %(n)s", n=3) == "No such message 3"
        assert _("Search") == "Поиск"
        assert ngettext("%(num)d item", "%(num)d items", 5) == "5 материалов"
        assert ngettext("%(num)d item", "%(num)d items", 2) == "2 материала"
    with using_language("xx-YY"):  # an unsupported language shows the default
        assert current_language() == DEFAULT_LANGUAGE and _("Search") == "Search"
    assert translations(DEFAULT_LANGUAGE).gettext("Search") == "Search"


def test_dates_numbers_and_country_names_follow_the_language() -> None:
    day = date(2023, 9, 9)
    assert date_human(day) == "9 September 2023" and display_country("IN").name == "India"
    with using_language("ru"):
        assert date_human(day) == "9 сентября 2023"
        assert date_human(datetime(2023, 9, 9, 7, 5), with_time=True) == "9 сентября 2023, 07:05"
        assert display_country("IN").name == "Индия" and display_country("DE").name == "Германия"
        assert format_number(12345) == "12\xa0345"
    with using_language("de"):
        assert date_human(day) == "9. September 2023" and display_country("IN").name == "Indien"
        assert format_number(12345) == "12.345"
    assert format_number(12345) == "12,345"


def test_languages_stay_apart_across_threads_and_tasks() -> None:
    def in_thread(language: str) -> str:
        with using_language(language):
            return f"{_('Search')}|{display_country('RU').name}"

    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(in_thread, ["ru", "de", "en", "ru"] * 10))
    assert set(got) == {"Поиск|Россия", "Suche|Russland", "Search|Russia"}
    assert got[:3] == ["Поиск|Россия", "Suche|Russland", "Search|Russia"]

    async def task(language: str) -> str:
        with using_language(language):
            await asyncio.sleep(0)  # the other tasks run here
            return await asyncio.to_thread(lambda: _("Search"))

    async def both() -> list[str]:
        return await asyncio.gather(task("ru"), task("de"), task("en"))

    assert asyncio.run(both()) == ["Поиск", "Suche", "Search"]


# --- every bot template, in every language ---------------------------------------------

NS = SimpleNamespace
INDIA = Country("IN", "India", "🇮🇳")
NOW = datetime(2023, 9, 9, 7, 30, tzinfo=UTC)
SCHEDULE = NS(active=False, delivery_time=time(7, 30), timezone="Europe/Moscow", next_delivery=NOW)
SUB = NS(kind="country", name="India", flag="🇮🇳", id=3)
TOPIC = NS(kind="topic", name="sanctions", flag="", id=4)
DAILY = NS(kind="daily", name="", flag="", id=5)
LISTING = NS(items=[SUB, TOPIC, DAILY], pages=2, page=0, offset=0, schedule=SCHEDULE)
STORY = NS(story_id=1, title="G20 admits <African Union>", summary="Leaders met.", sources=["A", "B"],
           published=date(2023, 9, 9), countries=[INDIA], url="https://example.org/a",
           item_count=2, snippet=None)
DOCUMENT = NS(id=7, title="Digest", name="digest.txt", item_count=3, loaded_at=NOW, format="txt",
              status="loaded")


def _subscribe(status: str, **extra) -> NS:
    values = dict(status=status, menu=NS(choices=[], page=0, pages=1), subscription=SUB,
                  time_changed=True, schedule=SCHEDULE, query="Indai", suggestions=[INDIA],
                  topic_offer="indai", limit=50, time_error="hour")
    return NS(**{**values, **extra})


def _result(status: str, **extra) -> NS:
    values = dict(status=status, schedule=SCHEDULE, query="25:00", error="hour",
                  subscribed=False, fixed_offset=True, suggestions=["Europe/Berlin"],
                  examples=["Asia/Kolkata"])
    return NS(**{**values, **extra})


CASES: list[tuple[str, dict]] = [
    ("admin_only", {"what": "/stats"}),
    ("delete", {"step": "ask", "document": DOCUMENT}),
    ("delete", {"step": "done", "document": DOCUMENT,
                "deleted": NS(items=3, stories_removed=2, stories_kept=1)}),
    ("delete", {"step": "kept"}), ("delete", {"step": "missing", "document_id": 9}),
    ("delete", {"step": "usage"}),
    ("error", {}), ("expired", {}), ("group_admins_only", {}), ("hint", {}), ("slow_down", {}),
    ("help", {"commands": COMMANDS, "admin": True, "max_mb": 20}),
    ("language", {"result": NS(status="show", language=None, query=""), "current": "English",
                  "choices": [("en", "English"), ("ru", "Русский")]}),
    ("language", {"result": NS(status="unknown", language="ru", query="xx"), "current": "Русский",
                  "choices": [("en", "English"), ("ru", "Русский")]}),
    ("language", {"result": NS(status="set", language="ru", query="ru"), "current": "Русский",
                  "choices": []}),
    ("sources", {"page": NS(documents=[DOCUMENT], offset=0)}),
    ("sources", {"page": NS(documents=[], offset=10)}), ("sources", {"page": NS(documents=[], offset=0)}),
    ("start", {"name": "Ann", "admin": True}), ("start", {"name": None, "admin": False}),
    ("stats", {"counts": NS(documents=1, items=12345, stories=3, subscribers=4, deliveries_sent=5,
                            deliveries_failed=0, deliveries_pending=1)}),
    ("stories", {"page": NS(query="grain", country=INDIA, shortened=True, notice="note",
                            stories=[STORY], offset=0, timed_out=False)}),
    ("stories", {"page": NS(query=None, country=INDIA, shortened=False, notice=None, stories=[],
                            offset=0, timed_out=False)}),
    ("stories", {"page": NS(query="grain", country=None, shortened=False, notice=None, stories=[],
                            offset=0, timed_out=True)}),
    ("stories", {"page": NS(query="grain", country=None, shortened=False, notice=None, stories=[],
                            offset=0, timed_out=False)}),
    ("stories", {"page": NS(query=None, country=None, shortened=False, notice=None, stories=[],
                            offset=5, timed_out=False)}),
    *[("subscribe", {"result": _subscribe(status)}) for status in
      ("menu", "added", "exists", "unknown_country", "topic_prompt", "too_many", "topic_too_long",
       "bad_time")],
    ("subscribe", {"result": _subscribe("unknown_country", suggestions=[])}),
    *[("subscriptions", {"listing": LISTING, "result": NS(status=status, removed=[SUB, TOPIC],
                                                          query="India", suggestions=[INDIA])})
      for status in ("removed", "removed_all", "not_found", "unknown_country", "list")],
    ("subscriptions", {"listing": NS(items=[], pages=1, page=0, offset=0, schedule=SCHEDULE),
                       "result": None}),
    *[("time", {"result": _result(status)}) for status in ("set", "invalid", "show")],
    *[("timezone", {"result": _result("invalid", **{"error": error})})
      for error in ("half_offset", "offset_range", "unknown")],
    ("timezone", {"result": _result("set")}), ("timezone", {"result": _result("show")}),
    ("trends", {"trends": NS(countries=[INDIA]), "days": 7}),
    ("trends", {"trends": NS(countries=[]), "days": 1}),
    ("unknown_command", {"text": "/frob"}),
    ("unknown_country", {"text": "Indai", "suggestions": [INDIA], "example": "/latest India 5"}),
    ("unknown_country", {"text": "Indai", "suggestions": [], "example": "/latest India 5"}),
    ("upload_result", {"name": "a.pdf", "countries": [(INDIA, 3)],
                       "result": NS(status="loaded", items=3, duplicates=1, stories_joined=2,
                                 stories_merged=1)}),
    ("upload_result", {"name": "a.pdf", "countries": [], "result": NS(status="duplicate", items=3)}),
    ("upload_result", {"name": "a.pdf", "countries": [], "result": NS(status="failed", error=None)}),
    ("upload_too_big", {"name": "a.pdf", "size_mb": "25", "max_mb": "20"}),
    ("usage", {"problem": "Tell me what to search for.", "example": "/search grain"}),
]
# Rendered by the tests of their own features (channels, feeds): here they are only compiled.
ELSEWHERE = {"channel", "feeds", "feeds_add", "feeds_import", "feeds_link", "feeds_remove",
             "managing"}


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_every_bot_template_renders_in_every_language(language: str) -> None:
    env = make_environment()
    names = {n.split("/")[1].split(".")[0] for n in env.list_templates() if n.startswith("bot/")}
    assert names - ELSEWHERE - {"subscriptions_toast"} <= {name for name, _ in CASES}
    with using_language(language):
        for name in sorted(names & ELSEWHERE):
            env.get_template(f"bot/{name}.telegram.j2")
        for name, values in CASES:
            text = render_template(env, f"bot/{name}.telegram.j2", **values)
            assert text and not validate_telegram_html(text), (name, values)
            if language == "ru" and name not in ("usage",):
                assert re.search("[а-яё]", text, re.I), (name, text)
        for event in ("added", "exists", "removed", "not_found", "too_many", "timezone"):
            assert render_template(env, "bot/subscriptions_toast.text.j2", event=event, view=DAILY,
                                   name="UTC")
