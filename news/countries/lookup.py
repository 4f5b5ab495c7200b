"""Look countries up by code, name, short form or demonym; name and flag them."""

from __future__ import annotations

import difflib
import logging

from news.countries.gazetteer import Gazetteer, load_gazetteer, load_lookup, normalise_key

logger = logging.getLogger(__name__)


class UnknownCountryError(ValueError):
    """A name or code that matches no country; suggestions are ISO2 codes of close names."""

    def __init__(self, text: str, suggestions: list[str]) -> None:
        self.text = text
        self.suggestions = suggestions
        hint = " or ".join(f"{load_gazetteer().names.get(c, c)} ({c})" for c in suggestions)
        super().__init__(f'unknown country "{text}"' + (f"; did you mean {hint}?" if hint else ""))


def resolve_country(text: str) -> str:
    """Return the ISO2 code for a code, name, short form or demonym, in any case."""
    data = load_gazetteer()
    raw = text.strip()
    if len(raw) == 2 and raw.upper() in data.names:
        return raw.upper()
    if len(raw) == 3 and raw.upper() in data.alpha3:
        return data.alpha3[raw.upper()]
    key, lookup = normalise_key(raw), load_lookup()
    if key in lookup:
        return lookup[key]
    raise UnknownCountryError(text, _suggest(data, key))


def _suggest(data: Gazetteer, key: str) -> list[str]:
    """Return ISO2 codes whose names are close to key (or the candidates of an ambiguous one)."""
    for form, candidates in data.ambiguous.items():
        if normalise_key(form) == key:
            return list(candidates)
    lookup = load_lookup()
    close = difflib.get_close_matches(key, list(lookup), n=5, cutoff=0.75)
    return list(dict.fromkeys(lookup[c] for c in close))[:3]


def country_name(code: str) -> str:
    """Return the common short name of a country ("Russia", "South Korea")."""
    data = load_gazetteer()
    if code.upper() not in data.names:
        raise UnknownCountryError(code, [])
    return data.names[code.upper()]


def country_flag(code: str) -> str:
    """Return the flag emoji (two regional-indicator symbols) for an ISO2 code."""
    country_name(code)  # validates the code
    return "".join(chr(0x1F1E6 + ord(ch) - ord("A")) for ch in code.upper())


def all_countries() -> list[tuple[str, str]]:
    """Return (ISO2, common name) for every known country, sorted by name."""
    return sorted(load_gazetteer().names.items(), key=lambda item: (item[1], item[0]))
