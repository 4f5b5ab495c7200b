"""Translations, dates and numbers in the reader's language (gettext catalogs, Babel's CLDR).

Catalogs: briefs/locales/<language>/LC_MESSAGES/messages.po, extracted from the Python code and
the templates with Babel (babel.cfg at the repository root; see docs/operations.md). Each
catalog is compiled once per process, in memory, the first time its language is shown: a fresh
clone or `pip install -e .` has nothing to build, and a stale .mo can never shadow a newer .po.
Untranslated or fuzzy messages fall back to English, the source language.

The one Environment gets the messages through Jinja2's i18n extension (newstyle gettext:
`{{ _("...") }}`, `{% trans %}`); its callables are `CURRENT`, which dispatches every call to
the catalog of `news.language.current_language()`, a context variable, so concurrent replies in
different languages share the Environment and its compiled templates safely. Python code calls
`gettext` / `ngettext` here, which read the same variable.
"""

from __future__ import annotations

import functools
import io
import logging
from datetime import date, datetime
from pathlib import Path

import jinja2
from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.lists import format_list as _format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

from news.language import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES, current_language

logger = logging.getLogger(__name__)

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
DOMAIN = "messages"


def catalog_path(language: str) -> Path:
    """Return where a language's catalog (.po) lives."""
    return LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def translations(language: str) -> NullTranslations:
    """Return a language's compiled catalog (English, or a missing catalog: the source texts)."""
    path = catalog_path(language)
    if language == DEFAULT_LANGUAGE or not path.is_file():
        return NullTranslations()
    with path.open("rb") as po:
        catalog = read_po(po, locale=language, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)  # fuzzy entries are left out: they show in English
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


class CurrentTranslations:
    """gettext callables that answer in the current display language (see module docstring)."""

    def gettext(self, message: str) -> str:
        return translations(current_language()).gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return translations(current_language()).ngettext(singular, plural, n)

    def pgettext(self, context: str, message: str) -> str:
        return translations(current_language()).pgettext(context, message)

    def npgettext(self, context: str, singular: str, plural: str, n: int) -> str:
        return translations(current_language()).npgettext(context, singular, plural, n)


CURRENT = CurrentTranslations()


def gettext(message: str, /, **values: object) -> str:
    """Translate message into the current language; %(name)s placeholders take values."""
    text = CURRENT.gettext(message)
    return text % values if values else text


_ = gettext


def N_(message: str) -> str:  # noqa: N802 (the name gettext tools look for)
    """Mark a constant for the catalogs; it is translated where it is shown (with _)."""
    return message


def ngettext(singular: str, plural: str, n: int, /, **values: object) -> str:
    """Translate a message with a count (n fills %(num)d); other placeholders take values."""
    return CURRENT.ngettext(singular, plural, n) % {"num": n, **values}


def install(env: jinja2.Environment) -> None:
    """Give env the i18n extension with the current-language callables (before any overlay)."""
    env.add_extension("jinja2.ext.i18n")
    env.policies["ext.i18n.trimmed"] = True  # a {% trans %} block's line breaks are not text
    env.install_gettext_translations(CURRENT, newstyle=True)
    env.globals["language"] = current_language  # <html lang="...">


def locale() -> Locale:
    """Return the Babel locale of the current language."""
    return _locale(current_language())


@functools.cache
def _locale(language: str) -> Locale:
    # British English: "17 March 2025", and lists without a comma before "and".
    return Locale.parse("en_GB" if language == DEFAULT_LANGUAGE else language)


def format_list(items: list[str], style: str = "standard") -> str:
    """Join items as the reader does: 'A, B and C' (style "or": 'A, B or C')."""
    return _format_list(items, style=style, locale=locale()) if items else ""


def format_day(value: date | datetime, with_time: bool = False) -> str:
    """Format a date as the reader writes it ("9 September 2023", "9 сентября 2023")."""
    # Translators: a CLDR date pattern (d: day, MMMM: month name, y: year), e.g. "d. MMMM y".
    text = format_date(value, _("d MMMM y"), locale=locale())
    # The wall-clock time as stored: Babel would move a naive datetime into the local zone.
    return f"{text}, {value:%H:%M}" if with_time and isinstance(value, datetime) else text


def format_month(year: int, month: int) -> str:
    """Name a month of a year as a stand-alone phrase ("March 2025", "март 2025")."""
    return format_date(date(year, month, 1), "LLLL y", locale=locale())


def format_number(value: int | float) -> str:
    """Format a number with the reader's digit grouping ("12,345", "12 345")."""
    return format_decimal(value, locale=locale())


def language_name(code: str) -> str:
    """Return a language's own name, capitalised ("English", "Русский", "Deutsch")."""
    try:
        name = Locale.parse(code).get_display_name(code) or code
    except (ValueError, UnknownLocaleError):
        return code
    return name[:1].upper() + name[1:]


def supported() -> tuple[str, ...]:
    """Return the codes of the languages the bot speaks, the default first."""
    return SUPPORTED_LANGUAGES
