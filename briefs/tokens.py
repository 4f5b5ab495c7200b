"""Word tokens shared by the summariser and the story-similarity logic."""

from __future__ import annotations

import logging
import re
from functools import lru_cache

logger = logging.getLogger(__name__)

_WORD_RE = re.compile(r"\w+(?:['’]\w+)*", re.UNICODE)
# bytes.translate table that lowercases ASCII letters and turns every byte that is neither \w
# nor "'" into a space: casefolding and tokenising ASCII text in one C-level pass.
_ASCII_WORD_BYTES = bytes(
    ord(chr(b).lower()) if chr(b).isalnum() or chr(b) in "_'" else 32 for b in range(256)
)
# Common non-ASCII separators; blanking them lets typical English news take the ASCII path.
_SEPARATORS = "“”‘—–…«»\u00a0"


def wordset(text: str) -> frozenset[str]:
    """Return the whitespace-separated words of a literal as a frozenset."""
    return frozenset(text.split())


# A small English function-word list: enough to stop "the" and "said" from dominating
# similarity; content words in other languages simply pass through.
STOPWORDS: frozenset[str] = wordset(
    """
    a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up upon very was we
    were what when where which while who whom why will with would you your yours yourself
    yourselves said says say saying told tells according also new one two would could may might
    must shall us mr mrs ms dr per via amid among around across within without yet still even
    however since though although whether many much several last first next year years week
    weeks day days time today yesterday tomorrow monday tuesday wednesday thursday friday
    saturday sunday
    """
)


def words(text: str) -> list[str]:
    """Return the casefolded word tokens of a text."""
    # Reading "’" as "'" first gives the same tokens: the pattern treats both alike.
    text = text.replace("’", "'")
    if not text.isascii():
        for sep in _SEPARATORS:
            if sep in text:
                text = text.replace(sep, " ")  # a separator for another keeps tokens intact
        if not text.isascii():
            return _WORD_RE.findall(text.casefold())
    # ASCII: blank the non-word bytes and split, at C speed instead of one regex match per word.
    toks = text.encode("ascii").translate(_ASCII_WORD_BYTES).decode("ascii").split()
    if "'" not in text:
        return toks
    # An apostrophe only joins word characters: drop those at token edges ("farmers' union").
    if "''" in text:  # a doubled one splits a token: leave that rare case to the pattern
        return [w for t in toks for w in _WORD_RE.findall(t)]
    return [w for t in toks if (w := t.strip("'"))]


def raw_words(text: str) -> list[str]:
    """Return the word tokens of a text with their original case."""
    return _WORD_RE.findall(text)


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Strip the commonest English inflections so "talks" and "talk" meet."""
    if word.endswith("'s"):
        word = word[:-2]
    if len(word) > 5 and word.endswith("ing"):
        return word[:-3]
    if len(word) > 4 and word.endswith("ed"):
        return word[:-2]
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def content_words(text: str) -> list[str]:
    """Return stemmed, casefolded tokens with stopwords, digits-only and 1-letter words removed."""
    toks = words(text)
    table = _CONTENT
    # Nearly every token of news prose has been seen before: one dict lookup per token, and
    # map/filter keep the per-token work in C.
    kept = list(map(table.get, toks))
    if None in kept:
        _learn(table, set(toks).difference(table))
        kept = list(map(table.__getitem__, toks))
    return list(filter(None, kept))


# Token of words() -> its stem, or "" when content_words drops it (stems are never empty).
_CONTENT: dict[str, str] = {}
_CONTENT_MAX = 50_000  # bounds memory on endless streams of new names and numbers (~8 MB)


def _learn(table: dict[str, str], tokens: set[str]) -> None:
    """Record in table what content_words keeps of each new token of words()."""
    global _CONTENT
    for w in tokens:
        table[w] = "" if len(w) < 2 or w in STOPWORDS or w.isdigit() else stem(w)
    if len(table) > _CONTENT_MAX:
        # Rebind rather than clear: a caller still holding the old table stays correct.
        _CONTENT = {}
