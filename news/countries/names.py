"""Country names in the bot's other languages, from Babel's CLDR territory names.

Shown: `localized_name(code, language)` ("IN", "ru" -> "Индия"). Understood: `localized_lookup()`
maps every supported language's names, and their inflected forms, to ISO2, so "/latest Индия"
and "что нового в Индии?" find India. Russian declines its nouns, and CLDR gives only the
nominative, so the other cases come from a general rule on the word endings (`russian_forms`):
Индия -> Индии, Индию, Индией; Китай -> Китая, Китае; Южная Корея -> Южной Корее. German adds
the genitive -s (Indiens, Deutschlands).
"""

from __future__ import annotations

import functools
import logging

from babel import Locale

from news.countries.gazetteer import load_gazetteer, normalise_key
from news.language import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES

logger = logging.getLogger(__name__)

# Everyday short forms CLDR keeps as alternates only (Babel exposes the long ones).
_SHORT_FORMS = {
    "ru": {"США": "US", "Штаты": "US", "Южная Корея": "KR", "Северная Корея": "KP",
           "Эмираты": "AE", "Англия": "GB", "Британия": "GB", "Палестина": "PS"},
    "de": {"USA": "US", "Amerika": "US", "Großbritannien": "GB", "England": "GB",
           "Emirate": "AE", "Palästina": "PS"},
}
# Case endings, in the order nom, gen, dat, acc, ins, prep: (nominative ending, the six forms).
# Longer endings first: "ия" before "я", adjectives before nouns.
_ADJECTIVES = (
    ("ая", ("ая", "ой", "ой", "ую", "ой", "ой")),
    ("яя", ("яя", "ей", "ей", "юю", "ей", "ей")),
    ("ый", ("ый", "ого", "ому", "ый", "ым", "ом")),
    ("ий", ("ий", "ого", "ому", "ий", "им", "ом")),
    ("ое", ("ое", "ого", "ому", "ое", "ым", "ом")),
    ("ые", ("ые", "ых", "ым", "ые", "ыми", "ых")),
    ("ие", ("ие", "их", "им", "ие", "ими", "их")),
)
_NOUNS = (
    ("ия", ("ия", "ии", "ии", "ию", "ией", "ии")),
    ("ка", ("ка", "ки", "ке", "ку", "кой", "ке")),  # after к, г, х the genitive takes и
    ("га", ("га", "ги", "ге", "гу", "гой", "ге")),
    ("а", ("а", "ы", "е", "у", "ой", "е")),
    ("я", ("я", "и", "е", "ю", "ей", "е")),
    ("й", ("й", "я", "ю", "й", "ем", "е")),
    ("ь", ("ь", "я", "ю", "ь", "ем", "е")),
    ("ы", ("ы", "ов", "ам", "ы", "ами", "ах")),  # plurals: Нидерланды, Филиппины
)
_INDECLINABLE_ENDINGS = tuple("оеиуюэ")  # Того, Чили, Перу, Сан-Марино
_CASES = 6


def localized_name(code: str, language: str) -> str | None:
    """Return CLDR's name of a country in a language ("IN", "ru" -> "Индия"), None if it has none."""
    return _territories(language).get(code.upper())


@functools.cache
def _territories(language: str) -> dict[str, str]:
    return dict(Locale.parse(language).territories)


def russian_forms(name: str) -> list[str]:
    """Return a Russian country name in its six cases (the same six times when it does not decline)."""
    words = name.split()
    if not words:
        return [name] * _CASES
    declined = [_word_forms(w, last=i == len(words) - 1) for i, w in enumerate(words)]
    return [" ".join(forms[case] for forms in declined) for case in range(_CASES)]


def _word_forms(word: str, *, last: bool) -> tuple[str, ...]:
    """Return one word's six cases: an adjective before the noun, the noun itself, or as is."""
    if "-" in word:  # Центрально-Африканская: the part after the hyphen declines
        head, tail = word.rsplit("-", 1)
        return tuple(f"{head}-{form}" for form in _word_forms(tail, last=last))
    if word.isupper() or not word.isalpha():
        return (word,) * _CASES  # США, Кот-д’Ивуар: typed as written
    rules = _NOUNS if last else _ADJECTIVES + _NOUNS
    for ending, forms in rules:
        if word.endswith(ending) and len(word) > len(ending) + 1:
            stem = word[: -len(ending)]
            return tuple(stem + form for form in forms)
    if word.lower() in ("и",) or word.endswith(_INDECLINABLE_ENDINGS):
        return (word,) * _CASES
    if last:  # a hard consonant: Иран, Ирана, Ирану, Ираном, Иране
        return tuple(word + form for form in ("", "а", "у", "", "ом", "е"))
    return (word,) * _CASES


def _forms(name: str, language: str) -> list[str]:
    if language == "ru":
        return list(dict.fromkeys([name, *russian_forms(name)]))
    if language == "de":
        return [name, name + "s"]  # Indiens, Deutschlands
    return [name]


@functools.cache
def localized_lookup() -> dict[str, str]:
    """Return normalised name (any supported language, any case form) -> ISO2."""
    known = load_gazetteer().names
    lookup: dict[str, str] = {}
    for language in SUPPORTED_LANGUAGES:
        if language == DEFAULT_LANGUAGE:
            continue  # English names come from the gazetteer itself
        names = {n: c for c, n in _territories(language).items() if c in known}
        names.update(_SHORT_FORMS.get(language, {}))
        for name, code in names.items():
            for form in _forms(name, language):
                lookup.setdefault(normalise_key(form), code)
    return lookup
