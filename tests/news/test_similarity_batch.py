"""The vectorised scorer agrees with same_story pair for pair."""

from __future__ import annotations

import random
from datetime import date, timedelta

import numpy as np
import pytest

from news.similarity.batch import (
    best_per_column,
    equal_slots,
    feature_matrix,
    pair_scores,
    shared_counts,
    shortlist,
    stack,
)
from news.similarity.features import NUM_PERM, StoryFeatures, features_for, same_story

WORDS = ["grain", "export", "talks", "port", "minister", "budget", "rail", "strike", "court", "election", "vote", "loan", "bank", "drought", "harvest", "border", "troops", "summit", "tariff", "deal"]
COUNTRIES = ("IN", "RU", "CN", "BR", "KE")


def _random_features(rng: random.Random) -> StoryFeatures:
    body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 60)))
    title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 6)))
    day = None if rng.random() < 0.2 else date(2025, 3, 1) + timedelta(days=rng.randint(0, 9))
    codes = rng.sample(COUNTRIES, rng.randint(0, 2))
    return features_for(title, body, day, codes)


def _near_copy(rng: random.Random, base: StoryFeatures) -> StoryFeatures:
    """Return features whose signature differs from *base* in a few slots (a near-duplicate)."""
    sig = list(base.signature)
    for slot in rng.sample(range(len(sig)), rng.randint(0, 20)):
        sig[slot] = rng.randrange(2**32 - 5)
    return StoryFeatures(base.title_tokens, tuple(sig), base.published, base.countries,
                         base.keywords, base.word_count)


def _all_pairs(n: int, m: int) -> tuple[np.ndarray, np.ndarray]:
    rows, cols = np.meshgrid(np.arange(n), np.arange(m), indexing="ij")
    return rows.ravel(), cols.ravel()


def test_scores_match_same_story_pair_for_pair():
    rng = random.Random(3)
    stored = [_random_features(rng) for _ in range(120)]
    new = [_random_features(rng) for _ in range(10)] + [_near_copy(rng, s) for s in stored[:10]]
    matrix, queries = feature_matrix(stored), feature_matrix(new)
    rows, cols = _all_pairs(len(stored), len(new))
    scores, _ = pair_scores(matrix, queries, rows, cols, shared_counts(matrix, queries))
    expected = [same_story(new[c], stored[r]) for r, c in zip(rows, cols, strict=True)]
    assert scores == pytest.approx(expected, abs=1e-9)


def test_stacked_parts_score_like_one_matrix():
    rng = random.Random(5)
    stored = [_random_features(rng) for _ in range(30)]
    new = feature_matrix([_random_features(rng) for _ in range(3)])
    whole = feature_matrix(stored)
    parts = stack([feature_matrix(stored[:11]), feature_matrix(stored[11:])])
    rows, cols = _all_pairs(30, 3)
    a, _ = pair_scores(whole, new, rows, cols, shared_counts(whole, new))
    b, _ = pair_scores(parts, new, rows, cols, shared_counts(parts, new))
    assert a == pytest.approx(b)


def test_best_per_column_picks_each_columns_top_pair():
    rows = np.array([0, 1, 2, 0, 1])
    cols = np.array([0, 0, 0, 2, 2])
    scores = np.array([0.2, 0.9, 0.5, 0.7, 0.1])
    assert best_per_column(rows, cols, scores) == [(0, 1, 1), (2, 0, 3)]
    assert best_per_column(rows[:0], cols[:0], scores[:0]) == []


def test_shortlist_keeps_each_items_best_worded_pairs():
    rng = random.Random(9)
    stored = [_random_features(rng) for _ in range(80)]
    new = [_random_features(rng) for _ in range(4)]
    matrix, queries = feature_matrix(stored), feature_matrix(new)
    shared = shared_counts(matrix, queries)
    rows, cols = _all_pairs(80, 4)
    kept_rows, kept_cols = shortlist(matrix, queries, rows, cols, shared, 5)
    assert np.bincount(kept_cols).tolist() == [5, 5, 5, 5]
    for c in range(4):
        words = [0.3 * _dice(new[c].title_tokens, s.title_tokens)
                 + 0.4 * _overlap(new[c].keywords, s.keywords) for s in stored]
        fifth_best = sorted(words, reverse=True)[4]
        assert all(words[r] >= fifth_best - 1e-12 for r in kept_rows[kept_cols == c])


def _dice(a, b):
    return 2 * len(a & b) / (len(a) + len(b)) if a and b else 0.0


def _overlap(a, b):
    return len(a & b) / min(len(a), len(b)) if a and b else 0.0


def test_equal_slots_counts_like_a_plain_comparison_across_blocks():
    rng = np.random.default_rng(8)
    stored = rng.integers(0, 4, size=(300, NUM_PERM), dtype=np.uint32)  # few values: many equal
    new = rng.integers(0, 4, size=(7, NUM_PERM), dtype=np.uint32)
    new[0] = stored[5]  # every slot equal
    new[1] = stored[6] + 9  # none equal
    rows = rng.integers(0, 300, size=5000)  # more pairs than one work block
    cols = rng.integers(0, 7, size=5000)
    rows[:2], cols[:2] = [5, 6], [0, 1]
    expected = (stored[rows] == new[cols]).sum(axis=1)
    got = equal_slots(stored, new, rows, cols)
    assert got.tolist() == expected.tolist()
    assert got[:2].tolist() == [NUM_PERM, 0]
    assert equal_slots(stored, new, rows[:0], cols[:0]).tolist() == []
