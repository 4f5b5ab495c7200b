"""Same event, different words: weighted event terms of an item, story profiles and their score.

An item becomes a short vector of weighted terms: the words, names, numbers and years its
headline and lead tell. A word weighs by how rare it is in English at large (wordfreq's Zipf
scale), so what is stored weighs the same whatever arrived before it; a word capitalised in
mid-sentence is a name and weighs as a rare word (days and months are no names); numbers and
years weigh most, as they tell two events of one kind apart (two earthquakes, two years).
Headline terms weigh as the body's do, no more: a headline names the kind of event in the words
every event of the kind shares ("quake strikes Indonesia"); the terms of the body's first lines
weigh more, as a report opens with its own event and turns to background (often an earlier event
of the kind) further down. A story is the running sum of its members' vectors (its centroid),
the span of their publication dates and the weekdays and months they name.

An item joins the story whose centroid is closest by cosine, at or above THRESHOLD, if the
story holds at least MIN_SHARED of the item's strongest terms. The cosine falls when the
strongest names and numbers of the two sides are not shared (two events of one kind differ in
who, where and how many: entity_mismatch); when both are dated, it rises for reports days
apart and fades over months; when either is undated and each tells years, none the same, it
falls (years_differ), as it does when each gives several figures, none the same (figures_differ);
when each names weekdays (or months), it falls if none is the same and rises if one is ("on
Thursday": every report of one event names the day it happened: calendar_agreement). No date is
invented: an undated item is compared by its words and the years, weekdays and months its text
names. Looking for a story, the item's terms that many stories held share weigh less
(store_query): a feed about one country names it in every item, and that must not make all its
items one story.

This module is pure (no database): storage keeps each item's encoded terms (encode_terms) and
rebuilds story profiles from them.
"""

from __future__ import annotations

import math
import re
from array import array
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from itertools import filterfalse, islice, repeat
from operator import itemgetter, mul

from news.tokens import ascii_separators, blank_lone_apostrophes, stem

ZIPF_COMMON = 6.0  # words this common or more ("the", "said", "new") carry no weight
ZIPF_UNKNOWN = 1.0  # the Zipf frequency of a word wordfreq does not list (a rare name)
IDF_POWER = 0.5  # weight = (ZIPF_COMMON - zipf) ** power: rare names must not drown the rest
NAME_ZIPF = 2.0  # a capitalised mid-sentence word counts as no commoner than this ("Bush")
NAME_BOOST = 2.0  # and weighs this much more: who and where tell events apart
NUMBER_WEIGHT = 3.0  # a number ("6.1", "97") or a year outweighs any word (at most 5 ** 0.5)
SMALL_NUMBER = 10  # whole numbers below this ("3 people") are too common to tell events apart
MAX_TERMS = 48  # an item keeps its strongest terms: bounded storage and scoring
# A report opens with its event (who, where, what, how many) and turns to background further
# down, often an earlier event of the kind: the terms of its first lines weigh this much more.
HEAD_CHARS = 400
HEAD_BOOST = 1.3
# The lead of an article tells its event; further down, background that other events of the
# kind share (measured on ECB+: no loss of F1), and long texts cost no more than this.
LEAD_CHARS = 2500
INDEX_KEYS = 12  # the strongest terms of an item, under which candidate stories are found
CENTROID_TERMS = 96  # a story's centroid is cut back to this many terms ...
CENTROID_SLACK = 2  # ... once it holds this many times as many
DATE_BONUS = 1.0  # both dated, same days: similarity x (1 + bonus) ...
DATE_SCALE_DAYS = 30.0  # ... the bonus falling as 1 / (1 + gap / scale) with the days apart ...
DATE_FADE_DAYS = 180.0  # ... and the similarity as 1 / (1 + gap / fade)
# A term that many stories held share tells little here, whatever its rarity in English: a
# stream about one country names it everywhere. Looking for a story, an item's term weighs
# 1 / (1 + STORE_DAMPING * share of stories holding it); STORE_PRIOR stories are assumed held
# besides, so the first few stories do not make every term common.
STORE_DAMPING = 16.0
STORE_PRIOR = 50
# One event is told with several of the same specifics (who, where, how many): a story must
# hold this many of an item's INDEX_KEYS strongest terms, not one shared place name.
MIN_SHARED = 3
# Two events of one kind differ in who, where and how many: the score falls by ENTITY_PENALTY
# times the share of the strongest ENTITY_TERMS names and numbers that the sides do not share.
ENTITY_TERMS = 6
ENTITY_PENALTY = 0.6
NUMBER_MISMATCH = 0.2  # added when each side's strongest numbers are all missing on the other
NAME_MISMATCH = 0.2  # added when each side's strongest name (or number) is missing on the other
# Either side undated, and each names years but none the same: most likely another year's event.
YEAR_PENALTY = 0.3
# Either side undated, and both name weekdays: reports of one event name the day it happened,
# and another event of the kind most likely fell on another. None the same: the score falls by
# WEEKDAY_PENALTY; one the same, it rises by WEEKDAY_BONUS, less, as one day in seven is shared
# by chance.
WEEKDAY_PENALTY = 0.4
WEEKDAY_BONUS = 0.2
# The same for the months both name, the other way round: a month in common is rarely chance,
# while one named as background ("last December") often differs.
MONTH_PENALTY = 0.1
MONTH_BONUS = 0.2
# Either side undated, and each gives MIN_FIGURES numbers or more, none the same: reports of one
# event repeat its figures (a toll, a magnitude, a sum, an age), two events of a kind differ in them.
MIN_FIGURES = 3
FIGURES_PENALTY = 0.2
THRESHOLD = 0.35  # the least score that joins an item to a story

# Runs of digits with their separators ("6.1", "1,000", "2009."): a pattern led by a character
# class and a plain repeat is scanned three times faster than \d+(?:[.,]\d+)*.
_NUMBER = re.compile(r"[0-9][0-9.,]*")
_CAPITAL = r"[A-ZÀ-ÖØ-Þ][^\W\d_]*(?:'[^\W\d_]+)*"
# A word capitalised after a sentence end, a quote or a line break may be capitalised as an opening.
_OPENING = re.compile(rf"[.!?:;\"“”\n][ \t]*({_CAPITAL})")
_HEADLINE_WORD = re.compile(r"[^\W\d_]+")
# Words are letters (and inner apostrophes); digits are read apart, as numbers.
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*")
# bytes.translate table that keeps ASCII letters and "'" and blanks everything else: ASCII text
# split into words in one C-level pass.
_LETTER_BYTES = bytes(b if chr(b).isalpha() or chr(b) == "'" else 32 for b in range(128)) + b" " * 128


@dataclass(frozen=True, slots=True)
class EventTerms:
    """An item's event terms: unit-length weights, strongest first, and its publication date."""

    vector: dict[str, float]
    day: date | None
    # The terms of the vector that the text writes as names, numbers or years: who, where, how
    # many and when, which tell two events of one kind apart.
    names: frozenset[str] = frozenset()
    # The weekdays and months the headline and lead name ("on Thursday", "Dec. 11"): every outlet
    # reporting one event names when it happened, whatever else it words its own way.
    days: frozenset[str] = frozenset()

    @property
    def keys(self) -> tuple[str, ...]:
        """Return the terms under which the item is indexed and looks for candidates."""
        return tuple(islice(self.vector, INDEX_KEYS))


def event_terms(title: str, body: str, published: date | None) -> EventTerms:
    """Return the event terms of an item from its headline, body and publication date."""
    rarity: dict[str, float] = {}
    counts: dict[str, int] = {}
    names: set[str] = set()
    days: set[str] = set()
    _add_text(lead(body), True, rarity, counts, names, days)
    if title:
        headline: dict[str, float] = {}
        _add_text(title, sentence_case(title), headline, counts, names, days)
        for term, weight in headline.items():
            if weight > rarity.get(term, 0.0):  # a name in the headline weighs as a name
                rarity[term] = weight
    for term in terms_in(body[:HEAD_CHARS]).intersection(rarity):
        rarity[term] *= HEAD_BOOST
    if published is not None:
        year = f"y{published.year}"
        rarity[year] = NUMBER_WEIGHT
        counts[year] = counts.get(year, 0) + 1
    terms = list(rarity)
    weights = list(map(mul, rarity.values(), map(_DAMPING.__getitem__, map(counts.__getitem__, terms))))
    vector = _unit(terms, weights, MAX_TERMS)
    return EventTerms(vector, published, frozenset(names.intersection(vector)), frozenset(days))


def lead(body: str) -> str:
    """Return the start of a body that tells its event (up to LEAD_CHARS, cut at a space)."""
    if len(body) <= LEAD_CHARS:
        return body
    cut = body.rfind(" ", 0, LEAD_CHARS)
    return body[:cut if cut > 0 else LEAD_CHARS]


class _Damping(dict[int, float]):
    """Occurrences -> 1 + log(occurrences): a word said five times is not five times the event."""

    def __missing__(self, n: int) -> float:
        value = self[n] = 1.0 + math.log(n)
        return value


_DAMPING = _Damping()


def _add_text(text: str, cased: bool, rarity: dict[str, float], counts: dict[str, int],
              named: set[str], days: set[str]) -> None:
    """Add the word and number terms of *text* to rarity (max weight) and counts (occurrences).

    The terms written as names, numbers or years go to *named* too, the weekdays and months
    the text names to *days*.
    """
    if not text.isascii():
        text = ascii_separators(text)  # "’" read as "'", dashes and quotes blanked
    words = Counter(cased_words(text))
    days.update(map(_CALENDAR_NAMES.__getitem__, _CALENDAR_NAMES.keys() & words.keys()))
    names = names_in(text, words) if cased else ()
    table = _WORD_TERMS  # keyed by the word as written: "Aceh" and "aceh" are one term
    get = rarity.get
    for word, n in words.items():
        entry = table[word]
        if entry is not None:
            term = entry[0]
            weight = entry[1]
            if word in names and entry[2] > weight:  # days and months weigh as words, no names
                weight = entry[2]
                named.add(term)
            if weight > get(term, 0.0):
                rarity[term] = weight
            counts[term] = counts.get(term, 0) + n
    numbers = _NUMBER_TERMS
    for number, n in Counter(_NUMBER.findall(text)).items():
        term = numbers[number]
        if term:
            rarity[term] = NUMBER_WEIGHT
            counts[term] = counts.get(term, 0) + n
            named.add(term)


def terms_in(text: str) -> set[str]:
    """Return the word and number terms of a text, unweighted."""
    if not text.isascii():
        text = ascii_separators(text)
    found = {entry[0] for entry in map(_WORD_TERMS.__getitem__, set(cased_words(text))) if entry}
    found.update(filter(None, map(_NUMBER_TERMS.__getitem__, _NUMBER.findall(text))))
    return found


def cased_words(text: str) -> list[str]:
    """Return the words of a text in their case, letters only ("G20" gives "G"; "6.1" nothing)."""
    if not text.isascii():
        return _WORD.findall(ascii_separators(text))
    data = text.encode("ascii").translate(_LETTER_BYTES)
    if b"'" in data:
        data = blank_lone_apostrophes(data)
    return data.decode("ascii").split()


def names_in(text: str, words: Counter[str] | None = None) -> set[str]:
    """Return the words capitalised in mid-sentence at least once, as written.

    *words* counts cased_words(text), when the caller has it.
    """
    if words is None:
        words = Counter(cased_words(text))
    capitalised = set(filterfalse(str.islower, words))
    if not capitalised:
        return capitalised
    # Counted, not located: a word capitalised more often than it opens a sentence was
    # capitalised in mid-sentence somewhere. The text's first word opens it too.
    openings = _OPENING.findall("\n" + text)
    opened = capitalised.intersection(openings)
    capitalised.difference_update(w for w in opened if words[w] <= openings.count(w))
    return capitalised


def _unit(terms: list[str], weights: list[float], limit: int) -> dict[str, float]:
    """Return the strongest *limit* terms scaled to unit length, strongest first."""
    # A stable sort of positions: equal weights keep the text's order, the same every time.
    top = sorted(range(len(terms)), key=weights.__getitem__, reverse=True)[:limit]
    scale = _SCALE / (math.hypot(*map(weights.__getitem__, top)) or 1.0)
    # Rounded as stored (encode_terms), so an item weighs the same read back from the store;
    # rounded to a whole number first: round(x, 3) costs ten times more.
    return {terms[i]: r / _SCALE for i in top if (r := round(weights[i] * scale)) > 0}


def sentence_case(title: str) -> bool:
    """Tell whether at most half of a headline's words are capitalised (so capitals mark names)."""
    tokens = _HEADLINE_WORD.findall(title)
    return sum(t[0].isupper() for t in tokens) * 2 <= len(tokens)


def number_term(token: str) -> str | None:
    """Return the term of a number as the text writes it ("6.1", "1,000"), or None if it tells nothing."""
    token = token.strip(".,").replace(",", "")
    if not token:
        return None
    if token.isdigit():
        value = int(token)
        if len(token) == 4 and 1900 <= value <= 2099:
            return f"y{value}"  # a year, also taken from publication dates
        if value < SMALL_NUMBER:
            return None
    return f"#{token}"


class _NumberTerms(dict[str, str | None]):
    """Number as found -> number_term of it, recorded on first lookup (bounded)."""

    def __missing__(self, token: str) -> str | None:
        global _NUMBER_TERMS
        term = self[token] = number_term(token)
        if len(self) > _NUMBER_TERMS_MAX:
            _NUMBER_TERMS = _NumberTerms()
        return term


_NUMBER_TERMS = _NumberTerms()
_NUMBER_TERMS_MAX = 20_000


@lru_cache(maxsize=1)
def zipf_table() -> dict[str, float]:
    """Return the English words wordfreq lists at Zipf NAME_ZIPF or more, with their Zipf value."""
    from wordfreq import get_frequency_list  # imported here: only ingest needs the table

    # The list holds words in buckets of one centibel each: bucket i is Zipf 9 - i / 100.
    # Rarer words are left out (half the list, 25 MB): a name weighs as NAME_ZIPF at most
    # anyway, and another word rarer than that weighs within a tenth of an unlisted one.
    table: dict[str, float] = {}
    for bucket, found in enumerate(get_frequency_list("en", wordlist="best")):
        zipf = 9.0 - bucket / 100.0
        if zipf < NAME_ZIPF:
            break
        for word in found:
            table.setdefault(word, zipf)
    get_frequency_list.cache_clear()  # wordfreq keeps the whole list otherwise
    return table


def word_weight(word: str, is_name: bool = False) -> float:
    """Return the weight of a lowercase word, or of a name spelt so; 0 for common words."""
    zipf = zipf_table().get(word, ZIPF_UNKNOWN)
    if zipf >= ZIPF_COMMON:
        return 0.0  # function words stay weightless, capitalised or not
    if is_name:
        return (ZIPF_COMMON - min(zipf, NAME_ZIPF)) ** IDF_POWER * NAME_BOOST
    return (ZIPF_COMMON - zipf) ** IDF_POWER


class _WordTerms(dict[str, tuple[str, float, float] | None]):
    """Word as written -> (term, weight, weight as a name), or None for a word without weight.

    A missing word is worked out and recorded on lookup: news repeats its words, so each costs
    one dictionary lookup after its first use.
    """

    def __missing__(self, word: str) -> tuple[str, float, float] | None:
        global _WORD_TERMS
        entry = _word_entry(word.lower())
        self[word] = entry
        if len(self) > _WORD_TERMS_MAX:
            _WORD_TERMS = _WordTerms()  # rebind, not clear: a caller may still hold this one
        return entry


def _word_entry(word: str) -> tuple[str, float, float] | None:
    word = word.removesuffix("'s")
    if len(word) < 2:
        return None
    weight = word_weight(word)
    if weight <= 0.0:
        return None
    # Days and months are capitalised by convention, not as names: any event has a Tuesday.
    named = weight if word in CALENDAR_WORDS else word_weight(word, is_name=True)
    return stem(word), weight, named


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
          "october", "november", "december")


def _calendar_names() -> dict[str, str]:
    """Return weekday and month names as news writes them ("Tuesday", "TUESDAY", "Dec") -> "tuesday".

    Capitalised only, so "march" (the verb) is no month; without "May" (a verb opening a sentence,
    a surname) and the abbreviations that are names too ("Jan", "Mar").
    """
    found = {}
    for name in WEEKDAYS + MONTHS:
        if name != "may":
            found[name.title()] = found[name.upper()] = name
    for short in ("Feb", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec"):
        found[short] = found[short.upper()] = next(m for m in MONTHS if m.startswith(short.lower()))
    return found


_CALENDAR_NAMES = _calendar_names()
_CALENDAR_KINDS = ((frozenset(WEEKDAYS), WEEKDAY_BONUS, WEEKDAY_PENALTY),
                   (frozenset(MONTHS), MONTH_BONUS, MONTH_PENALTY))
CALENDAR_WORDS = frozenset(WEEKDAYS + MONTHS)
_WORD_TERMS = _WordTerms()
_WORD_TERMS_MAX = 30_000  # bounds memory on endless streams of new names (~6 MB)


# --- storage form ------------------------------------------------------------------------------

_DIGITS = 3  # weights are kept in thousandths
_SCALE = 10**_DIGITS


_NAMED = "*"  # marks a stored term the text writes as a name, number or year
_DAY = "@"  # leads a weekday or month the text names ("@thursday"), after the weighted terms


def encode_terms(terms: EventTerms) -> str:
    """Return the stored form of an item's terms: "term:weight" pairs, strongest first.

    A term written as a name, number or year is marked: "aceh:412*".
    """
    names = terms.names
    pairs = [f"{t}:{round(w * _SCALE)}{_NAMED if t in names else ''}" for t, w in terms.vector.items()]
    pairs.extend(_DAY + day for day in sorted(terms.days))
    return " ".join(pairs)


def decode_terms(text: str, day: date | None) -> EventTerms:
    """Return the terms stored by encode_terms, with the item's publication date."""
    vector = {}
    names = []
    days = []
    for pair in text.split():
        if pair[0] == _DAY:
            days.append(pair[1:])
            continue
        term, _, weight = pair.rpartition(":")
        named = weight.endswith(_NAMED)
        weight = weight.removesuffix(_NAMED)
        if term and weight.isdigit():
            vector[term] = int(weight) / _SCALE
            if named:
                names.append(term)
    return EventTerms(vector, day, frozenset(names), frozenset(days))


# --- stories -----------------------------------------------------------------------------------


class StoryProfile:
    """What a story's members say together: the sum of their vectors and their dated span."""

    __slots__ = ("terms", "weights", "norm", "size", "first_day", "last_day", "entities", "years",
                 "days")

    def __init__(self) -> None:
        self.terms: tuple[str, ...] = ()
        self.weights = array("f")  # compact: thousands of profiles stay in memory
        self.norm = 0.0
        self.size = 0
        self.first_day: date | None = None
        self.last_day: date | None = None
        self.entities: tuple[str, ...] = ()  # its strongest names and numbers (entities_of)
        self.years: tuple[str, ...] = ()  # the years its members name or are dated in
        self.days: frozenset[str] = frozenset()  # the weekdays and months its members name

    def add(self, item: EventTerms) -> None:
        """Add a member's terms and date."""
        centroid = self._summed(item.vector) if self.terms else item.vector
        self._set(centroid, item.names, years_of(item), item.days, 1)
        if item.day is not None:
            self._span(item.day, item.day)

    def absorb(self, other: StoryProfile) -> None:
        """Add all members of another story (its sum, span, names, years, weekdays and months)."""
        self._set(self._summed(dict(zip(other.terms, other.weights, strict=True))),
                  other.entities, other.years, other.days, other.size)
        if other.first_day is not None and other.last_day is not None:
            self._span(other.first_day, other.last_day)

    def _summed(self, vector: Mapping[str, float]) -> dict[str, float]:
        centroid = dict(zip(self.terms, self.weights, strict=True))
        get = centroid.get
        for term, weight in vector.items():
            centroid[term] = get(term, 0.0) + weight
        if len(centroid) > CENTROID_SLACK * CENTROID_TERMS:
            centroid = dict(sorted(centroid.items(), key=itemgetter(1), reverse=True)[:CENTROID_TERMS])
        return centroid

    def _set(self, centroid: Mapping[str, float], names: Iterable[str], years: Iterable[str],
             days: frozenset[str], members: int) -> None:
        self.terms = tuple(centroid)
        self.weights = array("f", centroid.values())
        self.norm = math.hypot(*self.weights)
        self.size += members
        # Only the new members' names gained weight: the strongest are among them and the old ones.
        # Taken in the centroid's order, not a set's: equal weights must rank the same in every
        # process (a set's order follows the hash seed, and the strongest six decide matches).
        wanted = set(self.entities).union(names)
        named = [t for t in centroid if t in wanted]
        self.entities = entities_of(sorted(named, key=centroid.__getitem__, reverse=True))
        self.years = tuple(sorted(set(years).union(self.years)))
        if not days <= self.days:
            self.days = self.days.union(days)

    def _span(self, first: date, last: date) -> None:
        self.first_day = min(self.first_day or first, first)
        self.last_day = max(self.last_day or last, last)


def store_query(item: EventTerms, holding: Mapping[str, int], stories: int) -> EventTerms:
    """Return an item's terms damped by how many of the *stories* held hold each, unit length."""
    scale = STORE_DAMPING / (stories + STORE_PRIOR)
    get = holding.get
    damped = {t: w / (1.0 + scale * get(t, 0)) for t, w in item.vector.items()}
    norm = math.hypot(*damped.values()) or 1.0
    return EventTerms({t: w / norm for t, w in damped.items()}, item.day, item.names)


def is_year(term: str) -> bool:
    """Tell whether a term is a year ("y2013")."""
    return term[:1] == "y" and term[1:].isdigit()


def entities_of(terms: Iterable[str]) -> tuple[str, ...]:
    """Return the first ENTITY_TERMS names and numbers of *terms* (strongest first), years aside."""
    return tuple(islice(filterfalse(is_year, terms), ENTITY_TERMS))


def years_of(item: EventTerms) -> frozenset[str]:
    """Return the years an item's text names and the year it is dated in."""
    years = {t for t in item.names if is_year(t)}
    if item.day is not None:
        years.add(f"y{item.day.year}")
    return frozenset(years)


def entity_mismatch(item: EventTerms, profile: StoryProfile) -> float:
    """Return how much of the strongest names and numbers the item and the story do not share.

    The share of either side's ENTITY_TERMS strongest names and numbers missing from the other
    side's terms; the smaller of the two, so a short item whose few names the story holds (or
    a story whose names a long item holds) is no mismatch. More when each side's strongest
    name, or all its strongest numbers, are missing on the other. 0 when either side names none.
    """
    mine = entities_of(filter(item.names.__contains__, item.vector))
    theirs = profile.entities
    if not mine or not theirs:
        return 0.0
    held = set(profile.terms)
    missing_here = [t not in held for t in mine]
    missing_there = [t not in item.vector for t in theirs]
    mismatch = min(sum(missing_here) / len(mine), sum(missing_there) / len(theirs))
    if _numbers_disagree(mine, missing_here) and _numbers_disagree(theirs, missing_there):
        mismatch += NUMBER_MISMATCH  # a magnitude 6.1 and a 7.2: two quakes
    if missing_here[0] and missing_there[0]:
        mismatch += NAME_MISMATCH  # one aide's death and another's: the same background, two events
    return min(1.0, mismatch)


def _numbers_disagree(entities: tuple[str, ...], missing: list[bool]) -> bool:
    """Tell whether a side names numbers among its entities and the other side holds none of them."""
    numbers = [gone for term, gone in zip(entities, missing, strict=True) if term[0] == "#"]
    return bool(numbers) and all(numbers)


def calendar_agreement(mine: frozenset[str], theirs: frozenset[str]) -> float:
    """Return the factor for the weekdays, and the months, that two sides both name.

    For each kind both name: 1 + its bonus when they have one in common, 1 - its penalty when
    they have none; 1 for a kind either side does not name.
    """
    factor = 1.0
    for kind, bonus, penalty in _CALENDAR_KINDS:
        here, there = kind.intersection(mine), kind.intersection(theirs)
        if here and there:
            factor *= 1.0 + bonus if not here.isdisjoint(there) else 1.0 - penalty
    return factor


def figures_differ(item: EventTerms, profile: StoryProfile) -> bool:
    """Tell whether the item and the story each give MIN_FIGURES numbers or more, none the same."""
    mine = [t for t in item.vector if t[0] == "#"]
    if len(mine) < MIN_FIGURES:
        return False
    theirs = [t for t in profile.terms if t[0] == "#"]
    return len(theirs) >= MIN_FIGURES and not set(mine).intersection(theirs)


def years_differ(item: EventTerms, profile: StoryProfile) -> bool:
    """Tell whether the item and the story each tell years, none of them the same.

    A dated story's years are those it is dated in (its members' texts name background years
    too); an undated story's are those its members name.
    """
    mine = years_of(item)
    if not mine:
        return False
    if profile.first_day is not None and profile.last_day is not None:
        span = range(profile.first_day.year, profile.last_day.year + 1)
        return not any(f"y{year}" in mine for year in span)
    return bool(profile.years) and mine.isdisjoint(profile.years)


def cosine(item: EventTerms, profile: StoryProfile) -> float:
    """Return the cosine between an item's unit vector and a story's centroid."""
    if profile.norm == 0.0:
        return 0.0
    found = map(item.vector.get, profile.terms, repeat(0.0))
    return sum(map(mul, found, profile.weights)) / profile.norm


def days_apart(day: date | None, profile: StoryProfile) -> int | None:
    """Return the days between a date and a story's dated span, or None when either is undated."""
    if day is None or profile.first_day is None or profile.last_day is None:
        return None
    if day < profile.first_day:
        return (profile.first_day - day).days
    return max(0, (day - profile.last_day).days)


def event_score(item: EventTerms, profile: StoryProfile, floor: float | None = None) -> float:
    """Return how well an item fits a story: cosine, weighed by dates, names, numbers and years.

    0 when the story holds fewer than MIN_SHARED of the item's strongest terms. Below *floor*
    (THRESHOLD unless given) before the penalties, the score is returned as it is: it joins no
    story either way.
    """
    keys = item.keys
    if len(set(keys).intersection(profile.terms)) < min(MIN_SHARED, len(keys)):
        return 0.0
    score = cosine(item, profile)
    gap = days_apart(item.day, profile)
    if gap is not None:
        score *= (1.0 + DATE_BONUS / (1.0 + gap / DATE_SCALE_DAYS)) / (1.0 + gap / DATE_FADE_DAYS)
    if score < (THRESHOLD if floor is None else floor):
        return score
    if gap is None and years_differ(item, profile):
        score *= 1.0 - YEAR_PENALTY
    if gap is None and figures_differ(item, profile):
        score *= 1.0 - FIGURES_PENALTY
    if gap is None and item.days and profile.days:
        score *= calendar_agreement(item.days, profile.days)
    return score * (1.0 - ENTITY_PENALTY * entity_mismatch(item, profile))


def linkage(these: Sequence[EventTerms], those: Sequence[EventTerms]) -> float:
    """Return how well two groups of items fit: the mean event_score over every pair, both ways.

    Two stories that started apart (their first reports in other words) are one event when
    their members, one by one, fit each other as well as an item fits a story it joins; a
    mean over pairs is not carried away by one member that fits both.
    """
    if not these or not those:
        return 0.0
    alone = [_profile_of(item) for item in those]
    total = 0.0
    for item in these:
        mine = _profile_of(item)
        for other, theirs in zip(those, alone, strict=True):
            total += event_score(item, theirs, 0.0) + event_score(other, mine, 0.0)
    return total / (2 * len(these) * len(those))


def _profile_of(item: EventTerms) -> StoryProfile:
    profile = StoryProfile()
    profile.add(item)
    return profile
