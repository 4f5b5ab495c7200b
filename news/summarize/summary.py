"""Extractive summaries: the lead sentences, skipping quoted speech and cutting the last to fit."""

from __future__ import annotations

import logging
import re
import string
from collections.abc import Iterable, Iterator
from itertools import chain, islice

from news.sentences import iter_sentences
from news.tokens import ascii_separators

logger = logging.getLogger(__name__)

DEFAULT_MAX_CHARS = 350  # about three lines of a phone screen
SHORT_BODY_CHARS = 600
SHORT_BODY_SENTENCES = 3
MAX_CANDIDATES = 40  # later sentences rarely carry the story and cost O(n^2)
MIN_WORDS = 5
MIN_TAIL_CHARS = 20  # room below which a long summary ends rather than cut one more sentence
CLAUSE_SHARE = 0.6  # a cut sentence ends at a clause boundary this far into the room, if any

# Site furniture, matched as plain substrings of the casefolded sentence (fast, C-level search).
_BOILERPLATE_PHRASES = (
    "click here", "subscribe to", "subscribe now", "sign up", "our newsletter",
    "all rights reserved", "copyright", "©", "follow us", "read more", "read also", "also read",
    "advertisement", "cookies", "terms of use", "terms of service", "privacy policy",
    "share this", "download the app", "download our app", "file photo", "getty images",
)
# Quoted speech ("we will appeal", "I was shocked") rarely carries the news itself.
_FIRST_PERSON_RE = re.compile(r"\b(?:I|[Mm]e|[Mm]y|[Ww]e|us|[Oo]ur)\b")
_CLAUSE_END_RE = re.compile(r"[,;:–—](?= )")
_CAPTION_RE = re.compile(r"(?:photo|image|picture|video|source|credit)s?\s*:", re.IGNORECASE)
_PHRASE_SCAN_MAX_CHARS = 8000  # past ~40 sentences, scanning the body costs more than it saves
_TERMINALS = ".!?…。！？"
_CLOSERS = "\"'”’»)]"
_ASCII_LETTERS = string.ascii_letters.encode()


def summarize(
    title: str,
    body: str,
    *,
    max_chars: int = DEFAULT_MAX_CHARS,
    max_sentences: int = 3,
    title_from_body: bool = False,
) -> str:
    """Return an extractive summary of 1-3 body sentences, joined by spaces, within max_chars.

    title_from_body tells that the title was made from the body's lead, so no sentence echoes it.
    """
    if max_sentences < 1:
        return ""
    # Sentences are produced lazily: a long article is only split as far as it is read.
    stream = _sentences(body, "" if title_from_body else title)
    head = list(islice(stream, MAX_CANDIDATES))
    if not head:
        return ""
    phrases = _boilerplate_in(body)
    chosen: list[str] = []
    if len(head) > SHORT_BODY_SENTENCES and len(body) >= SHORT_BODY_CHARS:
        chosen = _lead_filled(head, phrases, max_chars, max_sentences)
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


def _lead_filled(
    sentences: list[str], phrases: tuple[str, ...], max_chars: int, max_sentences: int
) -> list[str]:
    """Take the lead, then the reported (not first-person) candidates in order; cut the last."""
    chosen: list[str] = []
    used = -1
    for k, (_, s) in enumerate(_candidates(sentences[:MAX_CANDIDATES], phrases)):
        if k and _FIRST_PERSON_RE.search(s):
            continue
        room = max_chars - used - 1
        if len(s) > room:
            if room >= MIN_TAIL_CHARS or not chosen:
                chosen.append(_cut(s, room))
            break
        chosen.append(s)
        used += 1 + len(s)
        if len(chosen) == max_sentences:
            break
    return chosen


def _cut(sentence: str, max_chars: int) -> str:
    """Cut a sentence to max_chars with "…", at its last clause end if that comes late enough."""
    ends = [m.start() for m in _CLAUSE_END_RE.finditer(sentence, 0, max_chars - 1)]
    if ends and ends[-1] >= CLAUSE_SHARE * max_chars:
        return sentence[: ends[-1]] + "…"
    return truncate(sentence, max_chars)
