"""Build news/countries/data/countries.json from pycountry plus the hand-written alias table.

pycountry is a build-time dependency only: the runtime tagger reads the generated JSON.
Run: .venv/bin/python scripts/build_countries.py [--check]
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import unicodedata
from pathlib import Path
from typing import Any

import pycountry

logger = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parents[1] / "news" / "countries" / "data"
ALIASES_PATH = DATA_DIR / "country_aliases.json"
OUTPUT_PATH = DATA_DIR / "countries.json"
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


def render(document: dict[str, Any]) -> str:
    """Serialise the gazetteer deterministically (sorted keys, stable lists)."""
    return json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write countries.json, or with --check report whether it is up to date."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="only compare, do not write")
    parser.add_argument("--output", type=Path, default=OUTPUT_PATH)
    args = parser.parse_args(argv)
    text = render(build(json.loads(ALIASES_PATH.read_text(encoding="utf-8"))))
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        print("up to date" if current == text else "countries.json is stale")
        return 0 if current == text else 1
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
