"""Normalise text for exact hashing and cut it into word shingles, fast.

The results are stored (content hashes, MinHash signatures), so they must stay bit-identical to
the reference definition: casefold, turn every character that is not a letter or digit into a
space, collapse whitespace, and hash word 5-grams of the UTF-8 form with crc32. Working on UTF-8
bytes lets one C-level `bytes.translate` replace a regex pass, and shingles are joined straight
from the normalised words, with no encoding per shingle.
"""

from __future__ import annotations

import logging
import re
import zlib
from functools import lru_cache

logger = logging.getLogger(__name__)

# ASCII letters and digits survive (upper case folded), every other ASCII byte separates words;
# bytes >= 0x80 belong to multi-byte characters already known to be letters or digits.
_ASCII_TABLE = bytes(
    c + 32 if 65 <= c <= 90 else c if 97 <= c <= 122 or 48 <= c <= 57 or c >= 128 else 32
    for c in range(256)
)
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_SPACE_JOIN = b" ".join
_MAX_REPLACED = 16  # distinct non-ASCII separators worth one str.replace each


def normalize_text(text: str) -> str:
    """Casefold, drop punctuation and collapse whitespace (the reference definition)."""
    return normalized_bytes(text).decode("utf-8")


def normalized_bytes(text: str) -> bytes:
    """Return the UTF-8 form of normalize_text(text)."""
    return b" ".join(normalized_tokens(text))


@lru_cache(maxsize=16)
def normalized_tokens(text: str) -> tuple[bytes, ...]:
    """Return the UTF-8 words of normalize_text(text); cached, as hashing and shingling share it."""
    if not text.isascii():
        text = blank_non_ascii(text.casefold())
    return tuple(text.encode("utf-8").translate(_ASCII_TABLE).split())


def blank_non_ascii(text: str, keep: str = "") -> str:
    """Replace non-ASCII characters that are not letters or digits (’, —, nbsp) by spaces."""
    separators = [ch for ch in set(_NON_ASCII.findall(text)) if not ch.isalnum() and ch not in keep]
    if len(separators) > _MAX_REPLACED:
        # Symbol-heavy text: one translate pass beats many replaces.
        return text.translate(dict.fromkeys(map(ord, separators), " "))
    for ch in separators:
        text = text.replace(ch, " ")
    return text


def shingle_hashes(toks: tuple[bytes, ...], k: int) -> set[int]:
    """Return crc32 hashes of the word k-grams of normalised words (one hash when fewer)."""
    return set(shingle_crcs(toks, k))


def shingle_crcs(toks: tuple[bytes, ...], k: int) -> list[int]:
    """Return the crc32 of every word k-gram of normalised words, repeats included."""
    if not toks:
        return []
    if len(toks) < k:
        return [zlib.crc32(_SPACE_JOIN(toks))]
    if k < 1:
        return [zlib.crc32(b" ".join(toks[i : i + k])) for i in range(len(toks) - k + 1)]
    # zip of k shifted token lists yields every k-gram (the shortest list ends it), so no
    # Python bytecode runs per shingle.
    grams = zip(*[toks[i:] for i in range(k)], strict=False)
    return list(map(zlib.crc32, map(_SPACE_JOIN, grams)))
