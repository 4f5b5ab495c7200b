"""LexRank for one article: TF-IDF sentence similarity and PageRank with a lead-biased teleport."""

from __future__ import annotations

import logging
import math

import numpy as np

logger = logging.getLogger(__name__)

DAMPING = 0.85
TOLERANCE = 1e-9  # L1 change between iterates at which the ranking counts as converged
# An article has a few dozen sentences at most, so each numpy call costs more than the
# arithmetic it does: the code below keeps the number of calls low rather than textbook-short.
_TF = np.zeros(1)  # 1 + log(count) by count (0 for an absent term), grown on demand
_IDF: dict[int, np.ndarray] = {}  # idf tables by sentence count, see _idf_table
_IDF_MAX_N = 256  # summaries rank at most a few dozen sentences; keeps the cache small
_EARLY = 32  # a power of two: see _extend
_ONES = np.ones(64)  # sliced for sums done as dot products (cheaper than reductions here)


def similarity(tokens: list[list[str]]) -> np.ndarray:
    """Return the cosine similarity of the sentences' TF-IDF vectors, with a zero diagonal."""
    n = len(tokens)
    counts = _counts(tokens)
    df = (counts > 0).sum(axis=0)  # sentences holding each word
    matrix = _tf_table(max(map(len, tokens)))[counts]
    matrix *= _idf_table(n)[df]
    sim = np.dot(matrix, matrix.T)
    # Normalising the Gram matrix takes fewer calls than normalising the rows first; every row
    # holds a word with weight >= 1, so no norm is zero.
    norms = np.sqrt(sim.diagonal())
    sim /= norms
    sim /= norms[:, None]
    sim.ravel()[:: n + 1] = 0.0  # a sentence does not vote for itself (ravel: a view here)
    return sim


def _counts(tokens: list[list[str]]) -> np.ndarray:
    """Return the sentence x distinct-word matrix of term counts."""
    vocab: dict[str, int] = {}  # word -> column, in first-seen order
    ids = [vocab.setdefault(w, len(vocab)) for toks in tokens for w in toks]
    n, width = len(tokens), len(vocab)
    cells = np.fromiter(ids, np.intp, len(ids))
    cells += np.repeat(np.arange(0, n * width, width), list(map(len, tokens)))
    return np.bincount(cells, minlength=n * width).reshape(n, width)


def _idf_table(n: int) -> np.ndarray:
    """Return idf by document frequency 0..n for n sentences, from a small cache."""
    table = _IDF.get(n)
    if table is None:
        # Only n + 1 document frequencies are possible: log those, not every word.
        table = np.array([math.log((1 + n) / (1 + d)) + 1.0 for d in range(n + 1)])
        if n <= _IDF_MAX_N:
            _IDF[n] = table
    return table


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


def _ones(n: int) -> np.ndarray:
    """Return a vector of n ones, a view of a shared array that nobody writes to."""
    global _ONES
    ones = _ONES
    if len(ones) < n:
        ones = _ONES = np.ones(2 * n)
    return ones[:n]


def lexrank(weights: np.ndarray, positions: list[int], iterations: int = 50) -> list[float]:
    """Rank sentences by PageRank over similarity weights (zero diagonal), favouring the lead."""
    n = len(weights)
    row_sums = np.dot(weights, _ones(n))
    if 0.0 in row_sums.tolist():  # a sentence sharing no word with the others jumps anywhere
        sums = row_sums[:, None]
        step_t = DAMPING * np.where(sums > 0, weights / np.where(sums == 0, 1, sums), 1 / n)
    else:
        step_t = weights * (DAMPING / row_sums)[:, None]
    teleport = [1.0 / (1.0 + p / 3.0) for p in positions]
    total = sum(teleport)
    return _power_iterate(step_t, [(1 - DAMPING) * (t / total) for t in teleport], iterations)


def _power_iterate(step_t: np.ndarray, base: list[float], iterations: int) -> list[float]:
    """Return the first iterate of r = base + step_t.T @ r, from r = 1/n, whose step is tiny."""
    n = len(base)
    start = 1.0 / n
    if iterations < 1:
        return [start] * n
    # From the uniform start, step_t.T @ r is the column sums of step_t times 1/n.
    columns = np.dot(_ones(n), step_t).tolist()
    steps = np.empty((iterations, n))
    steps[0] = [c * start + b - start for c, b in zip(columns, base, strict=True)]
    # Most articles converge within _EARLY steps: look there before computing the rest.
    done, powers = _extend(steps, 1, [step_t], min(_EARLY, iterations))
    last = _converged(steps, 0, done)
    if last is None:
        _extend(steps, done, powers, iterations)
        last = _converged(steps, done, iterations) or iterations
    # Iterate k + 1 is the start plus steps 0..k.
    return [start + change for change in np.dot(_ones(last), steps[:last]).tolist()]


def _converged(steps: np.ndarray, begin: int, end: int) -> int | None:
    """Return k + 1 for the first step k in begin..end - 1 below the tolerance, else None."""
    sizes = np.dot(np.abs(steps[begin:end]), _ones(steps.shape[1])).tolist()
    return next((begin + k + 1 for k, size in enumerate(sizes) if size < TOLERANCE), None)


def _extend(
    out: np.ndarray, have: int, powers: list[np.ndarray], count: int
) -> tuple[int, list[np.ndarray]]:
    """Fill rows have..count - 1 of out with out[0] @ step_t**k, by doubling; step_t = powers[0].

    powers[j] is step_t**(2**j), squared on demand. Rows count on from a power of two, so each
    doubling multiplies out[:have] by step_t**have.
    """
    # Step k of the iteration is A^k (r1 - r0) with A = step_t.T; as a row, first @ step_t^k.
    # np.dot: for these tiny arrays it has less overhead than matmul.
    while have < count:
        if 1 << (len(powers) - 1) < have:
            powers.append(np.dot(powers[-1], powers[-1]))
        take = min(have, count - have)
        np.dot(out[:take], powers[-1], out=out[have : have + take])
        have += take
    return have, powers
