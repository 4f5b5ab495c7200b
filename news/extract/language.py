"""Cheap offline language guess: writing script first, then stopword counts for Latin script."""

from __future__ import annotations

import logging
import re
import unicodedata
from collections import Counter

logger = logging.getLogger(__name__)

# Looking at the start of a long document is enough and keeps the guess fast.
_SAMPLE_CHARS = 20_000
_MIN_LETTERS = 20
_MIN_STOPWORD_HITS = 3

_WORD_RE = re.compile(r"[^\W\d_]+", re.UNICODE)
_ASCII_RUNS = re.compile(r"[\x00-\x7f]+")
_ASCII_LETTER = re.compile(r"[A-Za-z]")
_ASCII_NON_LETTERS = bytes(b for b in range(128) if not chr(b).isalpha())
# Maps every ASCII byte that is not a letter to a space, so split() yields the words.
_ASCII_LETTERS_ONLY = bytes(b if b < 128 and chr(b).isalpha() else 0x20 for b in range(256))

# Unicode ranges of scripts that (almost) name one language on their own.
_SCRIPT_RANGES: tuple[tuple[int, int, str], ...] = (
    (0x0370, 0x03FF, "greek"),
    (0x1F00, 0x1FFF, "greek"),
    (0x0400, 0x052F, "cyrillic"),
    (0x0530, 0x058F, "armenian"),
    (0x0590, 0x05FF, "hebrew"),
    (0x0600, 0x06FF, "arabic"),
    (0x0750, 0x077F, "arabic"),
    (0xFB50, 0xFDFF, "arabic"),
    (0xFE70, 0xFEFF, "arabic"),
    (0x0900, 0x097F, "devanagari"),
    (0x0980, 0x09FF, "bengali"),
    (0x0E00, 0x0E7F, "thai"),
    (0x10A0, 0x10FF, "georgian"),
    (0x3040, 0x30FF, "kana"),
    (0x1100, 0x11FF, "hangul"),
    (0xAC00, 0xD7AF, "hangul"),
    (0x3400, 0x4DBF, "han"),
    (0x4E00, 0x9FFF, "han"),
)

_SCRIPT_LANGUAGE = {
    "greek": "el",
    "armenian": "hy",
    "hebrew": "he",
    "devanagari": "hi",
    "bengali": "bn",
    "thai": "th",
    "georgian": "ka",
    "kana": "ja",
    "hangul": "ko",
}


def _words(text: str) -> frozenset[str]:
    """Split a space-separated word list into a set."""
    return frozenset(text.split())


# Short, frequent and mostly language-specific function words.
_STOPWORDS: dict[str, frozenset[str]] = {
    "en": _words(
        "the of and to in is that for it with was on as are by this be from at have has "
        "which not but they their were been will would an or its said who"
    ),
    "de": _words(
        "der die das und ist nicht ein eine mit den dem auf sich auch für von zu des im "
        "wird werden wurde sind bei nach aus einer eines hat oder wie über"
    ),
    "fr": _words(
        "le la les et des du un une est que qui dans pour pas sur au aux par avec ce cette "
        "sont été il elle ont mais plus ses leur"
    ),
    "es": _words(
        "el la los las y de del que en un una es por con para se no al lo su como más pero "
        "sus fue este esta han muy también"
    ),
    "it": _words(
        "il lo la gli le di del della dei delle che e è un una per con non sono nel nella "
        "alla anche come più ma questo ha"
    ),
    "pt": _words(
        "o os a as e de do da dos das que em no na um uma para com não é por mais ao se "
        "como foi mas pelo pela são também"
    ),
    "nl": _words(
        "de het een en van in is dat op te zijn voor met niet die aan er om ook als bij "
        "maar door wordt werd naar heeft hebben"
    ),
    "pl": _words(
        "i w na z że się nie do to jest o od za po jak ale przez dla oraz jego są był "
        "została było także"
    ),
    "sv": _words(
        "och att det som en på är av för med till den har inte om ett var men från de "
        "sig också efter kan"
    ),
    "tr": _words(
        "ve bir bu da de için ile olarak olan çok daha gibi ama en ne kadar sonra şu her "
        "değil oldu ise"
    ),
}


def detect_language(text: str) -> str | None:
    """Guess the ISO 639-1 language of a text, or None when there is too little to tell."""
    sample = text[:_SAMPLE_CHARS]
    scripts = _count_scripts(sample)
    # One CJK character carries about as much as a short word, so it weighs more.
    weight = sum(scripts.values()) + 2 * sum(scripts[s] for s in ("han", "kana", "hangul"))
    if weight < _MIN_LETTERS:
        return None
    script, _ = scripts.most_common(1)[0]
    if script == "latin":
        return _guess_latin(sample)
    if script == "cyrillic":
        return _guess_cyrillic(sample)
    if script == "arabic":
        return _guess_arabic(sample)
    if script == "han":
        # Japanese mixes kanji with kana; any real amount of kana means Japanese.
        return "ja" if scripts["kana"] > scripts["han"] * 0.1 else "zh"
    return _SCRIPT_LANGUAGE.get(script)


def _count_scripts(text: str) -> Counter[str]:
    """Count letters per writing script, scripts in order of first appearance."""
    # ASCII letters are all Latin: count them in C. Only the non-ASCII characters are looked
    # at one by one, and each distinct one only once.
    ascii_letters = len(text.encode("ascii", "ignore").translate(None, _ASCII_NON_LETTERS))
    if text.isascii():
        return Counter({"latin": ascii_letters} if ascii_letters else {})
    counts: dict[str, int] = {}
    first_at: dict[str, int] = {}
    for char, n in Counter(_ASCII_RUNS.sub("", text)).items():
        if char.isalpha():
            script = _script_of(char)
            if script not in counts:
                counts[script], first_at[script] = 0, text.find(char)
            counts[script] += n
    if ascii_letters:
        first = _ASCII_LETTER.search(text).start()  # type: ignore[union-attr]
        first_at["latin"] = min(first, first_at.get("latin", first))
        counts["latin"] = counts.get("latin", 0) + ascii_letters
    # Counter keeps insertion order, and most_common() breaks ties by it.
    return Counter({script: counts[script] for script in sorted(first_at, key=first_at.get)})


def _script_of(char: str) -> str:
    """Name the script of one letter ("latin", "cyrillic", ... or "other")."""
    code = ord(char)
    if code < 0x0250 or 0x1E00 <= code <= 0x1EFF:
        return "latin"
    for start, end, name in _SCRIPT_RANGES:
        if start <= code <= end:
            return name
    if "LATIN" in unicodedata.name(char, ""):
        return "latin"
    return "other"


def _guess_cyrillic(text: str) -> str:
    """Tell Ukrainian, Belarusian and Serbian from Russian by their own letters."""
    lower = text.lower()
    ukrainian = sum(lower.count(c) for c in "іїєґ")
    russian = sum(lower.count(c) for c in "ыэъё")
    if sum(lower.count(c) for c in "ђћџљњј") > 3:
        return "sr"
    if lower.count("ў") > 3 and "ы" in lower:
        return "be"
    return "uk" if ukrainian > russian else "ru"


def _guess_arabic(text: str) -> str:
    """Tell Persian and Urdu from Arabic by letters Arabic does not use."""
    urdu = sum(text.count(c) for c in "ٹڈڑےں")
    persian = sum(text.count(c) for c in "پچژگکی")
    if urdu > 3:
        return "ur"
    return "fa" if persian > 3 else "ar"


def _guess_latin(text: str) -> str | None:
    """Pick the Latin-script language whose stopwords occur most often."""
    words = _ascii_word_counts(text) if text.isascii() else _word_counts(text)
    present = words.keys()
    scores = {
        lang: sum(words[w] for w in stopwords & present) for lang, stopwords in _STOPWORDS.items()
    }
    best = max(scores, key=scores.__getitem__)
    if scores[best] < _MIN_STOPWORD_HITS:
        logger.debug("too few stopwords to guess a language: %s", scores)
        return None
    return best


def _word_counts(text: str) -> Counter[str]:
    """Count the lower-cased words of a text."""
    if "\u0130" not in text:
        # Lower-casing maps every other letter to one letter (checked for all of Unicode), so
        # words split the same way before and after; only Greek sigma forms may differ.
        return Counter(_WORD_RE.findall(text.lower()))
    words: Counter[str] = Counter()  # "İ" lower-cases to "i" plus a combining dot
    for word, n in Counter(_WORD_RE.findall(text)).items():
        words[word.lower()] += n
    return words


def _ascii_word_counts(text: str) -> Counter[str]:
    """Count the lower-cased words of an ASCII text: runs of letters, split in C."""
    letters = text.encode("ascii").lower().translate(_ASCII_LETTERS_ONLY)
    return Counter(letters.decode("ascii").split())
