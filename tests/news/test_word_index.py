"""Shared-word counting over coded word sets agrees with plain set intersections."""

from __future__ import annotations

import random
from datetime import date

import numpy as np

from news.similarity.batch import feature_matrix, shared_counts, shortlist
from news.similarity.features import StoryFeatures, features_for
from news.similarity.word_index import (
    CodedSets,
    _bit_fields,
    coded,
    count_shared,
    merge_coded,
    namespaced,
    word_sets,
)
from storage.ingest.story_window import DayBucket, Entry, _encode_pending, stack_windows

WORDS = [f"w{i}" for i in range(30)]


def _rows(rng: random.Random, n: int) -> list[set[str]]:
    return [set(rng.sample(WORDS, rng.randint(0, 8))) for _ in range(n)]


def _decode(sets: CodedSets) -> list[list[int]]:
    words = sets.vocab[sets.codes]
    return [sorted(words[a:b].tolist()) for a, b in zip(sets.indptr[:-1], sets.indptr[1:], strict=True)]


def test_counts_per_namespace_match_set_intersections():
    rng = random.Random(1)
    stored = [_rows(rng, 40), _rows(rng, 40)]  # two namespaces
    new = [_rows(rng, 7), _rows(rng, 7)]
    words = namespaced([word_sets(k) for k in stored])
    parts = [coded(words.rows(0, 15)), coded(words.rows(15, 15)), coded(words.rows(15, 40))]
    shared = count_shared(parts, namespaced([word_sets(k) for k in new]), 2)
    rows, cols = np.nonzero(np.ones((40, 7), dtype=bool))
    for k in range(2):
        expected = [len(stored[k][r] & new[k][c]) for r, c in zip(rows, cols, strict=True)]
        assert shared.at(k, rows, cols).tolist() == expected
        assert (shared.any(k)[rows, cols] == (np.array(expected) > 0)).all()


def test_one_namespace_and_no_stored_rows():
    rng = random.Random(2)
    new = word_sets(_rows(rng, 3))
    assert count_shared([], new).packed[0].shape == (0, 3)
    stored = _rows(rng, 5)
    shared = count_shared([coded(word_sets(stored))], new)
    assert shared.any(0).shape == (5, 3)


def test_fields_too_wide_for_one_sum_go_into_groups():
    assert _bit_fields([5, 4, 3]) == [(0, 0, 31), (0, 5, 15), (0, 9, 7)]
    assert _bit_fields([30, 30]) == [(0, 0, 2**30 - 1), (1, 0, 2**30 - 1)]


def test_coded_rows_and_merge_keep_the_words():
    rng = random.Random(3)
    sets = word_sets(_rows(rng, 20))
    whole = coded(sets)
    merged = merge_coded([whole.rows(0, 6), coded(sets.rows(6, 20))])
    assert _decode(merged) == _decode(whole)
    assert _decode(whole.rows(3, 9)) == _decode(whole)[3:9]


def _old_shortlist(words: np.ndarray, rows: np.ndarray, cols: np.ndarray, per_item: int):
    order = np.lexsort((-words, cols))
    starts = np.flatnonzero(np.diff(cols[order], prepend=-1))
    rank = np.arange(len(order)) - np.repeat(starts, np.diff(np.append(starts, len(order))))
    keep = order[rank < per_item]
    return rows[keep], cols[keep]


def test_shortlist_equals_a_full_sort_with_ties():
    rng = random.Random(4)
    few = ["a", "b", "c"]  # few words: many equal scores, so ties decide
    stored = [features_for(" ".join(rng.sample(few, rng.randint(0, 3))), "", None, ())
              for _ in range(60)]
    new = [features_for(" ".join(rng.sample(few, rng.randint(1, 3))), "", None, ()) for _ in range(5)]
    matrix, queries = feature_matrix(stored), feature_matrix(new)
    shared = shared_counts(matrix, queries)
    cols, rows = np.nonzero(np.array([[rng.random() < 0.7 for _ in range(60)] for _ in range(5)]))
    for per_item in (1, 4, 100):
        got = shortlist(matrix, queries, rows, cols, shared, per_item)
        title, keyword = _ratios(stored, new, rows, cols)
        expected = _old_shortlist(0.3 * title + 0.4 * keyword, rows, cols, per_item)
        assert [a.tolist() for a in got] == [a.tolist() for a in expected]


def _ratios(stored: list[StoryFeatures], new: list[StoryFeatures], rows, cols):
    title = [2 * len(stored[r].title_tokens & new[c].title_tokens)
             / (len(stored[r].title_tokens) + len(new[c].title_tokens) or 1)
             for r, c in zip(rows, cols, strict=True)]
    keyword = [len(stored[r].keywords & new[c].keywords)
               / (min(len(stored[r].keywords), len(new[c].keywords)) or 1)
               for r, c in zip(rows, cols, strict=True)]
    return np.array(title), np.array(keyword)


def _entry(rng: random.Random, item_id: int) -> Entry:
    features = features_for("port strike", " ".join(rng.sample(WORDS, 10)), None, ("KE",))
    return Entry(item_id, frozenset(rng.sample(["KE", "IN", "RU"], rng.randint(0, 2))), features)


def test_day_parts_and_candidates_match_one_encoding():
    rng = random.Random(5)
    days = [date(2025, 3, d).toordinal() for d in (10, 11, 14)]
    buckets, single = [DayBucket(d) for d in days], [DayBucket(d) for d in days]
    item_id, entries = 0, {}
    for _ in range(12):  # many small additions: parts, merged past MAX_PARTS
        for bucket, twin in zip(buckets, single, strict=True):
            for _ in range(rng.randint(0, 3)):
                entry = entries[item_id] = _entry(rng, item_id := item_id + 1)
                bucket.add(entry)
                twin.add(entry)
        _encode_pending(buckets)
    _encode_pending(single)
    many = stack_windows([p for b in buckets for p in b.parts])
    one = stack_windows([p for b in single for p in b.parts])
    assert many.ids.tolist() == one.ids.tolist()
    about = word_sets([{"KE"}, {"IN", "RU"}, set()])
    new_days = np.array([days[0], days[2], days[1]], dtype=np.int64)
    pairs = many.candidates(about, new_days)
    assert [p.tolist() for p in pairs] == [p.tolist() for p in one.candidates(about, new_days)]
    day_of = np.repeat(days, [len(b) for b in buckets])
    expected = [(r, c) for c in range(3) for r in range(len(many.ids))
                if abs(day_of[r] - new_days[c]) <= 2
                and entries[int(many.ids[r])].about & [{"KE"}, {"IN", "RU"}, set()][c]]
    assert list(zip(pairs[0].tolist(), pairs[1].tolist(), strict=True)) == expected
