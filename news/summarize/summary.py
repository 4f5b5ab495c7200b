"""Extractive summaries: the lead for short items, LexRank with a lead bias for long ones."""

from __future__ import annotations

import logging
import re
import string
from collections.abc import Iterable, Iterator
from itertools import chain, islice

import numpy as np

from news.sentences import iter_sentences
from news.summarize.lexrank import lexrank, similarity
from news.tokens import ascii_separators, content_words, content_words_of_lines

logger = logging.getLogger(__name__)

SHORT_BODY_CHARS = 600
SHORT_BODY_SENTENCES = 3
MAX_CANDIDATES = 40  # later sentences rarely carry the story and cost O(n^2)
MIN_WORDS = 5
TITLE_BONUS = 0.3
QUOTE_PENALTY = 0.85
REDUNDANCY = 0.6  # cosine above which a second sentence adds nothing new

# Site furniture, matched as plain substrings of the casefolded sentence (fast, C-level search).
_BOILERPLATE_PHRASES = (
    "click here", "subscribe to", "subscribe now", "sign up", "our newsletter",
    "all rights reserved", "copyright", "©", "follow us", "read more", "read also", "also read",
    "advertisement", "cookies", "terms of use", "terms of service", "privacy policy",
    "share this", "download the app", "download our app", "file photo", "getty images",
)
_CAPTION_RE = re.compile(r"(?:photo|image|picture|video|source|credit)s?\s*:", re.IGNORECASE)
_PHRASE_SCAN_MAX_CHARS = 8000  # past ~40 sentences, scanning the body costs more than it saves
_QUOTES = "\"'“‘«"
_TERMINALS = ".!?…。！？"
_CLOSERS = "\"'”’»)]"
_ASCII_LETTERS = string.ascii_letters.encode()


def summarize(
    title: str,
    body: str,
    *,
    max_chars: int = 350,
    max_sentences: int = 3,
    title_words: frozenset[str] | None = None,
) -> str:
    """Return an extractive summary of 1-3 body sentences, joined by spaces, within max_chars.

    title_words, when given, must be the title's content words (saves tokenising it again).
    """
    if max_sentences < 1:
        return ""
    # Sentences are produced lazily: a long article is only split as far as it is read.
    stream = _sentences(body, title)
    head = list(islice(stream, MAX_CANDIDATES))
    if not head:
        return ""
    phrases = _boilerplate_in(body)
    chosen: list[str] = []
    if len(head) > SHORT_BODY_SENTENCES and len(body) >= SHORT_BODY_CHARS:
        if title_words is None:
            title_words = frozenset(content_words(title))
        chosen = _ranked(title_words, head, phrases, max_chars, max_sentences)
    return " ".join(chosen or _lead(chain(head, stream), phrases, max_chars, max_sentences))


def _squash(sentence: str) -> str:
    """Collapse internal whitespace (hard-wrapped lines) to single spaces."""
    if sentence.isprintable() and "  " not in sentence and sentence.strip(" ") == sentence:
        return sentence  # only single inner spaces: isprintable is False for other whitespace
    return " ".join(sentence.split())


def _sentences(body: str, title: str) -> Iterator[str]:
    """Yield the body's squashed sentences, less those that merely repeat the headline."""
    key = _squash(title).casefold().rstrip(".")
    size = len(key)
    for s in iter_sentences(body):
        if not (s.isprintable() and "  " not in s):  # iter_sentences strips: no outer blanks
            s = " ".join(s.split())
        # casefold never shortens text nor makes a dot of another character, so an echo is at
        # most len(key) long once its final dots go: most sentences skip the casefold.
        if key and (len(s) <= size or s[size] == ".") and s.casefold().rstrip(".") == key:
            continue
        yield s


def _phrase_keys(phrases: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """Group phrases under one of their longest words, shared between phrases where possible."""
    groups: dict[str, list[str]] = {}
    for phrase in phrases:
        words = phrase.split()
        longest = [w for w in words if len(w) == max(map(len, words))]
        key = next((w for w in longest if w in groups), longest[0])
        groups.setdefault(key, []).append(phrase)
    return {key: tuple(group) for key, group in groups.items()}


# A phrase can only be in a (squashed, casefolded) sentence if its key word is in the casefolded
# body, so one scan of a short body rules most phrases out for all its sentences.
_BOILERPLATE_KEYS = _phrase_keys(_BOILERPLATE_PHRASES)


def _boilerplate_in(body: str) -> tuple[str, ...]:
    """Return the boilerplate phrases that the body's sentences may contain."""
    if len(body) > _PHRASE_SCAN_MAX_CHARS:
        return _BOILERPLATE_PHRASES
    low = body.casefold()  # casefold maps each character on its own, so slices agree with it
    return tuple(chain.from_iterable(g for key, g in _BOILERPLATE_KEYS.items() if key in low))


def _lead(
    sentences: Iterable[str], phrases: tuple[str, ...], max_chars: int, max_sentences: int
) -> list[str]:
    """Return the first usable sentences that fit; cut the first one when it alone is too long."""
    usable: list[str] = []
    first: list[str] = []  # the fallback when no sentence at all is prose
    for s in sentences:
        if len(first) < max_sentences:
            first.append(s)
        if _is_prose(s, phrases):
            usable.append(s)
            if len(usable) == max_sentences:
                break  # later sentences cannot change the lead
    usable = usable or first
    chosen: list[str] = []
    used = -1
    for s in usable[:max_sentences]:
        if used + 1 + len(s) > max_chars:
            break
        chosen.append(s)
        used += 1 + len(s)
    return chosen or [truncate(usable[0], max_chars)]


def truncate(text: str, max_chars: int) -> str:
    """Cut text at a word boundary so that it fits max_chars including the trailing "…"."""
    if len(text) <= max_chars:
        return text
    if max_chars < 2:
        return "…"[:max_chars]
    cut = text[: max_chars - 1]
    space = cut.rfind(" ")
    if space > max_chars // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-–—") + "…"


def _is_boilerplate(sentence: str, phrases: tuple[str, ...]) -> bool:
    """Tell whether a sentence is site furniture: it holds one of phrases, or is a caption."""
    if phrases:
        low = sentence.casefold()
        for phrase in phrases:
            if phrase in low:
                return True
    return ":" in sentence and bool(_CAPTION_RE.match(sentence))  # the test is cheaper


def _is_prose(sentence: str, phrases: tuple[str, ...] = _BOILERPLATE_PHRASES) -> bool:
    """Tell whether a squashed sentence is finished prose, not a heading, caption or furniture."""
    # A terminal mark, then only closing quotes/brackets, within the last 8 characters.
    tail = sentence[-8:].rstrip(_CLOSERS)
    return bool(tail) and tail[-1] in _TERMINALS and not _is_boilerplate(sentence, phrases)


def _candidates(sentences: list[str], phrases: tuple[str, ...]) -> list[tuple[int, str]]:
    """Return (index, sentence) for the squashed sentences that may stand in a long summary."""
    out = []
    for i, (s, letters) in enumerate(zip(sentences, _letter_counts(sentences), strict=True)):
        if s[0].islower() or s.endswith(":"):
            continue  # a fragment ("he added.") or a list intro
        if s.count(" ") + 1 < MIN_WORDS:  # squashed: words are split by single spaces
            continue
        if letters >= 0.5 * len(s) and _is_prose(s, phrases):
            out.append((i, s))
    return out


def _letter_counts(sentences: list[str]) -> list[int]:
    """Return _letters(s) for each of the squashed (one-line) sentences."""
    joined = "\n".join(sentences)
    if not joined.isascii():
        # Typographic quotes and dashes are not letters, like the spaces that stand in for them:
        # the counts stay, and typical English news takes the ASCII path.
        joined = ascii_separators(joined)
    lines = joined.count("\n") + 1
    if lines != len(sentences):
        return list(map(_letters, sentences))
    if joined.isascii():
        # One translate for all: each line's length drops by its letter count.
        rest = joined.encode("ascii").translate(None, _ASCII_LETTERS).split(b"\n")
        return [len(s) - len(r) for s, r in zip(sentences, rest, strict=True)]
    return list(map(_letters, joined.split("\n")))


def _letters(text: str) -> int:
    """Count the characters of text for which str.isalpha() holds."""
    if text.isascii():
        # Deleting ASCII letters from bytes is C-speed; isalpha agrees with them on ASCII.
        data = text.encode("ascii")
        return len(data) - len(data.translate(None, _ASCII_LETTERS))
    return sum(map(str.isalpha, text))


def _ranked(
    title_words: frozenset[str],
    sentences: list[str],
    phrases: tuple[str, ...],
    max_chars: int,
    max_sentences: int,
) -> list[str]:
    """Pick the best-ranked candidates that fit, in document order; [] if too few candidates."""
    usable = _candidates(sentences[:MAX_CANDIDATES], phrases)
    cands = []
    tokens = []
    # Squashed sentences are single lines: tokenise them all in one pass.
    for cand, toks in zip(usable, content_words_of_lines([s for _, s in usable]), strict=True):
        if toks:
            cands.append(cand)
            tokens.append(toks)
    if len(cands) < 2:
        return []
    sim = similarity(tokens)
    ranks = lexrank(sim, [i for i, _ in cands])
    scores = [r * b for r, b in zip(ranks, _bonuses(title_words, cands, tokens), strict=True)]
    picked = _select(scores, sim, [s for _, s in cands], max_chars, max_sentences)
    if not picked:
        best = max(range(len(scores)), key=scores.__getitem__)  # the first best, like argmax
        return [truncate(cands[best][1], max_chars)]
    return [cands[k][1] for k in sorted(picked)]


def _bonuses(
    title_words: frozenset[str], cands: list[tuple[int, str]], tokens: list[list[str]]
) -> list[float]:
    """Multiply in a bonus for headline overlap and a penalty for sentences that open a quote."""
    if title_words:
        size = len(title_words)
        out = [1.0 + TITLE_BONUS * len(title_words.intersection(t)) / size for t in tokens]
    else:
        out = [1.0] * len(tokens)
    for k, (_, s) in enumerate(cands):
        if s[0] in _QUOTES:
            out[k] *= QUOTE_PENALTY
    return out


def _select(
    scores: list[float], sim: np.ndarray, texts: list[str], max_chars: int, max_sentences: int
) -> list[int]:
    """Greedily take top-scored sentences that fit and do not repeat a chosen one."""
    picked: list[int] = []
    used = -1
    keys = [-score for score in scores]
    for k in sorted(range(len(keys)), key=keys.__getitem__):  # stable, like argsort "stable"
        if used + 1 + len(texts[k]) > max_chars:
            continue
        if any(sim[k, j] > REDUNDANCY for j in picked):
            continue
        picked.append(k)
        used += 1 + len(texts[k])
        if len(picked) == max_sentences:
            break
    return picked
