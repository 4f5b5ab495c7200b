"""Synthetic news bodies for the benchmarks: invented words and names, fixed seed."""

from __future__ import annotations

import random

_SUBJECTS = [
    "The finance minister", "Officials in the capital", "The U.S. envoy", "Dr. Amara Osei",
    "A spokesperson for Northwind Corp.", "Gen. Ilse Varga", "Local residents", "The committee",
    "Analysts at the central bank", "Sen. Tomas Reyes", "The regional governor", "Union leaders",
]
_VERBS = [
    "announced", "rejected", "welcomed", "questioned", "delayed", "approved", "criticised",
    "defended", "proposed", "reviewed",
]
_OBJECTS = [
    "a plan to expand the port", "new limits on grain exports", "the draft budget for next year",
    "talks on the border dispute", "a $1.2bn loan from regional lenders",
    "the decision to raise fuel prices by 2.5 per cent", "a ceasefire proposal",
    "a review of the election rules", "the merger of two state airlines",
]
_TAILS = [
    "on Tuesday", "after weeks of debate", "in a statement on Jan. 5", "despite strong protests",
    "according to people familiar with the matter", "ahead of the summit", "at a press briefing",
]
_QUOTES = [
    '"We will not accept this," she said.', '"The numbers speak for themselves," he told reporters.',
    "“This is only the beginning,” the minister added.",
]


def make_sentence(rng: random.Random) -> str:
    """Return one invented news sentence."""
    if rng.random() < 0.12:
        return rng.choice(_QUOTES)
    parts = [rng.choice(_SUBJECTS), rng.choice(_VERBS), rng.choice(_OBJECTS), rng.choice(_TAILS)]
    return " ".join(parts) + "."


def make_body(rng: random.Random, min_chars: int = 500, max_chars: int = 6000) -> str:
    """Return an invented article body of roughly min_chars..max_chars, in paragraphs."""
    target = rng.randint(min_chars, max_chars)
    paragraphs: list[str] = []
    size = 0
    while size < target:
        para = " ".join(make_sentence(rng) for _ in range(rng.randint(1, 4)))
        paragraphs.append(para)
        size += len(para) + 2
    return "\n\n".join(paragraphs)


def make_corpus(items: int, seed: int = 42) -> list[tuple[str, str]]:
    """Return (title, body) pairs generated from a fixed seed."""
    rng = random.Random(seed)
    return [(make_sentence(rng).rstrip("."), make_body(rng)) for _ in range(items)]
