"""Score one new item against many stored ones at once: same_story over numpy arrays.

Story matching compares each new item with every recent item about the same countries. Doing
that pair by pair in Python cost milliseconds per item; here the stored side is a set of arrays
(MinHash signatures, sparse word-incidence matrices), so a whole candidate set is scored with a
handful of vectorised operations. The scores equal `same_story` pair for pair (a test checks it).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np
from scipy import sparse

from briefs.similarity import (
    MAX_DAYS_APART,
    NEAR_DUPLICATE_JACCARD,
    NUM_PERM,
    StoryFeatures,
    is_empty_signature,
)

_NO_DAY = np.iinfo(np.int64).min  # marks an unknown date
_COLUMNS = 2**31 - 1  # hashed vocabulary: collisions between two items' few words are negligible


@dataclass(slots=True)
class WordSets:
    """n sets of words as hashed column numbers, row after row (CSR without the values)."""

    indices: np.ndarray  # int64 column numbers
    indptr: np.ndarray  # (n + 1,) where each row starts

    @property
    def lengths(self) -> np.ndarray:
        """Return each set's size."""
        return np.diff(self.indptr)

    def __len__(self) -> int:
        return len(self.indptr) - 1


@dataclass(slots=True)
class FeatureMatrix:
    """The features of n items as arrays, row i for item i."""

    signatures: np.ndarray  # (n, NUM_PERM) uint32
    empty: np.ndarray  # (n,) bool: no words, so no body similarity
    days: np.ndarray  # (n,) int64 ordinal, _NO_DAY when unknown
    titles: WordSets  # headline tokens
    keywords: WordSets
    countries: WordSets  # country codes

    def __len__(self) -> int:
        return self.signatures.shape[0]


def feature_matrix(features: Sequence[StoryFeatures]) -> FeatureMatrix:
    """Build the arrays for *features*, one row each."""
    sigs = np.array([f.signature for f in features], dtype=np.uint32).reshape(len(features), NUM_PERM)
    return FeatureMatrix(
        signatures=sigs,
        empty=np.array([is_empty_signature(f.signature) for f in features], dtype=bool),
        days=np.array([f.published.toordinal() if f.published else _NO_DAY for f in features],
                      dtype=np.int64),
        titles=word_sets(f.title_tokens for f in features),
        keywords=word_sets(f.keywords for f in features),
        countries=word_sets(f.countries for f in features),
    )


def stack(parts: Sequence[FeatureMatrix]) -> FeatureMatrix:
    """Concatenate feature matrices row-wise."""
    if len(parts) == 1:
        return parts[0]
    return FeatureMatrix(
        signatures=np.concatenate([p.signatures for p in parts]).reshape(-1, NUM_PERM),
        empty=np.concatenate([p.empty for p in parts]),
        days=np.concatenate([p.days for p in parts]),
        titles=stack_sets([p.titles for p in parts]),
        keywords=stack_sets([p.keywords for p in parts]),
        countries=stack_sets([p.countries for p in parts]),
    )


def empty_matrix() -> FeatureMatrix:
    """Return a matrix with no rows."""
    return feature_matrix([])


def word_sets(rows: Iterable[Iterable[str]]) -> WordSets:
    """Return the word sets of *rows*, each word hashed to a column number."""
    # Python's str hash is cached on the string and stable within a process, which is all an
    # in-memory matrix needs; nothing here is stored.
    cols = [{hash(w) & _COLUMNS for w in words} for words in rows]
    indptr = np.zeros(len(cols) + 1, dtype=np.int64)
    np.cumsum([len(c) for c in cols], out=indptr[1:])
    indices = np.fromiter(chain.from_iterable(cols), dtype=np.int64, count=int(indptr[-1]))
    return WordSets(indices, indptr)


def stack_sets(parts: Sequence[WordSets]) -> WordSets:
    """Concatenate word sets row-wise."""
    if len(parts) == 1:
        return parts[0]
    starts = np.cumsum([0] + [len(p.indices) for p in parts[:-1]])
    indptr = np.concatenate([[0]] + [p.indptr[1:] + start for p, start in zip(parts, starts, strict=True)])
    return WordSets(np.concatenate([p.indices for p in parts]), indptr)


@dataclass(slots=True)
class SharedCounts:
    """How many headline tokens, keywords and countries stored rows share with new items."""

    titles: np.ndarray  # (n_stored, m_new)
    keywords: np.ndarray
    countries: np.ndarray


def shared_counts(stored: FeatureMatrix, new: FeatureMatrix) -> SharedCounts:
    """Count shared words between every stored row and every new row (sparse products)."""
    return SharedCounts(shared_words(stored.titles, new.titles), shared_words(stored.keywords, new.keywords),
                        shared_words(stored.countries, new.countries))


def shared_words(a: WordSets, b: WordSets) -> np.ndarray:
    """Return how many words each set of *a* shares with each set of *b*, as a dense array."""
    # The hashed vocabulary is 2**31 wide, so a's columns are renumbered onto the few that b
    # uses (the new items' words) and b becomes a small dense matrix.
    cols = np.unique(b.indices)
    if len(cols) == 0 or len(a.indices) == 0:
        return np.zeros((len(a), len(b)), dtype=np.int32)
    pos = np.searchsorted(cols, a.indices).clip(max=len(cols) - 1)
    hit = cols[pos] == a.indices
    indptr = np.concatenate([[0], np.cumsum(hit)])[a.indptr]
    ones = np.ones(int(indptr[-1]), dtype=np.int32)
    narrow = sparse.csr_matrix((ones, pos[hit], indptr), shape=(len(a), len(cols)))
    dense = np.zeros((len(cols), len(b)), dtype=np.int32)
    dense[np.searchsorted(cols, b.indices), np.repeat(np.arange(len(b)), b.lengths)] = 1
    return np.asarray(narrow @ dense)


def pair_scores(stored: FeatureMatrix, new: FeatureMatrix, rows: np.ndarray, cols: np.ndarray,
                shared: SharedCounts) -> tuple[np.ndarray, np.ndarray]:
    """Return same_story(new[c], stored[r]) and the body Jaccard for every pair (r, c)."""
    body = (stored.signatures[rows] == new.signatures[cols]).sum(axis=1) / NUM_PERM
    body = np.where(stored.empty[rows] | new.empty[cols], 0.0, body)
    gap = _days_apart(stored.days[rows], new.days[cols])
    near = (body >= NEAR_DUPLICATE_JACCARD) & (gap <= 7)  # unknown gaps are -1
    title = _ratio(2 * shared.titles[rows, cols],
                   stored.titles.lengths[rows] + new.titles.lengths[cols])
    keyword = _ratio(shared.keywords[rows, cols],
                     np.minimum(stored.keywords.lengths[rows], new.keywords.lengths[cols]))
    score = 0.3 * np.minimum(1.0, body / NEAR_DUPLICATE_JACCARD) + 0.3 * title + 0.4 * keyword
    score = np.where(gap > MAX_DAYS_APART, score * 0.5, score)
    both_tagged = (stored.countries.lengths[rows] > 0) & (new.countries.lengths[cols] > 0)
    score = np.where(both_tagged & (shared.countries[rows, cols] == 0), score * 0.7, score)
    score = np.clip(score, 0.0, 1.0)
    return np.where(near, np.minimum(1.0, 0.75 + 0.25 * body), score), body


def shortlist(stored: FeatureMatrix, new: FeatureMatrix, rows: np.ndarray, cols: np.ndarray,
              shared: SharedCounts, per_item: int) -> tuple[np.ndarray, np.ndarray]:
    """Keep, for each new item, the *per_item* pairs sharing the most headline and key words."""
    # Comparing signatures is the costly part of a pair. A rewrite shares headline and key words
    # with its story, and a near-copy shares nearly all of them, so the pairs ranked highest by
    # words alone are the ones worth a signature comparison; the rest cannot reach the bar.
    if len(rows) == 0:
        return rows, cols
    title = _ratio(2 * shared.titles[rows, cols],
                   stored.titles.lengths[rows] + new.titles.lengths[cols])
    keyword = _ratio(shared.keywords[rows, cols],
                     np.minimum(stored.keywords.lengths[rows], new.keywords.lengths[cols]))
    order = np.lexsort((-(0.3 * title + 0.4 * keyword), cols))
    sorted_cols = cols[order]
    starts = np.flatnonzero(np.diff(sorted_cols, prepend=-1))
    rank = np.arange(len(order)) - np.repeat(starts, np.diff(np.append(starts, len(order))))
    keep = order[rank < per_item]
    return rows[keep], cols[keep]


def best_per_column(rows: np.ndarray, cols: np.ndarray, scores: np.ndarray) -> list[tuple[int, int, int]]:
    """Return (column, row, pair index) of the best-scoring pair of every column present."""
    if len(scores) == 0:
        return []
    order = np.lexsort((-scores, cols))  # by column, best score first
    firsts = order[np.flatnonzero(np.diff(cols[order], prepend=-1))]
    return [(int(cols[k]), int(rows[k]), int(k)) for k in firsts]


def _days_apart(days: np.ndarray, other: np.ndarray) -> np.ndarray:
    """Return |days - other| pairwise, or -1 where either date is unknown."""
    unknown = (days == _NO_DAY) | (other == _NO_DAY)
    return np.where(unknown, -1, np.abs(days - other))


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """Return num / den, 0 where den is 0 (an empty set shares nothing)."""
    den = np.asarray(den, dtype=float)
    return np.divide(num, den, out=np.zeros_like(den), where=den > 0)
