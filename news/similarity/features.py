"""Recognise the same story in two documents: exact hashes, MinHash/LSH and a same-story score."""

from __future__ import annotations

import hashlib
import logging
import random
import struct
import threading
from array import array
from dataclasses import dataclass
from datetime import date

import numpy as np

from news.normalize import (
    normalize_text,
    normalized_bytes,
    normalized_tokens,
    shingle_crcs,
    shingle_hashes,
)
from news.similarity.salient_words import raw_tokens, top_keywords, word_count
from news.tokens import content_words

logger = logging.getLogger(__name__)

NUM_PERM = 64
SHINGLE_K = 5
TOP_KEYWORDS = 15
SAME_STORY_THRESHOLD = 0.4
NEAR_DUPLICATE_JACCARD = 0.5  # wire copy with light edits stays well above this
MAX_DAYS_APART = 2

_PRIME = 4_294_967_291  # largest prime below 2**32: every hash value fits in 4 bytes
_EMPTY = _PRIME  # the value of a slot no shingle reached
_SEED = 20240611  # fixed forever: stored signatures depend on it


def _coefficients(num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    """Return the fixed (a, b) pairs of the universal hash family."""
    rng = random.Random(_SEED)
    # a < 2**31 and x < 2**32 keep a*x + b inside uint64.
    a = [rng.randrange(1, 2**31) for _ in range(num_perm)]
    b = [rng.randrange(0, _PRIME) for _ in range(num_perm)]
    # Column vectors: one row per permutation, broadcast against the shingle row.
    return np.array(a, dtype=np.uint64)[:, None], np.array(b, dtype=np.uint64)[:, None]


_COEFFS = {NUM_PERM: _coefficients(NUM_PERM)}
_PRIME_U64 = np.uint64(_PRIME)


def normalize_for_hash(text: str) -> str:
    """Casefold, drop punctuation and collapse whitespace, so trivial edits hash alike."""
    return normalize_text(text)


def content_hash(title: str, body: str) -> str:
    """Return the sha256 hex of the normalised body (the title when the body is empty)."""
    return hashlib.sha256(normalized_bytes(body) or normalized_bytes(title)).hexdigest()


def shingles(text: str, k: int = SHINGLE_K) -> set[int]:
    """Return crc32 hashes of the word k-grams of a text (stable across processes)."""
    return shingle_hashes(normalized_tokens(text), k)


def minhash(shingle_set: set[int], num_perm: int = NUM_PERM) -> list[int]:
    """Return the MinHash signature of a shingle set (all-empty slots when the set is empty)."""
    if not shingle_set:
        return [_EMPTY] * num_perm
    # The minimum depends neither on order nor on repeats: the set goes in unsorted.
    return _min_hashes(np.fromiter(shingle_set, dtype=np.uint64, count=len(shingle_set)), num_perm)


def _min_hashes(x: np.ndarray, num_perm: int) -> list[int]:
    """Return min over x of (a * x + b) mod p for each of num_perm (a, b) pairs; x not empty."""
    if num_perm not in _COEFFS:
        _COEFFS[num_perm] = _coefficients(num_perm)
    a, b = _COEFFS[num_perm]
    hashed, quotient = _buffers(num_perm)
    # A long article in blocks, so the work arrays keep a fixed size.
    mins = _block_mins(x[:_MINHASH_BLOCK], a, b, hashed, quotient)
    for start in range(_MINHASH_BLOCK, len(x), _MINHASH_BLOCK):
        block = x[start:start + _MINHASH_BLOCK]
        np.minimum(mins, _block_mins(block, a, b, hashed, quotient), out=mins)
    return mins.tolist()


# Work arrays are reused, not allocated per call: fresh (64, 512) uint64 arrays (256 kB) ran 4x
# slower per shingle, as malloc maps such sizes anew and every call page-faults; that, not the L2
# cache, is what had capped blocks at 256 shingles. Reused, 512 costs the same per shingle.
_MINHASH_BLOCK = 512
_WORK = threading.local()  # numpy releases the GIL, so each thread needs its own work arrays


def _buffers(num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    """Return this thread's two flat uint64 work arrays, each num_perm * _MINHASH_BLOCK long."""
    pair = getattr(_WORK, "pair", None)
    if pair is None or len(pair[0]) != num_perm * _MINHASH_BLOCK:
        size = num_perm * _MINHASH_BLOCK
        pair = _WORK.pair = (np.empty(size, dtype=np.uint64), np.empty(size, dtype=np.uint64))
    return pair


def _block_mins(
    x: np.ndarray, a: np.ndarray, b: np.ndarray, hashed: np.ndarray, quotient: np.ndarray
) -> np.ndarray:
    """Return min over x of (a * x + b) mod p per row, computed in the flat work arrays."""
    shape = (len(a), len(x))
    # A prefix of a flat array, reshaped: a C-contiguous (rows, len(x)) view whatever len(x).
    hashed = hashed[: shape[0] * shape[1]].reshape(shape)
    quotient = quotient[: shape[0] * shape[1]].reshape(shape)
    np.multiply(a, x, out=hashed)  # uint64, also for uint32 x
    hashed += b
    # y - (y // p) * p is y % p, but numpy divides by a scalar far faster than it takes remainders.
    np.floor_divide(hashed, _PRIME_U64, out=quotient)
    quotient *= _PRIME_U64
    hashed -= quotient
    return hashed.min(axis=1)


# LSH banding: BANDS bands of BAND_ROWS signature slots each. Two items share a band with
# probability 1 - (1 - J**4)**8 for Jaccard J: 0.997 at 0.85 and 0.89 at 0.7 (near-copies, the
# band lookup's job), 0.40 at 0.5. Rewrites of a story share far fewer shingles and are found
# by the story window instead. Fewer bands mean fewer random index writes per stored item.
BANDS = 8
BAND_ROWS = 4


def lsh_bands(signature: list[int] | tuple[int, ...], packed: bytes | None = None) -> list[str]:
    """Return one key per band (16 hex digits); items sharing any key are candidate pairs.

    packed, when given, is signature_to_bytes(signature), which the caller already made.
    """
    if is_empty_signature(signature) or len(signature) < BANDS * BAND_ROWS:
        return []
    if packed is None:
        packed = _pack(signature)
    width = 4 * BAND_ROWS  # band i is bytes [i * width, (i + 1) * width)
    keys = []
    for i, seeded in enumerate(_BAND_HASHERS):
        # A copy of a hasher made with the band's salt: cheaper than passing the salt each time.
        h = seeded.copy()
        h.update(packed[i * width:(i + 1) * width])
        keys.append(h.hexdigest())
    return keys


# The band number goes into the hash: equal slots in different bands are not a match.
_BAND_HASHERS = [hashlib.blake2b(digest_size=8, salt=bytes([i])) for i in range(BANDS)]


def is_empty_signature(signature: list[int] | tuple[int, ...]) -> bool:
    """Tell whether a signature came from a text without words."""
    return all(v == _EMPTY for v in signature)


def estimated_jaccard(sig_a: list[int] | tuple[int, ...], sig_b: list[int] | tuple[int, ...]) -> float:
    """Estimate the Jaccard similarity of two shingle sets from their signatures."""
    if not sig_a or len(sig_a) != len(sig_b):
        return 0.0
    if is_empty_signature(sig_a) or is_empty_signature(sig_b):
        return 0.0
    return sum(1 for x, y in zip(sig_a, sig_b, strict=True) if x == y) / len(sig_a)


def signature_to_bytes(signature: list[int] | tuple[int, ...]) -> bytes:
    """Pack a signature as little-endian uint32 values (4 bytes a slot)."""
    return _pack(signature)


def signature_from_bytes(data: bytes) -> tuple[int, ...]:
    """Unpack a signature packed by signature_to_bytes."""
    return tuple(np.frombuffer(data, dtype="<u4").tolist())


def _pack(values: list[int] | tuple[int, ...]) -> bytes:
    """Pack ints below 2**32 as little-endian uint32."""
    if len(values) == NUM_PERM:
        return _PACK_SIGNATURE.pack(*values)  # the common case, 4x faster than numpy
    return np.asarray(values, dtype="<u4").tobytes()


_PACK_SIGNATURE = struct.Struct(f"<{NUM_PERM}I")


def title_tokens(title: str) -> frozenset[str]:
    """Return the stemmed content words of a headline."""
    return frozenset(content_words(title))


def dice(a: frozenset[str] | set[str], b: frozenset[str] | set[str]) -> float:
    """Return the Dice coefficient of two sets (0 when both are empty)."""
    if not a or not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))


def title_similarity(a: str, b: str) -> float:
    """Return the Dice similarity of two headlines' content words."""
    return dice(title_tokens(a), title_tokens(b))


def keywords(body: str, top: int = TOP_KEYWORDS) -> frozenset[str]:
    """Return a body's salient words: frequent, early or capitalised."""
    # Headline words are deliberately not added: the title is scored on its own, and counting it
    # twice would let a recurring generic headline match unrelated bodies.
    return top_keywords(raw_tokens(body), top)


def overlap(a: frozenset[str], b: frozenset[str]) -> float:
    """Return the overlap coefficient |A & B| / min(|A|, |B|) (0 when either is empty)."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


@dataclass(frozen=True, slots=True)
class StoryFeatures:
    """What same_story needs to know about one item; cheap to keep in memory or store."""

    title_tokens: frozenset[str]
    signature: tuple[int, ...]
    published: date | None
    countries: tuple[str, ...]
    keywords: frozenset[str]
    word_count: int = 0


def features_for(
    title: str, body: str, published: date | None, countries: tuple[str, ...] | list[str]
) -> StoryFeatures:
    """Compute the similarity features of one item."""
    raw = raw_tokens(body)  # shared by keywords and the word count
    return StoryFeatures(
        title_tokens=title_tokens(title),
        signature=_body_signature(body),
        published=published,
        countries=tuple(sorted({c.upper() for c in countries})),
        keywords=top_keywords(raw, TOP_KEYWORDS),
        word_count=word_count(body, raw),
    )


def _body_signature(body: str) -> tuple[int, ...]:
    """Return tuple(minhash(shingles(body))) without building the shingle set."""
    crcs = shingle_crcs(normalized_tokens(body), SHINGLE_K)
    if not crcs:
        return (_EMPTY,) * NUM_PERM
    # array() copies the list of ints in C, twice as fast as np.fromiter; numpy reads it in place.
    return tuple(_min_hashes(np.frombuffer(array(_U32, crcs), dtype=np.uint32), NUM_PERM))


_U32 = "I" if array("I").itemsize == 4 else "L"  # the array type code of 4-byte unsigned ints


def same_story(a: StoryFeatures, b: StoryFeatures) -> float:
    """Score in [0, 1] how likely two items report the same story (>= SAME_STORY_THRESHOLD)."""
    days = _days_apart(a.published, b.published)
    body = estimated_jaccard(a.signature, b.signature)
    if body >= NEAR_DUPLICATE_JACCARD and (days is None or days <= 7):
        return min(1.0, 0.75 + 0.25 * body)  # near-duplicate: a new headline does not matter
    title = dice(a.title_tokens, b.title_tokens)
    kw = overlap(a.keywords, b.keywords)
    # Headline and salient words carry paraphrased rewrites; neither alone reaches the bar.
    score = 0.3 * min(1.0, body / NEAR_DUPLICATE_JACCARD) + 0.3 * title + 0.4 * kw
    if days is not None and days > MAX_DAYS_APART:
        score *= 0.5  # a follow-up days later is a new story
    if a.countries and b.countries and not set(a.countries) & set(b.countries):
        score *= 0.7
    return max(0.0, min(1.0, score))


def _days_apart(a: date | None, b: date | None) -> int | None:
    """Return the absolute gap in days, or None when either date is unknown."""
    if a is None or b is None:
        return None
    return abs((a - b).days)
