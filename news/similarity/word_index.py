"""Count the words many stored rows share with a few new rows, in one sparse product.

Story matching needs, for every stored row and new item, how many headline tokens, keywords,
countries and about-countries the two share. The kinds are kept apart as namespaces of one
word set per row (kind k's column c becomes k << 31 | c), so one product counts them all:
each namespace gets its own bit field of the result, wide enough for the largest count it can
hold, and the fields are taken apart only for the pairs that are scored.

The stored side is kept coded against its own sorted vocabulary (CodedSets), so matching a new
document maps each distinct stored word once instead of looking up every stored word.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np
from scipy import sparse

NAMESPACE_SHIFT = 31
_COLUMNS = 2**NAMESPACE_SHIFT - 1  # hashed vocabulary: collisions between two items' few words are negligible
_EXACT_BITS = 52  # float64 sums of integers stay exact below 2**53
_EXACT_BITS_FLOAT32 = 24  # and float32 ones below 2**24


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

    def rows(self, start: int, stop: int) -> WordSets:
        """Return a copy of rows start to stop."""
        first, last = self.indptr[start], self.indptr[stop]
        return WordSets(self.indices[first:last].copy(), self.indptr[start:stop + 1] - first)


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
    return WordSets(np.concatenate([p.indices for p in parts]), _stack_indptr([p.indptr for p in parts]))


def _stack_indptr(parts: Sequence[np.ndarray]) -> np.ndarray:
    """Return the row starts of CSR parts put one after another (each part's start at 0)."""
    starts = np.cumsum([0] + [p[-1] for p in parts[:-1]])
    return np.concatenate([[0]] + [p[1:] + start for p, start in zip(parts, starts, strict=True)])


def namespaced(parts: Sequence[WordSets]) -> WordSets:
    """Merge word sets of the same rows into one, part k's columns moved to k << 31 | column."""
    return merge_rows([WordSets(p.indices + (k << NAMESPACE_SHIFT), p.indptr)
                       for k, p in enumerate(parts)])


def merge_rows(parts: Sequence[WordSets]) -> WordSets:
    """Return one set per row: row i holds the words of row i of every part, part by part."""
    indptr = np.sum([p.indptr for p in parts], axis=0, dtype=np.int64)
    indices = np.empty(int(indptr[-1]), dtype=np.int64)
    start = indptr[:-1].copy()  # where the next part's words go in each merged row
    for part in parts:
        lengths = part.lengths
        offset = np.repeat(start - part.indptr[:-1], lengths)
        indices[offset + np.arange(len(part.indices))] = part.indices
        start += lengths
    return WordSets(indices, indptr)


@dataclass(slots=True)
class CodedSets:
    """Word sets as positions in their own sorted vocabulary, row after row."""

    vocab: np.ndarray  # sorted distinct words, int64
    codes: np.ndarray  # int32 vocabulary position of every word
    indptr: np.ndarray  # (n + 1,) where each row starts

    def __len__(self) -> int:
        return len(self.indptr) - 1

    def rows(self, start: int, stop: int) -> CodedSets:
        """Return a copy of rows start to stop, sharing the vocabulary."""
        first, last = self.indptr[start], self.indptr[stop]
        return CodedSets(self.vocab, self.codes[first:last].copy(), self.indptr[start:stop + 1] - first)


def coded(sets: WordSets) -> CodedSets:
    """Code *sets* against their own vocabulary."""
    vocab, codes = np.unique(sets.indices, return_inverse=True)
    return CodedSets(vocab, codes.astype(np.int32).ravel(), sets.indptr)


def merge_coded(parts: Sequence[CodedSets]) -> CodedSets:
    """Concatenate coded word sets row-wise, coded against one vocabulary."""
    if len(parts) == 1:
        return parts[0]
    # The vocabularies are merged, not the words: far fewer to sort.
    vocab = np.unique(np.concatenate([p.vocab for p in parts]))
    codes = [np.searchsorted(vocab, p.vocab).astype(np.int32)[p.codes] for p in parts]
    return CodedSets(vocab, np.concatenate(codes), _stack_indptr([p.indptr for p in parts]))


@dataclass(slots=True)
class SharedCounts:
    """Shared words per namespace for every (stored row, new row), packed into bit fields."""

    packed: list[np.ndarray]  # (n_stored, m_new) float sums, one per group of namespaces
    fields: list[tuple[int, int, int]]  # per namespace: (group, shift, mask)

    def at(self, namespace: int, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Return the shared counts of *namespace* for the pairs (rows[i], cols[i])."""
        return self.several([namespace], rows, cols)[0]

    def several(self, namespaces: Sequence[int], rows: np.ndarray,
                cols: np.ndarray) -> list[np.ndarray]:
        """Return the shared counts of each of *namespaces* for the pairs (rows[i], cols[i])."""
        flat = rows * self.packed[0].shape[1] + cols
        sums: dict[int, np.ndarray] = {}  # one gather per group, whatever the namespaces in it
        counts = []
        for k in namespaces:
            group, shift, mask = self.fields[k]
            if group not in sums:
                sums[group] = self.packed[group].ravel().take(flat).astype(np.int64)
            counts.append((sums[group] >> shift) & mask)
        return counts

    def any(self, namespace: int) -> np.ndarray:
        """Return a (n_stored, m_new) bool array: the pair shares a word of *namespace*."""
        # Its own group: a nonzero sum. Otherwise its bit field is taken out.
        group, shift, mask = self.fields[namespace]
        if all(g != group for k, (g, _, _) in enumerate(self.fields) if k != namespace):
            return self.packed[group] > 0
        return (self.packed[group].astype(np.int64) >> shift) & mask > 0


def count_shared(stored: Sequence[CodedSets], new: WordSets, namespaces: int = 1) -> SharedCounts:
    """Count the words each stored row (parts one after another) shares with each new row.

    With several namespaces a word's is word >> NAMESPACE_SHIFT; with one, any word is in it.
    """
    vocab = np.unique(new.indices)
    n = sum(len(part) for part in stored)
    cols, indptr = _stored_columns(stored, vocab)
    rows_of = np.repeat(np.arange(len(new)), new.lengths)
    position = np.searchsorted(vocab, new.indices)
    kinds = new.indices >> NAMESPACE_SHIFT if namespaces > 1 else np.zeros_like(new.indices)
    fields = _bit_fields(_widths(kinds, rows_of, len(new), namespaces))
    packed = []
    for group in range(fields[-1][0] + 1 if fields else 0):
        # A word of namespace k adds 2**shift_k to its pairs' sum: its count lands in k's field.
        weight = np.array([2.0**shift if g == group else 0.0 for g, shift, _ in fields])
        bits = max(shift + mask.bit_length() for g, shift, mask in fields if g == group)
        dtype = np.float32 if bits <= _EXACT_BITS_FLOAT32 else np.float64  # half the memory
        matrix = sparse.csr_matrix((np.ones(len(cols), dtype), cols, indptr), shape=(n, len(vocab)))
        dense = np.zeros((len(vocab), len(new)), dtype=dtype)
        dense[position, rows_of] = weight[kinds]
        packed.append(np.asarray(matrix @ dense))
    return SharedCounts(packed, fields)


def _stored_columns(stored: Sequence[CodedSets], vocab: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the stored words found in *vocab* as its column numbers, with the row starts."""
    if not stored:
        return np.zeros(0, dtype=np.int64), np.zeros(1, dtype=np.int64)
    maps: dict[int, np.ndarray] = {}  # parts cut from one chunk share its vocabulary
    for part in stored:
        if id(part.vocab) not in maps:
            maps[id(part.vocab)] = _positions(vocab, part.vocab).astype(np.int32)
    cols = np.concatenate([maps[id(part.vocab)][part.codes] for part in stored])
    indptr = _stack_indptr([part.indptr for part in stored])
    # Words no new row has cannot be shared: dropped, so the product skips them.
    found = cols >= 0
    kept = np.zeros(len(cols) + 1, dtype=np.int32)  # int32 throughout: scipy's own index type
    np.cumsum(found, out=kept[1:])
    return cols[found], kept[indptr]


def _positions(sorted_words: np.ndarray, words: np.ndarray) -> np.ndarray:
    """Return where each of *words* is in *sorted_words*, or -1 where it is not."""
    if len(sorted_words) == 0:
        return np.full(len(words), -1, dtype=np.int64)
    pos = np.searchsorted(sorted_words, words).clip(max=len(sorted_words) - 1)
    return np.where(sorted_words[pos] == words, pos, -1)


def _widths(kinds: np.ndarray, rows_of: np.ndarray, m: int, namespaces: int) -> list[int]:
    """Return the bits each namespace's count needs: enough for the largest new set."""
    # A pair shares at most as many words as the new row has, whatever the stored row holds.
    sizes = np.bincount(rows_of * namespaces + kinds, minlength=m * namespaces)
    most = sizes.reshape(m, namespaces).max(axis=0) if m else np.zeros(namespaces, dtype=np.int64)
    return [int(n).bit_length() for n in most]


def _bit_fields(widths: list[int]) -> list[tuple[int, int, int]]:
    """Return each namespace's (group, shift, mask), packing fields into exact float64 sums."""
    fields, group, used = [], 0, 0
    for width in widths:
        if used + width > _EXACT_BITS:
            group, used = group + 1, 0
        fields.append((group, used, (1 << width) - 1))
        used += width
    return fields
