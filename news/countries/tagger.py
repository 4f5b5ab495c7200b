"""Country gazetteer: tag the countries a news item mentions (lookups: lookup.py).

Data comes from news/countries/data/countries.json (built by scripts/build_countries.py).
Ambiguity decisions, applied per item (title + body):
- Matching is case-sensitive on proper nouns ("Chad" not "chad"); an all-caps segment is
  re-cased first, and there a bare "US" is ignored (it is usually the pronoun).
- The longest alias wins ("Nigeria" over "Niger", "Papua New Guinea" over "Guinea"); blocker
  phrases ("Indian Ocean", "Korean Peninsula", "Latin American") consume text and tag nothing.
- Any alias right after "New" is dropped ("New Mexico", "New Jersey", "New England").
- Aliases in person_risk ("Jordan", "Washington", "Chad", "Georgia") are dropped when a
  capitalised word touches them ("Michael Jordan", "Jordan Peterson"); in title-case text only
  the word before counts. Names followed by a newspaper word ("Washington Post") are dropped.
- "Georgia" is the country unless the item has more US-state signals ("Atlanta", "X County")
  than country signals ("Tbilisi", "Georgian").
- Plain "Congo"/"Korea"/"Korean" go to the candidate the item otherwise names (or hints at);
  when it names both they are skipped; when it names neither, the first candidate is used
  (Congo -> CD, the far more frequent subject; Korea -> KR).
"""

from __future__ import annotations

import logging
import re
from collections import Counter

from news.countries.gazetteer import BLOCKED, Gazetteer, load_gazetteer
from news.types import CountryTag

logger = logging.getLogger(__name__)

TITLE_WEIGHT, LEAD_WEIGHT, BODY_WEIGHT = 3.0, 2.0, 1.0
ABOUT_MIN_MENTIONS, ABOUT_MIN_SHARE = 2, 0.25
LEAD_SENTENCES = 2
SHAPE_SAMPLE = 300  # characters looked at to tell a shouted or title-case segment
# Capitalised words that may touch a person-risk alias without making it a person's name.
STOPWORDS = frozenset(
    {
        "A", "An", "And", "As", "At", "But", "By", "For", "From", "If", "In", "Into", "Of", "On",
        "Or", "Over", "The", "To", "With", "Without", "Why", "How", "What", "When", "Where", "While",
        "Will", "Would", "Can", "Could", "Does", "Did", "Is", "Was", "Has", "Have", "Had", "Says",
        "Said", "Both", "Neither", "Between", "Against", "Across", "After", "Before", "During",
        "Under", "About", "Amid", "Near", "Toward", "Towards", "Via", "Not", "No",
    }
)
# A newspaper name ("Washington Post") is a source, not a country mention.
MEDIA_WORDS = frozenset(
    {
        "Post", "Times", "Daily", "Globe", "Herald", "Tribune", "Journal", "Gazette", "Examiner",
        "Independent", "Today", "Observer", "Telegraph", "Chronicle",
    }
)
LOWER_IN_NAMES = frozenset({"of", "the", "and", "da", "de"})
_WORD_BEFORE = re.compile(r"([A-Z][\w'-]*)[ \t]+$")
_WORD_AFTER = re.compile(r"[ \t]+([A-Z][\w'-]*)")
# "New" then blanks, not inside a word: the literal start lets the search skip along the text.
_NEW_AHEAD = re.compile(r"New(?<!\wNew)\s+")
NEW_REACH = 8  # "New" may start this many characters before the alias at most
_BLANKS = frozenset(" \t")  # sets, not strings: "" (the end of the text) is in any string
_CAPITAL_OR_BLANK = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ \t")
# Blanks after a sentence's end, before its successor. Written to start with the blank, not
# the lookbehind, so the search can skip ahead to blanks instead of trying every position.
_SENTENCE_END = re.compile(r"\s(?<=[.!?]\s)\s*(?=[\"“A-Z])")
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_UPPER_WORD = re.compile(r"[A-ZÀ-Þ]{2,}")
_LONG_WORD = re.compile(r"[^\W\d_]{4,}")
_ASCII_NON_LETTERS = bytes(c for c in range(128) if not chr(c).isalpha())
_ASCII_NON_UPPER = bytes(c for c in range(128) if not chr(c).isupper())


# One kept mention: (surface form, ISO2 or an ambiguous form resolved later, segment weight).
# A plain tuple: an item has a dozen mentions, and a tuple is far cheaper to make than an object.
_Mention = tuple[str, str, float]
# Tags made so far, by their values (see _new_tag).
_TAGS: dict[tuple[str, int, bool, float], CountryTag] = {}
MAX_SHARED_TAGS = 4096


def _is_all_caps(text: str) -> bool:
    """Tell whether a segment is shouted (a headline in capitals), judged on its start."""
    sample = text[:SHAPE_SAMPLE]
    if sample.isascii():
        # Deleting all other bytes counts letters and capitals at C speed.
        raw = sample.encode("ascii")
        letters = len(raw.translate(None, _ASCII_NON_LETTERS))
        upper = len(raw.translate(None, _ASCII_NON_UPPER))
    else:
        alpha = list(filter(str.isalpha, sample))
        letters, upper = len(alpha), sum(map(str.isupper, alpha))
    return letters >= 12 and upper >= 0.8 * letters


def _is_title_case(text: str) -> bool:
    """Tell whether most longer words are capitalised, as in "Talks Resume In Jordan"."""
    words = _LONG_WORD.findall(text[:SHAPE_SAMPLE])
    return len(words) >= 3 and sum(w[0].isupper() for w in words) >= 0.7 * len(words)


def _recase(text: str, keep: frozenset[str]) -> str:
    """Turn a shouted segment into capitalised words, keeping known acronyms ("UK")."""

    def fix(m: re.Match[str]) -> str:
        word = m.group()
        if word in keep:
            return word
        lower = word.lower()
        return lower if lower in LOWER_IN_NAMES else word.capitalize()

    return _UPPER_WORD.sub(fix, text)


def _touching_word(text: str, start: int, end: int) -> str:
    """Tell where a capitalised non-function word touches a match: "before", "after" or ""."""
    before = _WORD_BEFORE.search(text, max(0, start - 40), start)
    if before and before.group(1) not in STOPWORDS:
        return "before"
    after = _WORD_AFTER.match(text, end, end + 40)
    return "after" if after and after.group(1) not in STOPWORDS else ""


def _new_ends(text: str) -> set[int]:
    """Return where an alias right after "New" would start ("New Mexico": at "M").

    "New" must begin at most 8 characters before the alias and not inside a word; the set
    lets the scan check each mention with one lookup instead of a search.
    """
    if "New" not in text:
        return set()
    return {m.end() for m in _NEW_AHEAD.finditer(text) if m.end() - m.start() <= NEW_REACH}


def _media_after(text: str, end: int) -> bool:
    """Tell whether a newspaper word follows index end ("Washington Post")."""
    found = _WORD_AFTER.match(text, end, end + 40)
    return bool(found and found.group(1) in MEDIA_WORDS)


def _scan(data: Gazetteer, segment: str, weight: float) -> list[_Mention]:
    """Find the country mentions in one segment (title, lead or body).

    Guards dropping a mention: an alias after "New", a bare "US" in shouted text, a person's
    name around a person-risk alias, a newspaper word after it. The loop runs once per
    mention, so the common checks are inlined.
    """
    text = segment.replace("’", "'")
    caps = _is_all_caps(text)
    if caps:
        text = _recase(text, data.upper_aliases)
    found: list[_Mention] = []
    title_case = None  # only a word after a person-risk alias needs it: decided on first use
    surfaces, person_risk, after_new = data.surface, data.person_risk, _new_ends(text)
    for m in data.pattern.finditer(text):
        surface = m.group()
        if not surface.isalpha():  # a multi-word match may hold newlines or double spaces
            surface = " ".join(surface.split())
        target = surfaces.get(surface, BLOCKED)
        if target == BLOCKED:
            continue
        if (after_new and m.start() in after_new) or (caps and surface == "US"):
            continue
        end = m.end()
        if surface in person_risk and (side := _touching_word(text, m.start(), end)):
            # In title-case text every word is capitalised: only the word before tells.
            if side == "after" and title_case is None:
                title_case = not caps and _is_title_case(text)
            if side == "before" or not title_case:
                continue
        # _WORD_AFTER needs a blank and then a capital or blank: most mentions fail at once.
        if (
            text[end : end + 1] in _BLANKS
            and text[end + 1 : end + 2] in _CAPITAL_OR_BLANK
            and _media_after(text, end)
        ):
            continue
        found.append((surface, target, weight))
    return found


def _split_lead(body: str) -> tuple[str, str]:
    """Split a body into its lead (first paragraph, at most two sentences) and the rest."""
    body = body.strip()
    parts = _PARAGRAPH_BREAK.split(body, maxsplit=1)
    if len(parts) == 1:
        parts = body.split("\n", 1)
    sentences = _SENTENCE_END.split(parts[0], maxsplit=LEAD_SENTENCES)
    lead = " ".join(sentences[:LEAD_SENTENCES])
    rest = sentences[LEAD_SENTENCES:] + parts[1:]
    return lead, "\n".join(rest)


def _apply_context_rules(data: Gazetteer, text: str, found: list[_Mention]) -> list[_Mention]:
    """Drop mentions whose context says they mean something else (Georgia, U.S.)."""
    surfaces = {surface for surface, _, _ in found}
    for rule in data.rules:
        if surfaces.isdisjoint(rule.aliases):
            continue  # the rule's patterns are costly; most items never need them
        against = sum(len(p.findall(text)) for p in rule.against)
        support = sum(len(p.findall(text)) for p in rule.support)
        if against > support:
            found = [f for f in found if f[0] not in rule.aliases]
    return found


def _resolve_ambiguous(data: Gazetteer, text: str, found: list[_Mention]) -> list[_Mention]:
    """Give plain "Congo"/"Korea" the candidate the item names otherwise; skip a tie."""
    ambiguous = data.ambiguous
    if ambiguous.keys().isdisjoint([target for _, target, _ in found]):
        return found
    explicit = Counter(target for _, target, _ in found if target not in ambiguous)
    # Decided once per ambiguous name: the hints search the whole text, and a long article
    # may say "Korea" dozens of times.
    choices: dict[str, str | None] = {}
    resolved = []
    for mention in found:
        surface, target, weight = mention
        candidates = ambiguous.get(target)
        if candidates is None:
            resolved.append(mention)
            continue
        if target not in choices:
            present = [c for c in candidates if explicit[c] or _hinted(data, c, text)]
            choices[target] = present[0] if len(present) == 1 else None if present else candidates[0]
        if choice := choices[target]:
            resolved.append((surface, choice, weight))
    return resolved


def _hinted(data: Gazetteer, code: str, text: str) -> bool:
    """Tell whether the text has a context hint for a country (a place only it has)."""
    return any(p.search(text) for p in data.hints.get(code, ()))


def _rank(found: list[_Mention]) -> list[CountryTag]:
    """Turn mentions into tags: score, about (title/lead or a large share), sorted."""
    mentions: dict[str, int] = {}
    scores: dict[str, float] = {}
    leading = set()
    for _, target, weight in found:
        if target in scores:
            mentions[target] += 1
            scores[target] += weight
        else:
            mentions[target] = 1
            scores[target] = weight
        if weight > BODY_WEIGHT:
            leading.add(target)
    floor = ABOUT_MIN_SHARE * max(scores.values(), default=0.0)
    # Sort plain tuples, then fetch the tags in their final order.
    order = sorted(
        (
            code not in leading and (mentions[code] < ABOUT_MIN_MENTIONS or score < floor),
            -score,
            code,
        )
        for code, score in scores.items()
    )
    keys = [(code, mentions[code], not aside, -neg) for aside, neg, code in order]
    return [_TAGS.get(key) or _new_tag(key) for key in keys]


def _new_tag(key: tuple[str, int, bool, float]) -> CountryTag:
    """Make a tag and keep it for reuse."""
    # Tags are frozen, and making one costs several times more than finding it again: items
    # repeat the same few values.
    if len(_TAGS) >= MAX_SHARED_TAGS:
        _TAGS.clear()
    tag = _TAGS[key] = CountryTag(*key)
    return tag


def tag_countries(title: str, body: str) -> list[CountryTag]:
    """Find the countries an item is about or mentions, strongest first."""
    data = load_gazetteer()
    lead, rest = _split_lead(body or "")
    found: list[_Mention] = []
    for segment, weight in ((title or "", TITLE_WEIGHT), (lead, LEAD_WEIGHT), (rest, BODY_WEIGHT)):
        found += _scan(data, segment, weight)
    text = f"{title}\n{body}"
    found = _apply_context_rules(data, text, found)
    return _rank(_resolve_ambiguous(data, text, found))
