"""Tests for news.similarity.salient_words: the fast keyword pick equals scoring every key."""

from __future__ import annotations

import random
from collections import Counter

from news.similarity.salient_words import _keys, _top_by_score, raw_tokens, top_keywords

VOCABULARY = (
    "talks Talks talk minister Minister ministers rates Rate cut cuts bank Banks the The of said "
    "Kenya kenya Nairobi inflation Inflation shilling dollar fuel prices price Price governor "
    "it's Russia's don't aid Aid water rivers River flood floods"
)


def _reference(text: str, top: int) -> frozenset[str]:
    """Score every key and keep the best (the definition)."""
    raw = raw_tokens(text)
    keys = _keys(raw)
    counts = Counter(keys)
    del counts[None]
    return _top_by_score(raw, keys, counts, top)


def test_top_keywords_equal_scoring_every_key_on_tied_counts() -> None:
    # Few distinct words and short texts make many keys tie at the cut, capitalised or not.
    rng, words = random.Random(11), VOCABULARY.split()
    for n in range(400):
        text = " ".join(rng.choice(words) for _ in range(rng.randint(5, 120)))
        for top in (1, 3, 5, 15):
            assert top_keywords(raw_tokens(text), top) == _reference(text, top), (n, top, text)
