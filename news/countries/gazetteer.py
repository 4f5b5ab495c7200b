"""Load and compile the country gazetteer (news/countries/data/countries.json) once per process."""

from __future__ import annotations

import functools
import json
import logging
import os
import re
import unicodedata
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter
from pathlib import Path

logger = logging.getLogger(__name__)

DATA_PATH = Path(__file__).resolve().parent / "data" / "countries.json"
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
        )
        for rule in doc["context_rules"].values()
    )


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
    doc = _document()
    surface = _load_surface(doc)
    countries = doc["countries"]
    return Gazetteer(
        names={code: r["name"] for code, r in countries.items()},
        alpha3={r["alpha3"]: code for code, r in countries.items()},
        surface=surface,
        ambiguous={k: tuple(v) for k, v in doc["ambiguous"].items()},
        pattern=re.compile(_trie_regex(list(surface))),
        person_risk=frozenset(doc["person_risk"]),
        upper_aliases=frozenset(f for f in surface if f.isupper() and f.isalpha()),
        rules=_load_rules(doc),
        hints={c: tuple(re.compile(p) for p in ps) for c, ps in doc["hints"].items()},
    )
