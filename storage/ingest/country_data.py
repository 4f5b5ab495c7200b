"""Load and compile the country gazetteer (storage/data/countries.json) once per process."""

from __future__ import annotations

import functools
import json
import logging
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

DATA_PATH = Path(__file__).resolve().parents[1] / "data" / "countries.json"
KINDS = ("names", "demonyms", "capitals", "institutions")
BLOCKED = ""  # surface target of a blocker phrase ("Indian Ocean"): matched, tagged as nothing


@dataclass(frozen=True, slots=True)
class ContextRule:
    """Drop an alias's mentions when the item has more signals against it than for it."""

    aliases: frozenset[str]
    against: tuple[re.Pattern[str], ...]
    support: tuple[re.Pattern[str], ...]


@dataclass(frozen=True, slots=True)
class Gazetteer:
    """Everything the tagger and the lookups need, compiled from countries.json."""

    names: dict[str, str]
    alpha3: dict[str, str]
    surface: dict[str, str]  # surface form -> ISO2, BLOCKED, or an ambiguous form
    ambiguous: dict[str, tuple[str, ...]]
    lookup: dict[str, str]  # normalised name -> ISO2
    pattern: re.Pattern[str]
    person_risk: frozenset[str]
    upper_aliases: frozenset[str]
    rules: tuple[ContextRule, ...]
    hints: dict[str, tuple[re.Pattern[str], ...]]


def normalise_key(text: str) -> str:
    """Fold a country name for lookups: no accents, case, dots or leading "the"."""
    folded = unicodedata.normalize("NFKD", text.replace("’", "'"))
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch)).casefold()
    # Dots vanish ("u.s." -> "us"); other punctuation splits words ("d'ivoire" -> "d ivoire").
    folded = " ".join(re.sub(r"[^\w\s]", " ", folded.replace(".", "")).split())
    return folded[4:] if folded.startswith("the ") else folded


def _trie_regex(forms: list[str]) -> str:
    """Compile surface forms into one prefix-trie regex, longest alternative first."""
    trie: dict = {}
    for form in forms:
        node = trie
        for ch in form:
            node = node.setdefault(ch, {})
        node[""] = {}
    return _node_regex(trie, "")


def _node_regex(node: dict, prev: str) -> str:
    """Render one trie node; a terminal ending in a word character needs a word boundary."""
    branches = [
        (r"\s+" if ch == " " else re.escape(ch)) + _node_regex(child, ch)
        for ch, child in sorted(node.items())
        if ch
    ]
    if "" in node:
        branches.append(r"(?!\w)" if (prev.isalnum() or prev == "_") else "")
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
        )
        for rule in doc["context_rules"].values()
    )


@functools.cache
def load_gazetteer() -> Gazetteer:
    """Load and compile the gazetteer once per process."""
    doc = json.loads(DATA_PATH.read_text(encoding="utf-8"))
    surface = _load_surface(doc)
    countries = doc["countries"]
    return Gazetteer(
        names={code: r["name"] for code, r in countries.items()},
        alpha3={r["alpha3"]: code for code, r in countries.items()},
        surface=surface,
        ambiguous={k: tuple(v) for k, v in doc["ambiguous"].items()},
        lookup=_load_lookup(doc),
        pattern=re.compile(r"(?<!\w)" + _trie_regex(sorted(surface))),
        person_risk=frozenset(doc["person_risk"]),
        upper_aliases=frozenset(f for f in surface if f.isupper() and f.isalpha()),
        rules=_load_rules(doc),
        hints={c: tuple(re.compile(p) for p in ps) for c, ps in doc["hints"].items()},
    )
