"""LexRank for one article: TF-IDF sentence vectors and PageRank with a lead-biased teleport."""

from __future__ import annotations

import logging
import math
from itertools import chain

import numpy as np

logger = logging.getLogger(__name__)

DAMPING = 0.85
TOLERANCE = 1e-9  # L1 change between iterates at which the ranking counts as converged
# These arrays are small and built per article: each numpy call costs about a microsecond,
# so the code below keeps their number low rather than writing the textbook form.
_TF = np.zeros(1)  # 1 + log(count) by count (0 for an absent term), grown on demand


def similarity(tokens: list[list[str]]) -> np.ndarray:
    """Return the cosine similarity of the sentences' TF-IDF vectors (IDF over the article)."""
    matrix = tfidf(tokens)
    return np.dot(matrix, matrix.T)


def tfidf(tokens: list[list[str]]) -> np.ndarray:
    """Build L2-normalised TF-IDF rows, IDF computed over the article's own sentences."""
    n = len(tokens)
    counts = _counts(tokens)
    df = np.count_nonzero(counts, axis=0)
    # Only n + 1 document frequencies are possible: look the IDF up instead of logging each word.
    idf = np.array([math.log((1 + n) / (1 + d)) + 1.0 for d in range(n + 1)])[df]
    matrix = _tf_table(max(map(len, tokens)))[counts] * idf
    # Every row holds a word with weight >= 1, so no norm is zero.
    return matrix / np.sqrt(np.einsum("ij,ij->i", matrix, matrix))[:, None]


def _counts(tokens: list[list[str]]) -> np.ndarray:
    """Return the sentence x distinct-word matrix of term counts."""
    flat = list(chain.from_iterable(tokens))
    vocab = dict.fromkeys(flat)  # distinct words in first-seen order, built at C speed
    width = len(vocab)
    vocab = dict(zip(vocab, range(width), strict=True))
    cells = np.fromiter(map(vocab.__getitem__, flat), np.intp, len(flat))
    cells += np.repeat(np.arange(0, len(tokens) * width, width), list(map(len, tokens)))
    return np.bincount(cells, minlength=len(tokens) * width).reshape(len(tokens), width)


def _tf_table(count: int) -> np.ndarray:
    """Return an array holding 1 + log(c) at c = 1..count and 0 at 0, from a growing cache."""
    global _TF
    table = _TF
    if len(table) <= count:
        # Rebind a new array rather than grow in place, so concurrent callers stay consistent;
        # math.log keeps the values those of the scalar formula.
        grown = [0.0] + [1.0 + math.log(c) for c in range(1, 2 * count + 1)]
        table = _TF = np.array(grown)
    return table


def lexrank(sim: np.ndarray, positions: list[int], iterations: int = 50) -> np.ndarray:
    """Rank sentences by PageRank over cosine similarity, teleporting towards the lead."""
    n = len(sim)
    weights = sim.copy()
    weights.flat[:: n + 1] = 0.0  # no self-links
    row_sums = weights.sum(axis=1, keepdims=True)
    if row_sums.all():
        step_t = weights * (DAMPING / row_sums)
    else:  # a sentence sharing no word with the others jumps anywhere
        transition = np.where(row_sums > 0, weights / np.where(row_sums == 0, 1, row_sums), 1 / n)
        step_t = DAMPING * transition
    teleport = [1.0 / (1.0 + p / 3.0) for p in positions]
    total = sum(teleport)
    return _power_iterate(step_t, [(1 - DAMPING) * (t / total) for t in teleport], iterations)


def _power_iterate(step_t: np.ndarray, base: list[float], iterations: int) -> np.ndarray:
    """Return the first iterate of r = base + step_t.T @ r, from r = 1/n, whose step is tiny."""
    start = 1.0 / len(base)
    first = np.dot(np.full(len(base), start), step_t)
    first += np.array(base)
    first -= start
    steps = _steps(step_t, first, iterations)
    # Iterate k + 1 is start plus steps 0..k; stop at the first step below the tolerance.
    sizes = np.dot(np.abs(steps), np.ones(len(base))).tolist()
    last = next((k + 1 for k, size in enumerate(sizes) if size < TOLERANCE), iterations)
    return np.dot(np.ones(last), steps[:last]) + start


def _steps(step_t: np.ndarray, first: np.ndarray, count: int) -> np.ndarray:
    """Return rows first @ step_t**k for k < count, by doubling instead of one product per k."""
    # Step k of the iteration is A^k (r1 - r0) with A = step_t.T; as a row, first @ step_t^k.
    # np.dot: for these tiny arrays it has less overhead than matmul.
    out = np.empty((count, len(first)))
    out[0] = first
    have = 1
    power = step_t
    while have < count:
        take = min(have, count - have)
        np.dot(out[:take], power, out=out[have : have + take])
        have += take
        if have < count:
            power = np.dot(power, power)
    return out
