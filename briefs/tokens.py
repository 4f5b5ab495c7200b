"""Word tokens shared by the summariser and the story-similarity logic."""

from __future__ import annotations

import logging
import re
from functools import lru_cache

logger = logging.getLogger(__name__)

_WORD_RE = re.compile(r"\w+(?:['’]\w+)*", re.UNICODE)


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
    return [w.replace("’", "'") for w in _WORD_RE.findall(text.casefold())]


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
    out = []
    for w in words(text):
        if len(w) < 2 or w in STOPWORDS or w.isdigit():
            continue
        out.append(stem(w))
    return out
