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
class FeatureMatrix:
    """The features of n items as arrays, row i for item i."""

    signatures: np.ndarray  # (n, NUM_PERM) uint32
    empty: np.ndarray  # (n,) bool: no words, so no body similarity
    days: np.ndarray  # (n,) int64 ordinal, _NO_DAY when unknown
    titles: sparse.csr_matrix  # (n, _COLUMNS) 0/1 per headline token
    keywords: sparse.csr_matrix  # (n, _COLUMNS) 0/1 per keyword
    countries: sparse.csr_matrix  # (n, _COLUMNS) 0/1 per country code

    def __len__(self) -> int:
        return self.signatures.shape[0]

    def take(self, rows: np.ndarray) -> FeatureMatrix:
        """Return the sub-matrix of *rows*."""
        return FeatureMatrix(self.signatures[rows], self.empty[rows], self.days[rows],
                             self.titles[rows], self.keywords[rows], self.countries[rows])


def feature_matrix(features: Sequence[StoryFeatures]) -> FeatureMatrix:
    """Build the arrays for *features*, one row each."""
    sigs = np.array([f.signature for f in features], dtype=np.uint32).reshape(len(features), NUM_PERM)
    return FeatureMatrix(
        signatures=sigs,
        empty=np.array([is_empty_signature(f.signature) for f in features], dtype=bool),
        days=np.array([f.published.toordinal() if f.published else _NO_DAY for f in features],
                      dtype=np.int64),
        titles=incidence(f.title_tokens for f in features),
        keywords=incidence(f.keywords for f in features),
        countries=incidence(f.countries for f in features),
    )


def stack(parts: Sequence[FeatureMatrix]) -> FeatureMatrix:
    """Concatenate feature matrices row-wise."""
    if len(parts) == 1:
        return parts[0]
    return FeatureMatrix(
        signatures=np.concatenate([p.signatures for p in parts]).reshape(-1, NUM_PERM),
        empty=np.concatenate([p.empty for p in parts]),
        days=np.concatenate([p.days for p in parts]),
        titles=sparse.vstack([p.titles for p in parts], format="csr"),
        keywords=sparse.vstack([p.keywords for p in parts], format="csr"),
        countries=sparse.vstack([p.countries for p in parts], format="csr"),
    )


def empty_matrix() -> FeatureMatrix:
    """Return a matrix with no rows."""
    return feature_matrix([])


def incidence(rows: Iterable[Iterable[str]]) -> sparse.csr_matrix:
    """Return a 0/1 matrix with a row per word set and a hashed column per word."""
    # Python's str hash is cached on the string and stable within a process, which is all an
    # in-memory matrix needs; nothing here is stored.
    cols = [{hash(w) & _COLUMNS for w in words} for words in rows]
    indptr = np.zeros(len(cols) + 1, dtype=np.int64)
    np.cumsum([len(c) for c in cols], out=indptr[1:])
    indices = np.fromiter(chain.from_iterable(cols), dtype=np.int64, count=int(indptr[-1]))
    data = np.ones(len(indices), dtype=np.int32)
    return sparse.csr_matrix((data, indices, indptr), shape=(len(cols), _COLUMNS))


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


def shared_words(a: sparse.csr_matrix, b: sparse.csr_matrix) -> np.ndarray:
    """Return a @ b.T densely (how many columns each row of a shares with each row of b)."""
    # The hashed vocabulary is 2**31 wide, so a's columns are renumbered onto the few that b
    # uses (the new items' words) and b becomes a small dense matrix.
    cols = np.unique(b.indices)
    if len(cols) == 0 or a.nnz == 0:
        return np.zeros((a.shape[0], b.shape[0]), dtype=np.int32)
    pos = np.searchsorted(cols, a.indices).clip(max=len(cols) - 1)
    hit = cols[pos] == a.indices
    indptr = np.concatenate([[0], np.cumsum(hit)])[a.indptr]
    narrow = sparse.csr_matrix((a.data[hit], pos[hit], indptr), shape=(a.shape[0], len(cols)))
    dense = np.zeros((len(cols), b.shape[0]), dtype=np.int32)
    dense[np.searchsorted(cols, b.indices), np.repeat(np.arange(b.shape[0]), np.diff(b.indptr))] = 1
    return np.asarray(narrow @ dense)


def pair_scores(stored: FeatureMatrix, new: FeatureMatrix, rows: np.ndarray, cols: np.ndarray,
                shared: SharedCounts) -> tuple[np.ndarray, np.ndarray]:
    """Return same_story(new[c], stored[r]) and the body Jaccard for every pair (r, c)."""
    body = (stored.signatures[rows] == new.signatures[cols]).sum(axis=1) / NUM_PERM
    body = np.where(stored.empty[rows] | new.empty[cols], 0.0, body)
    gap = _days_apart(stored.days[rows], new.days[cols])
    near = (body >= NEAR_DUPLICATE_JACCARD) & (gap <= 7)  # unknown gaps are -1
    title = _ratio(2 * shared.titles[rows, cols],
                   _lengths(stored.titles)[rows] + _lengths(new.titles)[cols])
    keyword = _ratio(shared.keywords[rows, cols],
                     np.minimum(_lengths(stored.keywords)[rows], _lengths(new.keywords)[cols]))
    score = 0.3 * np.minimum(1.0, body / NEAR_DUPLICATE_JACCARD) + 0.3 * title + 0.4 * keyword
    score = np.where(gap > MAX_DAYS_APART, score * 0.5, score)
    both_tagged = (_lengths(stored.countries)[rows] > 0) & (_lengths(new.countries)[cols] > 0)
    score = np.where(both_tagged & (shared.countries[rows, cols] == 0), score * 0.7, score)
    score = np.clip(score, 0.0, 1.0)
    return np.where(near, np.minimum(1.0, 0.75 + 0.25 * body), score), body


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


def _lengths(matrix: sparse.csr_matrix) -> np.ndarray:
    return np.diff(matrix.indptr)
