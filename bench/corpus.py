"""Generate synthetic news documents for benchmarks (our own words, a fixed random seed)."""

from __future__ import annotations

import random
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


def newsletter(rng: random.Random, stories: int, start: date) -> str:
    """Return a newsletter with *stories* stories."""
    parts = [f"Synthetic Weekly\n\nIssue {rng.randint(1, 999)}"]
    for n in range(stories):
        parts.append(story(rng, start + timedelta(days=n % 7)))
    return "\n\n".join(parts) + "\n"
