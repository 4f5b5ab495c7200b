"""Salient words of a news body, the keywords that same_story compares, computed fast.

Keywords are stored with each item, so they must equal the reference definition exactly: word
tokens as news.tokens.raw_words finds them, scored by count plus a bonus for an early or
capitalised first use, the best `top` kept (ties by key). The tokenizer here gives the same
tokens as that regex, but blanks separators with one C-level bytes.translate and splits.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from itertools import repeat
from operator import itemgetter, mul, sub

from news.normalize import blank_non_ascii
from news.tokens import blank_lone_apostrophes, content_key

logger = logging.getLogger(__name__)

# An apostrophe joins two words only between word characters ("don't", "Russia’s"); the
# lookbehind runs after the apostrophe, which "." matches.
_LONE_APOSTROPHE = re.compile(r"['’](?:(?!\w)|(?<!\w.))")
# ASCII letters, digits, "_" and "'" stay; other ASCII bytes separate words; bytes >= 0x80 belong
# to characters already known to be word characters or an inner "’".
_WORD_BYTES = bytes(
    c if chr(c).isalnum() or chr(c) in "_'" or c >= 128 else 32 for c in range(256)
)


def raw_tokens(text: str) -> list[str]:
    """Return the word tokens of a text in their original case (same as tokens.raw_words)."""
    if text.isascii():
        data = text.encode("ascii").translate(_WORD_BYTES)
        if b"'" in data:
            data = blank_lone_apostrophes(data)
        return data.decode("ascii").split()
    if "'" in text or "’" in text:
        text = _LONE_APOSTROPHE.sub(" ", text)
    if not text.isascii():
        text = blank_non_ascii(text, keep="’")
    return text.encode("utf-8").translate(_WORD_BYTES).decode("utf-8").split()


def word_count(text: str, raw: list[str]) -> int:
    """Return len(tokens.words(text)), given raw, the raw tokens of text."""
    # Casefolding ASCII keeps every token intact; elsewhere it may split one ("İ" -> "i̇").
    return len(raw) if text.isascii() else len(raw_tokens(text.casefold()))


def top_keywords(raw: list[str], top: int) -> frozenset[str]:
    """Return the *top* keyword keys of a body's raw tokens by score, ties by key."""
    keys = _keys(raw)
    counts = Counter(filter(None, keys))  # keys are None (function words) or non-empty
    if len(counts) <= top:
        return frozenset(counts)
    chosen = _top_by_count(raw, keys, counts, top) if top > 0 else None
    return chosen if chosen is not None else _top_by_score(raw, keys, counts, top)


def _top_by_count(
    raw: list[str], keys: list[str | None], counts: Counter, top: int
) -> frozenset[str] | None:
    """Pick the top keys without scoring them all; None when exact scores tie at the cut.

    A score is the count plus a first-use bonus in (0, 1], so counts rank the keys and the bonus
    only orders the keys sharing the count at the cut: capitalised first uses, then earlier ones.
    """
    cut = sorted(counts.values(), reverse=True)[top - 1]
    sure = [k for k, c in counts.items() if c > cut]  # all in, whatever their bonus
    # A Counter lists keys in first-use order, so sorting the tied keys by rank (unique, and
    # negative for capitalised first uses) is a stable split: capitalised ones first.
    tied = [k for k, c in counts.items() if c == cut]
    pairs = list(zip(_first_use_ranks(raw, keys, tied), tied, strict=True))
    tied_pairs = [p for p in pairs if p[0] < 0] + [p for p in pairs if p[0] >= 0]
    total, need = len(raw), top - len(sure)
    # Exact scores confirm the cut: the weakest chosen key must beat every lower count (scores
    # at most cut) and the strongest tied key left out, which must lose to every surer key.
    last_in = _score(cut, tied_pairs[need - 1][0], total)
    if not last_in > cut:
        return None
    if need < len(tied_pairs):
        first_out = _score(cut, tied_pairs[need][0], total)
        if not last_in > first_out or not first_out < cut + 1:
            return None
    return frozenset(sure + [k for _, k in tied_pairs[:need]])


def _top_by_score(
    raw: list[str], keys: list[str | None], counts: Counter, top: int
) -> frozenset[str]:
    """Score every key and rank by (-score, key): the reference definition."""
    total = len(raw)
    scores = {
        key: _score(counts[key], pos - total if raw[pos][0].isupper() else pos, total)
        for key, pos in _first_positions(keys).items()
    }
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
    return frozenset(w for w, _ in ranked[:top])


def _score(count: int, rank: int, total: int) -> float:
    """Return the score of a key seen *count* times, first at rank (see _top_by_count)."""
    pos, capitalised = (rank + total, True) if rank < 0 else (rank, False)
    # Lead words and names carry the story when every word occurs once.
    score = 0.5 * (1 - pos / total) + (0.5 if capitalised else 0.0)
    for _ in range(count):
        score += 1.0  # one addition per occurrence: the sum must round as it always did
    return score


def _first_use_ranks(raw: list[str], keys: list[str | None], some: list[str]) -> list[int]:
    """Rank keys by first use: capitalised ones get position - len(raw), so they come first.

    some must list keys in first-use order, as a Counter of keys does.
    """
    positions = _first_indexes(keys, some)
    capitalised = map(str.isupper, map(itemgetter(0), map(raw.__getitem__, positions)))
    return list(map(sub, positions, map(mul, capitalised, repeat(len(raw)))))


def _first_indexes(keys: list[str | None], ordered: list[str]) -> list[int]:
    """Return the index of each key's first occurrence, for keys listed in first-use order."""
    # First uses of keys in that order come in increasing positions: each search starts after
    # the previous find, so together they scan keys once (in C), and only the few keys tied at
    # the cut are looked up, not a position map of every key built.
    found, at = [], -1
    find = keys.index
    for key in ordered:
        at = find(key, at + 1)
        found.append(at)
    return found


def _first_positions(keys: list[str | None]) -> dict[str | None, int]:
    """Map each key to the index of its first occurrence."""
    # Walking backwards leaves each key mapped to its first position.
    first = dict(zip(reversed(keys), range(len(keys) - 1, -1, -1), strict=True))
    first.pop(None, None)
    return first


def _keys(raw: list[str]) -> list[str | None]:
    """Map raw tokens to keyword keys, learning the keys of tokens not seen before."""
    return list(map(_KEYS.__getitem__, raw))


def keyword_key(word: str) -> str | None:
    """Return the stemmed form of a candidate keyword, or None for function words."""
    low = word.casefold().replace("’", "'")
    if len(low) < 3:
        return None
    # content_key drops exactly the stopwords and digit runs, and stems the rest: sharing its
    # table stems each new word once for keywords and summaries together.
    return content_key(low) or None


class _KeyTable(dict[str, str | None]):
    """Raw token -> keyword key, None for a function word; a missing token is learnt on lookup."""

    def __missing__(self, word: str) -> str | None:
        global _KEYS
        key = self[word] = keyword_key(word)
        if len(self) > _KEYS_MAX:
            _KEYS = _KeyTable()  # rebind, not clear: a caller may still read this table
        return key


_KEYS = _KeyTable()
_KEYS_MAX = 20_000  # bounds memory on endless streams of new names and numbers (~3 MB)
