"""Look countries up by code, name, short form or demonym; name and flag them.

The one home of how a country is shown: its common name (`country_name`, in the reader's
language: news.language), its flag (`flag_emoji`), and both as a `Country` (`country_of`, or
`display_country` when an unknown code should show as itself). Templates, keyboards and
briefings all ask here. Names typed in any supported language are understood too
(news.countries.names).
"""

from __future__ import annotations

import difflib
import logging
from dataclasses import dataclass

from news.countries.gazetteer import Gazetteer, load_gazetteer, load_lookup, normalise_key
from news.countries.names import localized_lookup, localized_name
from news.language import DEFAULT_LANGUAGE, current_language

logger = logging.getLogger(__name__)


class UnknownCountryError(ValueError):
    """A name or code that matches no country; suggestions are ISO2 codes of close names."""

    def __init__(self, text: str, suggestions: list[str]) -> None:
        self.text = text
        self.suggestions = suggestions
        hint = " or ".join(f"{display_country(c).name} ({c})" for c in suggestions)
        super().__init__(f'unknown country "{text}"' + (f"; did you mean {hint}?" if hint else ""))


def resolve_country(text: str) -> str:
    """Return the ISO2 code for a code, name, short form or demonym, in any case; or for a name
    in a supported language, in any of its grammatical cases ("Индии")."""
    data = load_gazetteer()
    raw = text.strip()
    if len(raw) == 2 and raw.upper() in data.names:
        return raw.upper()
    if len(raw) == 3 and raw.upper() in data.alpha3:
        return data.alpha3[raw.upper()]
    key, lookup = normalise_key(raw), load_lookup()
    if key in lookup:
        return lookup[key]
    if key in (localized := localized_lookup()):
        return localized[key]
    raise UnknownCountryError(text, _suggest(data, key))


def _suggest(data: Gazetteer, key: str) -> list[str]:
    """Return ISO2 codes whose names are close to key (or the candidates of an ambiguous one)."""
    for form, candidates in data.ambiguous.items():
        if normalise_key(form) == key:
            return list(candidates)
    lookup = load_lookup()
    close = difflib.get_close_matches(key, list(lookup), n=5, cutoff=0.75)
    return list(dict.fromkeys(lookup[c] for c in close))[:3]


@dataclass(slots=True, frozen=True)
class Country:
    """A country as shown to readers."""

    code: str  # ISO2
    name: str
    flag: str  # emoji; "" for a code the gazetteer does not know


def country_name(code: str) -> str:
    """Return the common short name of a country in the reader's language ("Russia", "Россия")."""
    data = load_gazetteer()
    if code.upper() not in data.names:
        raise UnknownCountryError(code, [])
    language = current_language()
    if language != DEFAULT_LANGUAGE and (name := localized_name(code, language)):
        return name
    return data.names[code.upper()]


def flag_emoji(code: str) -> str:
    """Return the flag emoji of a two-letter code: its two regional-indicator symbols ('' if not letters)."""
    code = code.strip().upper()
    if len(code) != 2 or not code.isascii() or not code.isalpha():
        return ""
    return "".join(chr(0x1F1E6 + ord(ch) - ord("A")) for ch in code)


def country_of(code: str) -> Country:
    """Return the Country of an ISO2 code, in any case; UnknownCountryError when unknown."""
    return Country(code.upper(), country_name(code), flag_emoji(code))


def display_country(code: str) -> Country:
    """Return the Country of an ISO2 code; an unknown code shows as itself, without a flag."""
    try:
        return country_of(code)
    except UnknownCountryError:
        return Country(code.upper(), code.upper(), "")

