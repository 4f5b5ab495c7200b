"""Word tokens shared by the summariser and the story-similarity logic."""

from __future__ import annotations

import logging
import re

logger = logging.getLogger(__name__)

_WORD_RE = re.compile(r"\w+(?:['’]\w+)*", re.UNICODE)
# bytes.translate table that lowercases ASCII letters and turns every byte that is neither \w
# nor "'" into a space: casefolding and tokenising ASCII text in one C-level pass.
_ASCII_WORD_BYTES = bytes(
    ord(chr(b).lower()) if chr(b).isalnum() or chr(b) in "_'" else 32 for b in range(256)
)
# The same but keeping newlines, so one-line texts joined by "\n" translate in one pass.
_ASCII_LINE_BYTES = _ASCII_WORD_BYTES[:10] + b"\n" + _ASCII_WORD_BYTES[11:]
# An apostrophe joins two words only between word characters ("don't"); a doubled one splits.
_LONE_APOSTROPHE = re.compile(rb"'(?:(?!\w)|(?<!\w'))")
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
    if not text.isascii():
        text = ascii_separators(text)
        if not text.isascii():
            return _WORD_RE.findall(text.casefold())
    # ASCII: blank the non-word bytes and split, at C speed instead of one regex match per word.
    return _ascii_words(text.encode("ascii").translate(_ASCII_WORD_BYTES))


def ascii_separators(text: str) -> str:
    """Read "’" as "'" and blank common non-ASCII separators: words() keeps the same tokens."""
    # The pattern treats both apostrophes alike; a separator for another keeps tokens intact.
    text = text.replace("’", "'")
    for sep in _SEPARATORS:
        if sep in text:
            text = text.replace(sep, " ")
    return text


def _ascii_words(blanked: bytes) -> list[str]:
    """Split ASCII text translated by _ASCII_WORD_BYTES into the tokens of words()."""
    if b"'" in blanked:
        blanked = blank_lone_apostrophes(blanked)
    return blanked.decode("ascii").split()


def blank_lone_apostrophes(data: bytes) -> bytes:
    """Blank each "'" of translated ASCII that does not sit between two word characters."""
    # Every byte is a word character, "'" or whitespace by now; the pattern's leading literal
    # lets the engine skip straight from one apostrophe to the next.
    return _LONE_APOSTROPHE.sub(b" ", data)


def words_of_lines(texts: list[str]) -> list[list[str]]:
    """Return [words(t) for t in texts], tokenising one-line ASCII texts in a single pass."""
    joined = "\n".join(texts)
    if not joined.isascii():
        joined = ascii_separators(joined)  # as words() does for each text
    if not joined.isascii() or joined.count("\n") != len(texts) - 1:
        return [words(t) for t in texts]
    # The newlines survive the translation, so the lines stay the texts, lowercased and blanked.
    data = joined.encode("ascii").translate(_ASCII_LINE_BYTES)
    if b"'" in data:
        data = blank_lone_apostrophes(data)
    return [line.split() for line in data.decode("ascii").split("\n")]


def raw_words(text: str) -> list[str]:
    """Return the word tokens of a text with their original case."""
    return _WORD_RE.findall(text)


_STEMMED_ENDINGS = ("s", "g", "d")  # the last letters of "'s", "ing", "ed", "ies" and "s"


def stem(word: str) -> str:
    """Strip the commonest English inflections so "talks" and "talk" meet."""
    # Not cached here: content_key's token table (shared with keywords) records each stem.
    if not word.endswith(_STEMMED_ENDINGS):
        return word  # most new words (names, numbers) end otherwise: one test, not five
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
    # Nearly every token of news prose has been seen before: one dict lookup per token, and
    # map/filter keep the per-token work in C.
    return list(filter(None, map(_CONTENT.__getitem__, words(text))))


def content_words_of_lines(texts: list[str]) -> list[list[str]]:
    """Return [content_words(t) for t in texts], tokenising one-line texts in one pass."""
    get = _CONTENT.__getitem__
    return [list(filter(None, map(get, toks))) for toks in words_of_lines(texts)]


def content_key(token: str) -> str:
    """Return what content_words keeps of one token of words(): its stem, or "" if dropped."""
    return _CONTENT[token]


class _ContentTable(dict[str, str]):
    """Token of words() -> its stem, or "" when content_words drops it (stems are never empty).

    A missing token is worked out and recorded on lookup, so callers need no second pass.
    """

    def __missing__(self, word: str) -> str:
        global _CONTENT
        kept = "" if len(word) < 2 or word in STOPWORDS or word.isdigit() else stem(word)
        self[word] = kept
        if len(self) > _CONTENT_MAX:
            # Rebind rather than clear: a caller still holding the old table stays correct.
            _CONTENT = _ContentTable()
        return kept


_CONTENT = _ContentTable()
_CONTENT_MAX = 20_000  # bounds memory on endless streams of new names and numbers (~3 MB)
