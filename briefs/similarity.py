"""Recognise the same story in two documents: exact hashes, MinHash/LSH and a same-story score."""

from __future__ import annotations

import hashlib
import logging
import random
import re
import zlib
from dataclasses import dataclass
from datetime import date

import numpy as np

from briefs.tokens import STOPWORDS, content_words, raw_words, stem, words

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
_NON_WORD_RE = re.compile(r"[^\w\s]|_", re.UNICODE)


def _coefficients(num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    """Return the fixed (a, b) pairs of the universal hash family."""
    rng = random.Random(_SEED)
    # a < 2**31 and x < 2**32 keep a*x + b inside uint64.
    a = [rng.randrange(1, 2**31) for _ in range(num_perm)]
    b = [rng.randrange(0, _PRIME) for _ in range(num_perm)]
    return np.array(a, dtype=np.uint64), np.array(b, dtype=np.uint64)


_COEFFS = {NUM_PERM: _coefficients(NUM_PERM)}


def normalize_for_hash(text: str) -> str:
    """Casefold, drop punctuation and collapse whitespace, so trivial edits hash alike."""
    return " ".join(_NON_WORD_RE.sub(" ", text.casefold()).split())


def content_hash(title: str, body: str) -> str:
    """Return the sha256 hex of the normalised body (the title when the body is empty)."""
    text = normalize_for_hash(body) or normalize_for_hash(title)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def shingles(text: str, k: int = SHINGLE_K) -> set[int]:
    """Return crc32 hashes of the word k-grams of a text (stable across processes)."""
    toks = normalize_for_hash(text).split()
    if not toks:
        return set()
    if len(toks) < k:
        return {zlib.crc32(" ".join(toks).encode("utf-8"))}
    return {zlib.crc32(" ".join(toks[i : i + k]).encode("utf-8")) for i in range(len(toks) - k + 1)}


def minhash(shingle_set: set[int], num_perm: int = NUM_PERM) -> list[int]:
    """Return the MinHash signature of a shingle set (all-empty slots when the set is empty)."""
    if num_perm not in _COEFFS:
        _COEFFS[num_perm] = _coefficients(num_perm)
    a, b = _COEFFS[num_perm]
    if not shingle_set:
        return [_EMPTY] * num_perm
    x = np.fromiter(sorted(shingle_set), dtype=np.uint64, count=len(shingle_set))
    hashed = (a[:, None] * x[None, :] + b[:, None]) % np.uint64(_PRIME)
    return [int(v) for v in hashed.min(axis=1)]


def lsh_bands(signature: list[int] | tuple[int, ...], bands: int = 16) -> list[str]:
    """Return one key per band, "b{i}:{hex}"; items sharing any key are candidate pairs."""
    if is_empty_signature(signature):
        return []
    rows = max(1, len(signature) // bands)
    keys = []
    for i in range(bands):
        chunk = signature[i * rows : (i + 1) * rows]
        if not chunk:
            break
        digest = hashlib.blake2b(_pack(chunk), digest_size=8).hexdigest()
        keys.append(f"b{i}:{digest}")
    return keys


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
    return tuple(int(v) for v in np.frombuffer(data, dtype="<u4"))


def _pack(values: list[int] | tuple[int, ...]) -> bytes:
    """Pack ints below 2**32 as little-endian uint32."""
    return np.asarray(values, dtype="<u4").tobytes()


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
    scores: dict[str, float] = {}
    raw = raw_words(body)
    for pos, word in enumerate(raw):
        key = _keyword_key(word)
        if key is None:
            continue
        if key not in scores:
            # Lead words and names carry the story when every word occurs once.
            scores[key] = 0.5 * (1 - pos / len(raw)) + (0.5 if word[0].isupper() else 0.0)
        scores[key] += 1.0
    # Headline words are deliberately not added: the title is scored on its own, and counting it
    # twice would let a recurring generic headline match unrelated bodies.
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
    return frozenset(w for w, _ in ranked[:top])


def _keyword_key(word: str) -> str | None:
    """Return the stemmed form of a candidate keyword, or None for function words."""
    low = word.casefold().replace("’", "'")
    if len(low) < 3 or low in STOPWORDS or low.isdigit():
        return None
    return stem(low)


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
    return StoryFeatures(
        title_tokens=title_tokens(title),
        signature=tuple(minhash(shingles(body))),
        published=published,
        countries=tuple(sorted({c.upper() for c in countries})),
        keywords=keywords(body),
        word_count=len(words(body)),
    )


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
