"""Load and compile the gazetteer (data/countries.json, places.json, leaders.json) once per process."""

from __future__ import annotations

import functools
import json
import logging
import os
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from itertools import groupby
from operator import itemgetter
from pathlib import Path

logger = logging.getLogger(__name__)

DATA_PATH = Path(__file__).resolve().parent / "data" / "countries.json"
PLACES_PATH = Path(__file__).resolve().parent / "data" / "places.json"
LEADERS_PATH = Path(__file__).resolve().parent / "data" / "leaders.json"
KINDS = ("names", "demonyms", "capitals", "institutions")
BLOCKED = ""  # surface target of a blocker phrase ("Indian Ocean"): matched, tagged as nothing
PLACE = "@"  # surface target of a capital whose namesakes abroad make it a place to decide
MAX_PLACE_WORDS = 5  # the longest place name in words ("Newcastle upon Tyne" is three)
_FIRST_TOKEN = re.compile(r"[A-Z][a-z]+|.")  # as places.place_keys cuts "St. Louis", "LaSalle"


@dataclass(frozen=True, slots=True)
class Place:
    """A sub-national place name (or a capital with namesakes): its countries and its doubts."""

    candidates: tuple[str, ...]  # ISO2 codes by prominence
    owner: str | None  # the candidate that outweighs the others together; None: context decides
    risky: bool  # a district, a town abroad, or word (below): counts only in context
    word: bool  # also a common word or a person's name: counts only where the text places it
    given_name: bool  # also a common first name ("Florence", "Tyler")
    minor: bool  # a small town: a capitalised word after it makes a name ("Eden Hazard")


@dataclass(frozen=True, slots=True)
class ContextRule:
    """Drop an alias's mentions when the item has more signals against it than for it."""

    aliases: frozenset[str]
    against: tuple[re.Pattern[str], ...]
    support: tuple[re.Pattern[str], ...]
    namesake: str | None  # the country the aliases then stand for ("Georgia" the US state)


@dataclass(frozen=True, slots=True)
class Term:
    """One term of an office holder: the office and its dates (end None: still in office)."""

    office: str
    start: date
    end: date | None


@dataclass(frozen=True, slots=True)
class Leader:
    """A head of state or government, with the country and terms the strong forms stand for."""

    country: str
    surnames: tuple[str, ...]  # the short forms written after a title ("Obama")
    terms: tuple[Term, ...]
    bare: bool  # the surname alone names the leader once a strong form has ("Obama said")
    unique: bool  # every leader with one of these surnames is of the same country


@dataclass(frozen=True, slots=True)
class Holders:
    """Office holders as country signals (data/leaders.json), compiled for leaders.py."""

    pattern: re.Pattern[str] | None  # every strong form and unnamed office, longest first
    forms: dict[str, tuple[tuple[int, str, str], ...]]  # form -> (leader, kind, office or country)
    people: tuple[Leader, ...]


# Kinds of strong forms: a full name, a title and a surname, "President-elect X", "the X
# administration", and a title that only one country uses ("Interior Secretary", no leader).
NAME, TITLE, ELECT, GROUP, OFFICE = "name", "title", "elect", "group", "office"
NO_HOLDERS = Holders(None, {}, ())


@dataclass(frozen=True, slots=True)
class Gazetteer:
    """Everything the tagger and the lookups need, compiled from countries.json."""

    names: dict[str, str]
    alpha3: dict[str, str]
    surface: dict[str, str]  # surface form -> ISO2, BLOCKED, or an ambiguous form
    ambiguous: dict[str, tuple[str, ...]]
    pattern: re.Pattern[str]
    person_risk: frozenset[str]
    upper_aliases: frozenset[str]
    rules: tuple[ContextRule, ...]
    hints: dict[str, tuple[re.Pattern[str], ...]]
    places: dict[str, Place]  # looked up by words, and the contested capitals (PLACE above)
    namesakes: dict[str, Place]  # capitals that own their name, for "London, Ontario"
    place_words: dict[str, int]  # first word of a multi-word place -> most words after it
    second_words: dict[str, frozenset[str]]  # first word -> the words that may follow it
    place_keys: frozenset[str]  # the capitalised word each place form starts with ("St", "New")
    # ... unless it is a country alias: the aliases' regex finds those ("Washington County").
    alias_place_words: frozenset[str]
    place_prefixes: frozenset[str]  # keys that start only longer forms ("New", "Port")
    word_keys: frozenset[str]  # keys that are a word place and start no longer form ("Mobile")
    regions: dict[str, tuple[str, ...]]  # "Texas", "Ontario", "Calif." -> countries ("City, Region")
    abbreviated: re.Pattern[str] | None  # ", Calif." and the other one-country AP abbreviations
    demonyms: frozenset[str]
    capitals: frozenset[str]
    institutions: frozenset[str]  # bodies and landmarks: they name a place in the country
    first_names: frozenset[str]
    surnames: frozenset[str]
    leaders: Holders = NO_HOLDERS


def normalise_key(text: str) -> str:
    """Fold a country name for lookups: no accents, case, dots or leading "the"."""
    folded = unicodedata.normalize("NFKD", text.replace("’", "'"))
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch)).casefold()
    # Dots vanish ("u.s." -> "us"); other punctuation splits words ("d'ivoire" -> "d ivoire").
    folded = " ".join(re.sub(r"[^\w\s]", " ", folded.replace(".", "")).split())
    return folded[4:] if folded.startswith("the ") else folded


def _trie_regex(forms: list[str]) -> str:
    """Compile surface forms into one prefix-trie regex that prefers the longest form.

    Each top-level branch starts with its literal first character, so the regex engine can skip
    to candidate characters instead of trying the whole trie at every position; the check that
    no word character comes before the match follows that character as a lookbehind.
    """
    branches = []
    for ch, group in groupby(sorted({f for f in forms if f}), key=itemgetter(0)):
        if ch.isspace():
            raise ValueError(f"a surface form starts with whitespace ({ch!r})")
        head = re.escape(ch) + rf"(?<!\w{re.escape(ch)})"
        branches.append(head + _alternatives([f[1:] for f in group], ch))
    return _either(branches)


def _alternatives(suffixes: list[str], prev: str) -> str:
    """Render sorted suffixes that follow *prev*: longer ones first, the end of a form last."""
    branches, ends_here = [], False
    for ch, group in groupby(suffixes, key=lambda s: s[:1]):
        if not ch:
            ends_here = True
            continue
        group = list(group)
        stem = os.path.commonprefix(group)  # chains without branching render as one literal
        rest = [s[len(stem) :] for s in group]
        tail = _end(stem[-1]) if rest == [""] else _alternatives(rest, stem[-1])
        branches.append(_literal(stem) + tail)
    if ends_here:
        branches.append(_end(prev))
    return _either(branches)


def _literal(text: str) -> str:
    """Escape a piece of a surface form; a space matches any run of whitespace."""
    return re.escape(text).replace("\\ ", r"\s+")  # re.escape writes a space as "\ "


def _end(last: str) -> str:
    """Return what must follow a form ending in *last*: a word boundary after a word character."""
    return r"\b" if last.isalnum() or last == "_" else ""


def _either(branches: list[str]) -> str:
    """Join regex alternatives, grouped when there is more than one."""
    return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"


def _load_surface(doc: dict) -> dict[str, str]:
    """Map every surface form to its country, its ambiguity key, or BLOCKED."""
    surface = {f: code for code, r in doc["countries"].items() for k in KINDS for f in r[k]}
    surface.update({form: form for form in doc["ambiguous"]})
    surface.update({form: BLOCKED for form in doc["blockers"]})
    return surface


def _load_lookup(doc: dict) -> dict[str, str]:
    """Map normalised ISO names, names and demonyms to ISO2 for resolve_country."""
    lookup: dict[str, str] = {}
    ambiguous = {normalise_key(a) for a in doc["ambiguous"]}
    for code, record in sorted(doc["countries"].items()):
        for form in [record["name"], *record["iso_names"], *record["names"], *record["demonyms"]]:
            key = normalise_key(form)
            if key not in ambiguous:
                lookup.setdefault(key, code)
    return lookup


def _load_rules(doc: dict) -> tuple[ContextRule, ...]:
    """Compile the context rules (Georgia the country vs the US state)."""
    return tuple(
        ContextRule(
            aliases=frozenset(rule["aliases"]),
            against=tuple(re.compile(p) for p in rule["against"]),
            support=tuple(re.compile(p) for p in rule["for"]),
            namesake=rule.get("namesake"),
        )
        for rule in doc["context_rules"].values()
    )


def _parse_codes(codes: str) -> tuple[tuple[str, ...], str | None]:
    """Read "GB>US" (GB owns the name), "GB US" (no owner) or "US" into candidates and owner."""
    owner, owned, rest = codes.partition(">")
    if owned:
        return (owner, *rest.split()), owner
    candidates = tuple(codes.split())
    return candidates, candidates[0] if len(candidates) == 1 else None


def _load_places(doc: dict) -> dict[str, Place]:
    """Build form -> Place from places.json; forms with the same facts share one Place."""
    if not doc:
        return {}
    given = frozenset(doc["given_names"])
    groups = doc["places"]
    shared_doubts = doc["shared_doubts"]
    facts: dict[tuple[str, str, bool], Place] = {}
    places: dict[str, Place] = {}

    def add(form: str, codes: str, kind: str) -> None:
        key = (codes, kind, form in given)
        place = facts.get(key)
        if place is None:
            place = facts[key] = Place(
                *_parse_codes(codes), kind in ("risky", "word"), kind == "word", form in given, kind == "minor"
            )
        places[form] = place

    for kind in ("firm", "minor", "risky", "word"):
        for code, forms in groups[kind].items():
            for form in forms.split("|"):
                add(form, code, kind)
    for form, codes in groups["shared"].items():
        add(form, codes, shared_doubts.get(form, "firm"))
    return places


def _merge_places(
    surface: dict[str, str], places: dict[str, Place]
) -> tuple[dict[str, Place], dict[str, Place]]:
    """Split places into those the tagger decides and the namesakes of capitals that own them.

    A capital that does not own its name ("Wellington": also towns in England and Florida)
    becomes a place to decide (PLACE in the surface map), and so does a blocker that is a firm
    place ("New South Wales"); a capital that owns its name ("London") stays a country alias,
    its namesakes kept for "City, Region" ("London, Ontario").
    """
    decided: dict[str, Place] = {}
    namesakes: dict[str, Place] = {}
    for form, place in places.items():
        target = surface.get(form)
        if target is None:
            decided[form] = place
        elif target == BLOCKED:
            if not place.risky and place.owner:
                surface[form] = PLACE
                decided[form] = place
        elif place.owner == target:
            namesakes[form] = place
        else:
            surface[form] = PLACE
            decided[form] = place
    return decided, namesakes


def _place_words(places: dict[str, Place]) -> dict[str, int]:
    """Map the first word of each multi-word place to the most words such a place has."""
    out: dict[str, int] = {}
    for form in places:
        words = form.split(" ")
        if len(words) > 1:
            out[words[0]] = min(MAX_PLACE_WORDS, max(out.get(words[0], 0), len(words)))
    return out


def _second_words(places: dict[str, Place]) -> dict[str, frozenset[str]]:
    """Map the first word of each multi-word place to the words that follow it in some place."""
    out: dict[str, set[str]] = {}
    for form in places:
        first, _, rest = form.partition(" ")
        if rest:
            out.setdefault(first, set()).add(rest.partition(" ")[0])
    return {first: frozenset(seconds) for first, seconds in out.items()}


def _abbreviation_regex(abbreviations: dict[str, str]) -> re.Pattern[str] | None:
    """Compile ", Calif." for the dotted abbreviations of one country's regions (None if none).

    Dotted forms only: a bare postal code after a name is often a title ("Jane Roe, MD").
    The regex starts with the comma, so a search skips along the text to commas.
    """
    forms = sorted((f for f, codes in abbreviations.items() if f.endswith(".") and " " not in codes), key=len)
    if not forms:
        return None
    alternatives = "|".join(re.escape(f) for f in reversed(forms))
    return re.compile(rf",[ \t]+({alternatives})(?![\w.])")


@functools.cache
def _places_document() -> dict:
    """Read places.json once per process ({} when absent: countries alone still work)."""
    if not PLACES_PATH.exists():
        logger.warning("%s not found: sub-national places are not tagged", PLACES_PATH)
        return {}
    return json.loads(PLACES_PATH.read_text(encoding="utf-8"))


def _leader_forms(doc: dict, index: int, person: dict) -> list[tuple[str, tuple[int, str, str]]]:
    """Return one leader's strong forms: full names, titled surnames, "-elect" and groups."""
    titles, elect = doc["titles"], set(doc["elect"])
    surnames = person["surnames"]
    out = [(name, (index, NAME, "")) for name in person["names"]]
    for office in {term[0] for term in person["terms"]}:
        for title in titles[office]:
            out += [(f"{title} {s}", (index, TITLE, office)) for s in surnames]
            if office in elect:
                out += [(f"{title}-elect {s}", (index, ELECT, office)) for s in surnames]
    # Not after a lowercase particle ("al-Assad regime"): the regex would try every "a" of a text.
    for word in doc["forms"]:
        out += [(f"{s}{own} {word}", (index, GROUP, "")) for s in surnames if s[0].isupper() for own in ("", "'s")]
    return out


def _load_leaders(doc: dict) -> Holders:
    """Compile leaders.json: the people, their strong forms and one regex for them all."""
    if not doc:
        return NO_HOLDERS
    people = doc["leaders"]
    countries: dict[str, set[str]] = {}
    for person in people:
        for surname in person["surnames"]:
            countries.setdefault(surname, set()).add(person["country"])
    leaders = tuple(
        Leader(
            country=p["country"],
            surnames=tuple(p["surnames"]),
            terms=tuple(Term(o, date.fromisoformat(s), e and date.fromisoformat(e)) for o, s, e in p["terms"]),
            bare=p.get("bare", True),
            unique=all(len(countries[s]) == 1 for s in p["surnames"]),
        )
        for p in people
    )
    forms: dict[str, set[tuple[int, str, str]]] = {}
    for index, person in enumerate(people):
        for form, entry in _leader_forms(doc, index, person):
            forms.setdefault(form, set()).add(entry)
    for code, offices in doc["offices"].items():
        for office in offices:
            forms.setdefault(office, set()).add((-1, OFFICE, code))
    pattern = re.compile(_trie_regex(list(forms)))
    return Holders(pattern, {form: tuple(sorted(e)) for form, e in forms.items()}, leaders)


@functools.cache
def _leaders_document() -> dict:
    """Read leaders.json once per process ({} when absent: no office holders are tagged)."""
    if not LEADERS_PATH.exists():
        logger.warning("%s not found: office holders are not tagged", LEADERS_PATH)
        return {}
    return json.loads(LEADERS_PATH.read_text(encoding="utf-8"))


@functools.cache
def _document() -> dict:
    """Read countries.json once per process."""
    return json.loads(DATA_PATH.read_text(encoding="utf-8"))


@functools.cache
def load_lookup() -> dict[str, str]:
    """Return normalised name -> ISO2 for resolve_country, built on first use."""
    # Kept out of load_gazetteer: the ingest path never needs it, and folding every name costs.
    return _load_lookup(_document())


@functools.cache
def load_gazetteer() -> Gazetteer:
    """Load and compile the gazetteer once per process."""
    doc, places_doc = _document(), _places_document()
    surface = _load_surface(doc)
    all_places = _load_places(places_doc)
    # The trie holds the country aliases only; places are looked up by words (see the tagger).
    pattern = re.compile(_trie_regex(list(surface)))
    places, namesakes = _merge_places(surface, all_places)
    countries = doc["countries"]
    words = _place_words(places)
    keys = frozenset(_FIRST_TOKEN.match(form).group() for form in places)
    alias_keys = frozenset(k for k in keys if surface.get(k) not in (None, BLOCKED))
    keys -= alias_keys
    regions = {form: tuple(codes.split()) for form, codes in places_doc.get("regions", {}).items()}
    abbreviations = places_doc.get("region_abbreviations", {})
    regions.update((form, tuple(codes.split())) for form, codes in abbreviations.items())
    return Gazetteer(
        names={code: r["name"] for code, r in countries.items()},
        alpha3={r["alpha3"]: code for code, r in countries.items()},
        surface=surface,
        ambiguous={k: tuple(v) for k, v in doc["ambiguous"].items()},
        pattern=pattern,
        person_risk=frozenset(doc["person_risk"]),
        upper_aliases=frozenset(f for f in surface if f.isupper() and f.isalpha()),
        rules=_load_rules(doc),
        hints={c: tuple(re.compile(p) for p in ps) for c, ps in doc["hints"].items()},
        places=places,
        namesakes=namesakes,
        place_words=words,
        second_words=_second_words(places),
        place_keys=keys,
        alias_place_words=frozenset(w for w in words if w in alias_keys),
        place_prefixes=frozenset(k for k in keys if k not in places),
        word_keys=frozenset(k for k in keys if k in places and places[k].word and k not in words),
        regions=regions,
        abbreviated=_abbreviation_regex(abbreviations),
        demonyms=frozenset(f for r in countries.values() for f in r["demonyms"]),
        capitals=frozenset(f for r in countries.values() for f in r["capitals"]),
        institutions=frozenset(f for r in countries.values() for f in r["institutions"]),
        first_names=frozenset(places_doc.get("first_names", ())),
        surnames=frozenset(places_doc.get("surnames", ())),
        leaders=_load_leaders(_leaders_document()),
    )
