"""Generate synthetic news documents for benchmarks (our own words, a fixed random seed)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta

COUNTRIES = [
    "India", "Russia", "China", "Brazil", "Kenya", "Germany", "France", "Japan", "Mexico",
    "Egypt", "Turkey", "Poland", "Vietnam", "Chile", "Nigeria", "Canada", "Serbia", "Iran",
    "Kazakhstan", "Indonesia", "Argentina", "Ukraine", "Spain", "Norway", "Pakistan",
]
CAPITALS = ["New Delhi", "Moscow", "Beijing", "Nairobi", "Berlin", "Paris", "Tokyo", "Kyiv"]
SUBJECTS = ["The government", "The central bank", "A ministry spokesman", "Opposition leaders",
            "Farmers' unions", "The port authority", "Regional officials", "Energy companies"]
VERBS = ["announced", "rejected", "welcomed", "postponed", "approved", "criticised", "proposed"]
OBJECTS = ["a new trade agreement", "the budget plan", "talks on grain exports", "a rail link",
           "fresh sanctions", "the election timetable", "a loan from lenders", "water rights"]
TAILS = ["after weeks of negotiation", "on Tuesday", "despite protests in the capital",
         "according to state media", "in a statement late on Friday", "citing security concerns"]
SOURCES = ["Wire One", "Daily Ledger", "North Post", "Agency Two", "Evening Star"]


def sentence(rng: random.Random) -> str:
    """Return one plausible news sentence."""
    place = rng.choice(COUNTRIES + CAPITALS)
    return (f"{rng.choice(SUBJECTS)} in {place} {rng.choice(VERBS)} {rng.choice(OBJECTS)} "
            f"{rng.choice(TAILS)}, with a figure of {rng.randint(2, 900)} "
            f"{rng.choice(['million', 'tonnes', 'jobs', 'km'])} quoted{rng.randint(0, 99999)}.")


def story(rng: random.Random, day: date) -> str:
    """Return one newsletter story: headline, source line, two or three paragraphs."""
    country = rng.choice(COUNTRIES)
    headline = f"{country} {rng.choice(VERBS)} {rng.choice(OBJECTS)} (report {rng.randint(1, 10**9)})"
    source = f"[{rng.choice(SOURCES)}](#), {day.day} {day.strftime('%B %Y')}"
    paragraphs = [" ".join(sentence(rng) for _ in range(rng.randint(3, 6)))
                  for _ in range(rng.randint(2, 3))]
    return "\n\n".join([headline, source, *paragraphs])


def newsletter(rng: random.Random, stories: int, start: date, spread: int = 7) -> str:
    """Return a newsletter with *stories* stories dated over *spread* days from *start*."""
    parts = [f"Synthetic Weekly\n\nIssue {rng.randint(1, 999)}"]
    for n in range(stories):
        parts.append(story(rng, start + timedelta(days=n % spread)))
    return "\n\n".join(parts) + "\n"


CORPORA = ("steady", "dense")
FIRST_DAY = date(2025, 1, 1)


def ingest_corpus(rng: random.Random, documents: int, per_doc: int, kind: str = "steady",
                  per_day: int = 500) -> Iterator[bytes]:
    """Yield the benchmark's newsletters one at a time (so the corpus does not fill memory).

    steady: time moves on as the store grows, *per_day* items a day, each newsletter telling
    its day and the day before (a store a year old holds a year of news, not a year of news
    on one month). dense: every newsletter covers a week starting on one of 28 days, so the
    items per day grow with the corpus (570 a day at 20,000 items): a stress case for matching.
    """
    docs_per_day = max(1, per_day // per_doc)
    for n in range(documents):
        if kind == "dense":
            yield newsletter(rng, per_doc, FIRST_DAY + timedelta(days=n % 28)).encode()
        else:
            day = FIRST_DAY + timedelta(days=n // docs_per_day)
            yield newsletter(rng, per_doc, day - timedelta(days=1), spread=2).encode()
