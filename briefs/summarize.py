"""Extractive summaries: the lead for short items, LexRank with a lead bias for long ones."""

from __future__ import annotations

import logging
import math
import re
from collections import Counter

import numpy as np

from briefs.sentences import split_sentences
from briefs.tokens import content_words

logger = logging.getLogger(__name__)

SHORT_BODY_CHARS = 600
SHORT_BODY_SENTENCES = 3
MAX_CANDIDATES = 40  # later sentences rarely carry the story and cost O(n^2)
MIN_WORDS = 5
DAMPING = 0.85
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
_QUOTES = "\"'“‘«"
_FINISHED_RE = re.compile(r"[.!?…。！？][\"'”’»)\]]*$")


def summarize(title: str, body: str, *, max_chars: int = 350, max_sentences: int = 3) -> str:
    """Return an extractive summary of 1-3 body sentences, joined by spaces, within max_chars."""
    sentences = [_squash(s) for s in split_sentences(body)]
    sentences = _drop_title_echo(sentences, title)
    if not sentences or max_sentences < 1:
        return ""
    if len(sentences) <= SHORT_BODY_SENTENCES or len(body) < SHORT_BODY_CHARS:
        chosen = _lead(sentences, max_chars, max_sentences)
    else:
        chosen = _ranked(title, sentences, max_chars, max_sentences)
    return " ".join(chosen)


def _squash(sentence: str) -> str:
    """Collapse internal whitespace (hard-wrapped lines) to single spaces."""
    return " ".join(sentence.split())


def _drop_title_echo(sentences: list[str], title: str) -> list[str]:
    """Drop body sentences that merely repeat the headline."""
    key = _squash(title).casefold().rstrip(".")
    if not key:
        return sentences
    return [s for s in sentences if s.casefold().rstrip(".") != key]


def _lead(sentences: list[str], max_chars: int, max_sentences: int) -> list[str]:
    """Return the first usable sentences that fit; cut the first one when it alone is too long."""
    usable = [s for s in sentences if _is_prose(s)] or sentences
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


def _is_boilerplate(sentence: str) -> bool:
    """Tell whether a sentence is site furniture rather than news."""
    low = sentence.casefold()
    return any(p in low for p in _BOILERPLATE_PHRASES) or bool(_CAPTION_RE.match(sentence))


def _is_prose(sentence: str) -> bool:
    """Tell whether a sentence is finished prose, not a heading, caption or site furniture."""
    # Only the tail matters; searching the whole sentence for "$" would scan every position.
    return bool(_FINISHED_RE.search(sentence[-8:])) and not _is_boilerplate(sentence)


def _usable(sentence: str) -> bool:
    """Tell whether a sentence may stand in a long article's summary."""
    if sentence[0].islower() or sentence.endswith(":"):
        return False  # a fragment ("he added.") or a list intro
    if len(sentence.split()) < MIN_WORDS:
        return False
    letters = sum(map(str.isalpha, sentence))
    return letters >= 0.5 * len(sentence) and _is_prose(sentence)


def _ranked(title: str, sentences: list[str], max_chars: int, max_sentences: int) -> list[str]:
    """Pick the best-ranked sentences that fit, returned in document order."""
    cands = [(i, s) for i, s in enumerate(sentences[:MAX_CANDIDATES]) if _usable(s)]
    tokens = [content_words(s) for _, s in cands]
    keep = [k for k, t in enumerate(tokens) if t]
    cands, tokens = [cands[k] for k in keep], [tokens[k] for k in keep]
    if len(cands) < 2:
        return _lead(sentences, max_chars, max_sentences)
    matrix = _tfidf(tokens)
    sim = matrix @ matrix.T
    scores = _lexrank(sim, [i for i, _ in cands]) * _bonuses(title, cands, tokens)
    picked = _select(scores, sim, [s for _, s in cands], max_chars, max_sentences)
    if not picked:
        return [truncate(cands[int(np.argmax(scores))][1], max_chars)]
    return [cands[k][1] for k in sorted(picked)]


def _tfidf(tokens: list[list[str]]) -> np.ndarray:
    """Build L2-normalised TF-IDF rows, IDF computed over the article's own sentences."""
    df: Counter[str] = Counter()
    for toks in tokens:
        df.update(set(toks))
    vocab = {w: j for j, w in enumerate(df)}
    n = len(tokens)
    idf = np.array([math.log((1 + n) / (1 + df[w])) + 1.0 for w in vocab])
    matrix = np.zeros((n, len(vocab)))
    for row, toks in enumerate(tokens):
        for w, c in Counter(toks).items():
            matrix[row, vocab[w]] = 1.0 + math.log(c)
    matrix *= idf
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1.0, norms)


def _lexrank(sim: np.ndarray, positions: list[int], iterations: int = 50) -> np.ndarray:
    """Rank sentences by PageRank over cosine similarity, teleporting towards the lead."""
    weights = sim.copy()
    np.fill_diagonal(weights, 0.0)
    n = len(weights)
    row_sums = weights.sum(axis=1, keepdims=True)
    transition = np.where(row_sums > 0, weights / np.where(row_sums == 0, 1, row_sums), 1.0 / n)
    teleport = np.array([1.0 / (1.0 + p / 3.0) for p in positions])
    teleport /= teleport.sum()
    rank = np.full(n, 1.0 / n)
    for _ in range(iterations):
        new = (1 - DAMPING) * teleport + DAMPING * (transition.T @ rank)
        if np.abs(new - rank).sum() < 1e-9:
            return new
        rank = new
    return rank


def _bonuses(title: str, cands: list[tuple[int, str]], tokens: list[list[str]]) -> np.ndarray:
    """Multiply in a bonus for headline overlap and a penalty for sentences that open a quote."""
    title_words = set(content_words(title))
    out = np.ones(len(cands))
    for k, ((_, s), toks) in enumerate(zip(cands, tokens, strict=True)):
        if title_words:
            out[k] += TITLE_BONUS * len(title_words & set(toks)) / len(title_words)
        if s[0] in _QUOTES:
            out[k] *= QUOTE_PENALTY
    return out


def _select(
    scores: np.ndarray, sim: np.ndarray, texts: list[str], max_chars: int, max_sentences: int
) -> list[int]:
    """Greedily take top-scored sentences that fit and do not repeat a chosen one."""
    picked: list[int] = []
    used = -1
    for k in np.argsort(-scores, kind="stable"):
        k = int(k)
        if used + 1 + len(texts[k]) > max_chars:
            continue
        if any(sim[k, j] > REDUNDANCY for j in picked):
            continue
        picked.append(k)
        used += 1 + len(texts[k])
        if len(picked) == max_sentences:
            break
    return picked
