"""Score one new item against many stored ones at once: same_story over numpy arrays.

Story matching compares each new item with every recent item about the same countries. Doing
that pair by pair in Python cost milliseconds per item; here the stored side is a set of arrays
(MinHash signatures, sparse word-incidence matrices), so a whole candidate set is scored with a
handful of vectorised operations. The scores equal `same_story` pair for pair (a test checks it).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from news.similarity.features import (
    MAX_DAYS_APART,
    NEAR_DUPLICATE_JACCARD,
    NUM_PERM,
    StoryFeatures,
    is_empty_signature,
)
from news.similarity.word_index import (
    CodedSets,
    SharedCounts,
    WordSets,
    coded,
    count_shared,
    namespaced,
    stack_sets,
    word_sets,
)

_NO_DAY = np.iinfo(np.int64).min  # marks an unknown date
TITLES, KEYWORDS, COUNTRIES = 0, 1, 2  # namespaces of FeatureMatrix.words


@dataclass(slots=True)
class FeatureMatrix:
    """The features of n items as arrays, row i for item i."""

    signatures: np.ndarray  # (n, NUM_PERM) uint32
    empty: np.ndarray  # (n,) bool: no words, so no body similarity
    days: np.ndarray  # (n,) int64 ordinal, _NO_DAY when unknown
    sizes: np.ndarray  # (3, n) int64: how many headline tokens, keywords, countries
    # Headline tokens, keywords and countries, a namespace each (TITLES, KEYWORDS, COUNTRIES);
    # None where they are kept coded instead (stored rows in a story window).
    words: WordSets | None

    def __len__(self) -> int:
        return self.signatures.shape[0]


def feature_matrix(features: Sequence[StoryFeatures]) -> FeatureMatrix:
    """Build the arrays for *features*, one row each."""
    sigs = np.array([f.signature for f in features], dtype=np.uint32).reshape(len(features), NUM_PERM)
    kinds = [word_sets(f.title_tokens for f in features), word_sets(f.keywords for f in features),
             word_sets(f.countries for f in features)]
    return FeatureMatrix(
        signatures=sigs,
        empty=np.array([is_empty_signature(f.signature) for f in features], dtype=bool),
        days=np.array([f.published.toordinal() if f.published else _NO_DAY for f in features],
                      dtype=np.int64),
        sizes=np.array([k.lengths for k in kinds], dtype=np.int64).reshape(3, len(features)),
        words=namespaced(kinds),
    )


def stack(parts: Sequence[FeatureMatrix]) -> FeatureMatrix:
    """Concatenate feature matrices row-wise (words too, when every part has them)."""
    if len(parts) == 1:
        return parts[0]
    words = [p.words for p in parts if p.words is not None]
    return FeatureMatrix(
        signatures=np.concatenate([p.signatures for p in parts]).reshape(-1, NUM_PERM),
        empty=np.concatenate([p.empty for p in parts]),
        days=np.concatenate([p.days for p in parts]),
        sizes=np.concatenate([p.sizes for p in parts], axis=1),
        words=stack_sets(words) if len(words) == len(parts) else None,
    )


def take_rows(matrix: FeatureMatrix, start: int, stop: int) -> FeatureMatrix:
    """Return a copy of rows start to stop of *matrix*."""
    words = matrix.words.rows(start, stop) if matrix.words is not None else None
    return FeatureMatrix(matrix.signatures[start:stop].copy(), matrix.empty[start:stop].copy(),
                         matrix.days[start:stop].copy(), matrix.sizes[:, start:stop].copy(), words)


def without_words(matrix: FeatureMatrix) -> FeatureMatrix:
    """Return *matrix* without its word sets (for rows whose words are kept coded)."""
    return FeatureMatrix(matrix.signatures, matrix.empty, matrix.days, matrix.sizes, None)


def empty_matrix() -> FeatureMatrix:
    """Return a matrix with no rows."""
    return feature_matrix([])


def shared_counts(stored: FeatureMatrix, new: FeatureMatrix,
                  stored_words: Sequence[CodedSets] = ()) -> SharedCounts:
    """Count the headline tokens, keywords and countries every stored row shares with every new row.

    *stored_words* are the stored rows' words, coded once and kept (parts in row order); without
    them the stored matrix's own words are used.
    """
    assert new.words is not None and (stored_words or stored.words is not None)
    words = stored_words or [coded(stored.words)]
    return count_shared(words, new.words, 3)


def pair_scores(stored: FeatureMatrix, new: FeatureMatrix, rows: np.ndarray, cols: np.ndarray,
                shared: SharedCounts) -> tuple[np.ndarray, np.ndarray]:
    """Return same_story(new[c], stored[r]) and the body Jaccard for every pair (r, c)."""
    body = equal_slots(stored.signatures, new.signatures, rows, cols) / NUM_PERM
    body = np.where(stored.empty[rows] | new.empty[cols], 0.0, body)
    gap = _days_apart(stored.days[rows], new.days[cols])
    near = (body >= NEAR_DUPLICATE_JACCARD) & (gap <= 7)  # unknown gaps are -1
    title, keyword = _word_ratios(stored, new, rows, cols, shared)
    score = 0.3 * np.minimum(1.0, body / NEAR_DUPLICATE_JACCARD) + 0.3 * title + 0.4 * keyword
    score = np.where(gap > MAX_DAYS_APART, score * 0.5, score)
    both_tagged = (stored.sizes[COUNTRIES][rows] > 0) & (new.sizes[COUNTRIES][cols] > 0)
    score = np.where(both_tagged & (shared.at(COUNTRIES, rows, cols) == 0), score * 0.7, score)
    score = np.clip(score, 0.0, 1.0)
    return np.where(near, np.minimum(1.0, 0.75 + 0.25 * body), score), body


def equal_slots(stored: np.ndarray, new: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Count the equal signature slots of every pair (stored[rows[i]], new[cols[i]])."""
    counts = np.empty(len(rows), dtype=np.uint64)
    for start in range(0, len(rows), _PAIR_BLOCK):
        stop = min(start + _PAIR_BLOCK, len(rows))
        counts[start:stop] = _equal_slots_block(stored, new, rows[start:stop], cols[start:stop])
    return counts


# A document's few thousand pairs need (pairs, NUM_PERM) gathers of about 1 MB. Fresh ones cost
# four times the comparison itself: malloc hands memory that size back to the system when it
# is freed, so every page faults again on the next use. Reused work arrays fault once.
_PAIR_BLOCK = 2048
_PAIR_WORK = threading.local()  # numpy releases the GIL, so each thread needs its own


def _equal_slots_block(stored: np.ndarray, new: np.ndarray, rows: np.ndarray,
                       cols: np.ndarray) -> np.ndarray:
    """Count equal slots for at most _PAIR_BLOCK pairs, in this thread's work arrays."""
    work = getattr(_PAIR_WORK, "arrays", None)
    if work is None:
        work = _PAIR_WORK.arrays = (np.empty((_PAIR_BLOCK, NUM_PERM), dtype=np.uint32),
                                    np.empty((_PAIR_BLOCK, NUM_PERM), dtype=np.uint32),
                                    np.empty((_PAIR_BLOCK, NUM_PERM), dtype=bool))
    n = len(rows)
    left, right, same = work[0][:n], work[1][:n], work[2][:n]
    # The indices are valid: "clip" only spares the copy through a fresh buffer "raise" makes.
    np.take(stored, rows, axis=0, out=left, mode="clip")
    np.take(new, cols, axis=0, out=right, mode="clip")
    np.equal(left, right, out=same)
    # Read as uint64, a row is NUM_PERM / 8 words of eight 0/1 bytes. Their sum keeps each byte
    # apart (at most 8, no carry), and the multiplication adds the bytes up into the top one
    # (NUM_PERM < 256 fits). Twice as fast as counting the booleans along the row.
    words = same.view(np.uint64).sum(axis=1, dtype=np.uint64)
    return (words * np.uint64(0x0101010101010101)) >> np.uint64(56)


def shortlist(stored: FeatureMatrix, new: FeatureMatrix, rows: np.ndarray, cols: np.ndarray,
              shared: SharedCounts, per_item: int) -> tuple[np.ndarray, np.ndarray]:
    """Keep, for each new item, the *per_item* pairs sharing the most headline and key words."""
    # Comparing signatures is the costly part of a pair. A rewrite shares headline and key words
    # with its story, and a near-copy shares nearly all of them, so the pairs ranked highest by
    # words alone are the ones worth a signature comparison; the rest cannot reach the bar.
    if len(rows) == 0:
        return rows, cols
    title, keyword = _word_ratios(stored, new, rows, cols, shared)
    words = 0.3 * title + 0.4 * keyword
    reaching = np.flatnonzero(words >= _kth_best(words, cols, per_item)[cols])
    # Every pair in a column's top per_item reaches its k-th best value, so ranking only the
    # reaching ones (ties included) gives the same pairs, in the same order, as ranking all.
    order = reaching[np.lexsort((-words[reaching], cols[reaching]))]
    sorted_cols = cols[order]
    starts = np.flatnonzero(np.diff(sorted_cols, prepend=-1))
    rank = np.arange(len(order)) - np.repeat(starts, np.diff(np.append(starts, len(order))))
    keep = order[rank < per_item]
    return rows[keep], cols[keep]


def _kth_best(values: np.ndarray, cols: np.ndarray, k: int) -> np.ndarray:
    """Return, per column, the k-th largest of its values (-inf when it has fewer than k)."""
    # The values go into one padded row per column, so one partition serves all columns.
    width = int(cols.max()) + 1
    order = np.argsort(cols, kind="stable")  # no work when pairs come column by column
    starts = np.searchsorted(cols[order], np.arange(width))
    place = np.arange(len(order)) - starts[cols[order]]
    longest = int(place.max()) + 1
    if longest < k:
        return np.full(width, -np.inf)
    padded = np.full((width, longest), -np.inf)
    padded[cols[order], place] = values[order]
    return np.partition(padded, longest - k, axis=1)[:, longest - k]


def best_per_column(rows: np.ndarray, cols: np.ndarray, scores: np.ndarray) -> list[tuple[int, int, int]]:
    """Return (column, row, pair index) of the best-scoring pair of every column present."""
    if len(scores) == 0:
        return []
    order = np.lexsort((-scores, cols))  # by column, best score first
    firsts = order[np.flatnonzero(np.diff(cols[order], prepend=-1))]
    return [(int(cols[k]), int(rows[k]), int(k)) for k in firsts]


def _word_ratios(stored: FeatureMatrix, new: FeatureMatrix, rows: np.ndarray, cols: np.ndarray,
                 shared: SharedCounts) -> tuple[np.ndarray, np.ndarray]:
    """Return the headline Dice and keyword overlap of every pair (r, c)."""
    titles, keywords = shared.several([TITLES, KEYWORDS], rows, cols)
    title = _ratio(2 * titles, stored.sizes[TITLES][rows] + new.sizes[TITLES][cols])
    keyword = _ratio(keywords,
                     np.minimum(stored.sizes[KEYWORDS][rows], new.sizes[KEYWORDS][cols]))
    return title, keyword


def _days_apart(days: np.ndarray, other: np.ndarray) -> np.ndarray:
    """Return |days - other| pairwise, or -1 where either date is unknown."""
    unknown = (days == _NO_DAY) | (other == _NO_DAY)
    return np.where(unknown, -1, np.abs(days - other))


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """Return num / den, 0 where den is 0 (an empty set shares nothing)."""
    den = np.asarray(den, dtype=float)
    return np.divide(num, den, out=np.zeros_like(den), where=den > 0)
