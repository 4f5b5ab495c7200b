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
  the word before counts. Any other alias but a demonym is dropped after a common first name
  ("Christine Monaco", "Steve Israel"). Names followed by a newspaper word ("Washington Post")
  are dropped.
- Institutions, agencies, leagues and landmarks that stand for one country count as its name
  ("Scotland Yard", "FBI", "Bundestag", "Champs-Elysees"), and so do the demonyms of its
  regions and cities ("Sicilian", "Texan").
- "Georgia" is the country unless the item has more US-state signals ("Atlanta", "X County")
  than country signals ("Tbilisi", "Georgian").
- Plain "Congo"/"Korea"/"Korean" go to the candidate the item otherwise names (or hints at);
  when it names both they are skipped; when it names neither, the first candidate is used
  (Congo -> CD, the far more frequent subject; Korea -> KR).
- A capital followed by a word naming an institution, a street, a company or an accord names
  a thing, not the country ("Helsinki Foundation", "Paris Agreement"); so does any alias
  followed by one of the first three ("Jamaica Hospital", "France Telecom"), except in a
  title-case headline. "Little" before an alias names a district elsewhere ("Little Italy").
Sub-national places (data/places.json; the rules for one mention are in places.py) add:
- A place longer than a country alias it contains wins ("New Mexico", "Jersey City"); a
  country alias longer than a place wins ("Papua New Guinea" over "Papua").
- "Georgia" moves to the US state when US-state signals (the item's US places among them)
  outnumber the country's.
- Places that wait for the whole item: a name several countries share goes to the one the
  item's other places name (else its most prominent owner); a risky place after "in" counts
  unless the item names other countries and not its own; a doubtful place counts only for a
  country the item names (see _resolve_doubtful).
- The body's places past the lead are looked for only when the dateline, title and lead name
  no country: a local story names its town, not its country.
- A dateline ("MODESTO, Calif. (AP) -") weighs like the title; even a risky place counts there.
- A mention that tells where a person comes from ("Australian actor", "Perth man", "a climber
  from Perth") weighs half and does not make its country about: it says who, not where.
- The only country an item names, by a town or region, is about ("a hotel room in Biloxi").
- Between equal scores, the country of the title or dateline ranks first, then the one named
  after a locative word there or in the lead ("in New Zealand").
Office holders (data/leaders.json; the rules for one form are in leaders.py) add:
- A head of state or government named by a strong form ("President Obama", "Angela Merkel",
  "the Bush administration") is a mention of the country; it is about only when nothing else
  in the item is (no place, dateline or headline place), and then only when named in the title
  or lead, or twice in the body; undated or unnamed ("Interior Secretary") in the title or lead
  only. A leader never changes the order of the countries the item places.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from datetime import date, datetime

from news.countries.gazetteer import BLOCKED, PLACE, Gazetteer, load_gazetteer
from news.countries.leaders import BARE, LEADER, WEAK, find_leaders
from news.countries.places import (
    ACCORDS,
    DOUBTFUL,
    INSTITUTIONS,
    LIKELY,
    MEDIA_WORDS,
    NEIGHBOURHOOD,
    OWNED,
    PERSON,
    STOPWORDS,
    Span,
    abbreviated_towns,
    comma_country,
    decide,
    find_places,
    locative_before,
    origin,
    place_at,
    place_keys,
    words_around,
)
from news.dates import find_date
from news.types import CountryTag

logger = logging.getLogger(__name__)

TITLE_WEIGHT, LEAD_WEIGHT, BODY_WEIGHT = 3.0, 2.0, 1.0
ORIGIN_FACTOR = 0.5  # the weight of a mention that says where a person comes from
ABOUT_MIN_MENTIONS, ABOUT_MIN_SHARE = 2, 0.25
LEAD_SENTENCES = 2
SHAPE_SAMPLE = 300  # characters looked at to tell a shouted or title-case segment
LOWER_IN_NAMES = frozenset({"of", "the", "and", "da", "de"})
_WORD_BEFORE = re.compile(r"([A-Z][\w'-]*)[ \t]+$")
_WORD_AFTER = re.compile(r"[ \t]+([A-Z][\w'-]*)")
_PERSON_AFTER = re.compile(r"[ \t]([A-Z][a-z]+)[ \t]+([A-Z][\w'-]*)")  # "Hugh Jackman"
_OPENING_QUOTES = frozenset("\"“‘'")
# A dateline: capitalised words before a dash, maybe with the agency ("MODESTO, Calif. (AP) -").
_DATELINE = re.compile(r"\s*([A-Z][^\n—–(]{1,50}?)\s*(\([^)\n]{1,30}\)\s*)?(?:—|–|--?)\s")
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


# One kept mention: (surface form, ISO2 or a form resolved later, segment weight, flags).
# A plain tuple: an item has a dozen mentions, and a tuple is far cheaper to make than an object.
_Mention = tuple[str, str, float, int]
_Key = tuple[str, int, bool, float]  # a tag's values: code, mentions, about, score
# Flags: a sub-national place; after a locative word ("in"); where a person comes from.
PLACE_NAME, WHERE, ORIGIN = 1, 2, 4
# Singular demonyms that name a person too ("the Australian, who"), unlike "the British".
_PLURAL_LIKE = ("s", "sh", "ch", "ese")
_WAITING = frozenset({DOUBTFUL, LIKELY, OWNED})  # first characters of targets decided per item
# First names that are also months or adjectives: before a country they are no person's name.
_NOT_FIRST_NAMES = frozenset({"April", "May", "June", "August", "Christian"})
_LITTLE = NEIGHBOURHOOD + " "
_LITTLE_AHEAD = re.compile(rf"\b{NEIGHBOURHOOD} ")
DATELINE_REACH = 100  # a dateline's dash comes this early in the body
DATE_REACH = 1500  # an undated item's own date, if written, comes this early in its text
_Keys = frozenset[str] | set[str]
_NO_KEYS: frozenset[str] = frozenset()
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


def _little_ends(text: str) -> set[int]:
    """Return where a name right after "Little " starts ("Little Italy": a district elsewhere)."""
    if _LITTLE not in text:
        return set()
    return {m.end() for m in _LITTLE_AHEAD.finditer(text)}


def _new_ends(text: str) -> set[int]:
    """Return where an alias right after "New" would start ("New Mexico": at "M").

    "New" must begin at most 8 characters before the alias and not inside a word; the set
    lets the scan check each mention with one lookup instead of a search.
    """
    if "New" not in text:
        return set()
    return {m.end() for m in _NEW_AHEAD.finditer(text) if m.end() - m.start() <= NEW_REACH}


def _scan(
    data: Gazetteer, segment: str, weight: float, keys: _Keys, places: list[_Mention],
    dateline: bool = False, towns: bool = True,
) -> list[_Mention]:
    """Find the country and place mentions in one segment (dateline, title, lead or body).

    Guards dropping a country mention: an alias after "New", a bare "US" in shouted text, a
    person's name around a person-risk alias, a newspaper word after it, a word naming a thing
    after a capital, "Little" before it, a first name before it. Places (keys: the item's
    words that start one) are found and decided in places.py, and their mentions go to places,
    with the unknown towns an AP abbreviation places ("Wasilla, Calif."; towns: look for them).
    An institution or landmark is flagged as a place: it names one in the country. The loop
    runs once per mention, so the common checks are inlined.
    """
    text = segment.replace("’", "'")
    caps = _is_all_caps(text)
    if caps:
        text = _recase(text, data.upper_aliases)
        keys = place_keys(data, text)  # the item's keys came from the shouted words
    found: list[_Mention] = []
    title_case = None  # decided on first use: most segments never need it
    headline = None  # the same for places, where shouted text counts as a headline too
    surfaces, person_risk, after_new = data.surface, data.person_risk, _new_ends(text)
    alias_places, namesakes, demonyms = data.alias_place_words, data.namesakes, data.demonyms
    institutions = data.institutions
    little = _little_ends(text)
    spans = find_places(data, text, keys, dateline) if keys else []
    dropped: set[int] = set()  # places inside a longer country alias ("Papua New Guinea")
    k, count = 0, len(spans)
    where = weight > BODY_WEIGHT
    for m in data.pattern.finditer(text):
        start, end = m.start(), m.end()
        if k < count:
            while k < count and spans[k][1] <= start:
                k += 1
            if k < count and spans[k][0] < end:
                if spans[k][0] <= start and spans[k][1] >= end and spans[k][1] - spans[k][0] > end - start:
                    continue  # a longer place holds the alias ("New Mexico", "Lebanon County")
                while k < count and spans[k][0] < end:
                    dropped.add(k)
                    k += 1
        surface = m.group()
        if not surface.isalpha():  # a multi-word match may hold newlines or double spaces
            surface = " ".join(surface.split())
        target = surfaces.get(surface, BLOCKED)
        if target == BLOCKED:
            continue
        if (after_new and start in after_new) or (caps and surface == "US"):
            continue
        if (  # "Washington County", "Spanish Fork": a longer place
            surface in alias_places
            and text[end : end + 1] in _BLANKS
            and text[end + 1 : end + 2].isupper()
        ):
            longer = place_at(data, text, start)
            if longer and longer[1] > end:
                if headline is None:
                    headline = caps or _is_title_case(text)
                _add_place(data, text, longer, weight, dateline, headline, places)
                continue
        if target == PLACE:  # a capital with namesakes abroad, or a place a blocker names
            before, after = words_around(text, start, end)
            if headline is None and (before or after):
                headline = caps or _is_title_case(text)
            span = (start, end, surface, before, after)
            _add_place(data, text, span, weight, dateline, bool(headline), places)
            continue
        if surface in person_risk and (side := _touching_word(text, start, end)):
            # In title-case text every word is capitalised: only the word before tells.
            if side == "after" and title_case is None:
                title_case = not caps and _is_title_case(text)
            if side == "before" or not title_case:
                continue
        elif surface not in demonyms and surface not in institutions and _surname(data, text, start):
            continue  # "Christine Monaco", "Steve Israel": a person's name
        # _WORD_AFTER needs a blank and then a capital or blank: most mentions fail at once.
        if (
            text[end : end + 1] in _BLANKS
            and text[end + 1 : end + 2] in _CAPITAL_OR_BLANK
            and (thing := _thing_after(data, text, surface, end))
        ):
            if thing == "media" or weight < TITLE_WEIGHT:
                continue
            # In a title-case headline every word is capitalised ("Russian Steel Exports Fall").
            if headline is None:
                headline = caps or _is_title_case(text)
            if not headline:
                continue
        if little and start in little:
            continue
        flags = PLACE_NAME if surface in institutions else 0  # "Scotland Yard": a place in it
        if surface in namesakes and text[end : end + 1] == ",":  # "London, Ontario"
            target = comma_country(data, text, end, namesakes[surface]) or target
        if surface in demonyms:
            if text[start - 1 : start] in _OPENING_QUOTES and text[end : end + 2].istitle():
                continue  # the title of a work ("American Pie", "Indian Summer")
            if origin(text, start, end, not surface.endswith(_PLURAL_LIKE)) or _named_person(data, text, end):
                flags = ORIGIN
        elif flags and origin(text, start, end, False):  # "a Hollywood actress", like a place
            flags |= ORIGIN
        elif where and locative_before(text, start):
            flags |= WHERE
        found.append((surface, target, weight, flags))
    for index, span in enumerate(spans):
        if index not in dropped:
            if headline is None and (span[3] or span[4]):
                headline = caps or _is_title_case(text)
            _add_place(data, text, span, weight, dateline, bool(headline), places)
    if towns and data.abbreviated is not None and ", " in text:
        ends = {span[1] for span in spans}
        for start, surface, code in abbreviated_towns(data, text, ends):
            flags = PLACE_NAME | (WHERE if where and (dateline or locative_before(text, start)) else 0)
            places.append((surface, code, weight, flags))
    return found


def _named_person(data: Gazetteer, text: str, end: int) -> bool:
    """Tell whether a person's name follows a demonym ("Australian Hugh Jackman", "American
    Tony Thompson"): a common first name, or a capitalised word and then a common surname."""
    after = _PERSON_AFTER.match(text, end, end + 60)
    if not after:
        return False
    first, last = after.group(1), after.group(2)
    return (first in data.first_names and first not in _NOT_FIRST_NAMES) or (last in data.surnames)


def _surname(data: Gazetteer, text: str, start: int) -> bool:
    """Tell whether a common first name comes right before a match ("Christine Monaco")."""
    if text[start - 1 : start] not in _BLANKS:
        return False
    before = _WORD_BEFORE.search(text, max(0, start - 40), start)
    if not before:
        return False
    word = before.group(1)
    return word in data.first_names and word not in _NOT_FIRST_NAMES and word not in data.surface


def _add_place(
    data: Gazetteer, text: str, span: Span, weight: float, dateline: bool, headline: bool,
    found: list[_Mention],
) -> None:
    """Decide a place mention (places.decide) and keep it unless it is no mention."""
    target = decide(data, text, span, data.places[span[2]], dateline, headline)
    if target is None:
        return
    flags = PLACE_NAME
    if origin(text, span[0], span[1], False):
        flags |= ORIGIN
    elif weight > BODY_WEIGHT and (dateline or locative_before(text, span[0])):
        flags |= WHERE
    found.append((span[2], target, weight, flags))


def _thing_after(data: Gazetteer, text: str, surface: str, end: int) -> str:
    """Tell what the capitalised word after a match names: "media" ("Washington Post"), "thing"
    (an organisation, a street or an accord named after it: "France Telecom", "Jamaica
    Hospital", "Paris Agreement"), or ""."""
    found = _WORD_AFTER.match(text, end, end + 40)
    if not found:
        return ""
    word = found.group(1).rstrip("'")  # "The Hollywood Reporter''"
    if word in MEDIA_WORDS:
        return "media"
    if word in INSTITUTIONS or (word in ACCORDS and surface in data.capitals):
        return "thing"
    return ""


def _split_dateline(body: str) -> tuple[str, str]:
    """Split a leading dateline ("MODESTO, Calif. (AP) -") off a body, or return ("", body).

    A dateline starts with a word in capitals, or holds a comma or an agency in brackets;
    every word in it is capitalised.
    """
    head = body[:DATELINE_REACH]
    if "-" not in head and "—" not in head and "–" not in head:
        return "", body  # most bodies: the regex would try every length of the line
    m = _DATELINE.match(body)
    if not m:
        return "", body
    line, agency = m.group(1), m.group(2)
    words = line.split()
    if any(w[:1].islower() for w in words if w not in LOWER_IN_NAMES):
        return "", body
    if not (agency or "," in line or (len(words[0]) > 1 and words[0].isupper())):
        return "", body
    return _UPPER_WORD.sub(lambda w: w.group().capitalize(), line), body[m.end() :]


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
    """Drop or move mentions whose context says they mean something else (Georgia).

    When the signals against an alias win, its mentions go to the rule's namesake country
    (the US state of Georgia), its demonyms are dropped; the item's places in the namesake
    country count against too ("Savannah", "Cobb County").
    """
    surfaces = {mention[0] for mention in found}
    for rule in data.rules:
        if surfaces.isdisjoint(rule.aliases):
            continue  # the rule's patterns are costly; most items never need them
        against = sum(len(p.findall(text)) for p in rule.against)
        if rule.namesake:
            against += sum(1 for _, t, _, f in found if t == rule.namesake and f & PLACE_NAME)
        support = sum(len(p.findall(text)) for p in rule.support)
        if against > support:
            moved = rule.namesake
            found = [
                (s, moved, w, f | PLACE_NAME) if s in rule.aliases else (s, t, w, f)
                for s, t, w, f in found
                if s not in rule.aliases or (moved and s not in data.demonyms)
            ]
    return found


def _resolve_ambiguous(data: Gazetteer, text: str, found: list[_Mention]) -> list[_Mention]:
    """Give plain "Congo"/"Korea" the candidate the item names otherwise; skip a tie."""
    ambiguous = data.ambiguous
    if ambiguous.keys().isdisjoint([mention[1] for mention in found]):
        return found
    explicit = Counter(mention[1] for mention in found if mention[1] not in ambiguous)
    # Decided once per ambiguous name: the hints search the whole text, and a long article
    # may say "Korea" dozens of times.
    choices: dict[str, str | None] = {}
    resolved = []
    for mention in found:
        surface, target, weight, flags = mention
        candidates = ambiguous.get(target)
        if candidates is None:
            resolved.append(mention)
            continue
        if target not in choices:
            present = [c for c in candidates if explicit[c] or _hinted(data, c, text)]
            choices[target] = present[0] if len(present) == 1 else None if present else candidates[0]
        if choice := choices[target]:
            resolved.append((surface, choice, weight, flags))
    return resolved


def _drop_persons(places: list[_Mention]) -> list[_Mention]:
    """Drop every mention of a place the item once uses as a surname ("Anthony LaSalle")."""
    persons = {mention[0] for mention in places if mention[1] == PERSON}
    return [m for m in places if m[0] not in persons] if persons else places


def _resolve_doubtful(data: Gazetteer, found: list[_Mention]) -> list[_Mention]:
    """Decide the places that wait for the whole item (places.LIKELY, OWNED and DOUBTFUL).

    A likely place counts for its owner unless the item names other countries and not that
    one (shared names count for their owners here). A shared name goes to the candidate the
    item names most often, firmly or by likely places, then by the owners of its other shared
    names (ties: the more prominent), else to its owner. A doubtful place goes to the candidate
    named most, shared names included, and is dropped when none is named.
    """
    firm: Counter[str] = Counter()
    owners: Counter[str] = Counter()
    for _, target, _, _ in found:
        if target[0] not in _WAITING:
            firm[target] += 1
        elif target[0] == OWNED:
            owners[data.places[target[1:]].owner] += 1
    evidence = firm + owners
    likely = Counter(
        owner for owner in (data.places[m[1][1:]].owner for m in found if m[1][0] == LIKELY)
        if not evidence or evidence[owner]
    )
    named = firm + likely
    choices = {}  # a shared name's choice, once per form
    for _, target, _, _ in found:
        if target[0] == OWNED and target not in choices:
            place = data.places[target[1:]]
            # The item's other shared names count by their owners ("Liverpool", "Manchester"
            # and "Newcastle": English, not Australian); max keeps the first of equals, and the
            # candidates come by prominence.
            others = owners.copy()
            others[place.owner] -= sum(1 for m in found if m[1] == target)
            best = max(place.candidates, key=lambda c: (named[c], others[c]))
            choices[target] = best if named[best] or others[best] > 0 else place.owner
    named.update(choices[m[1]] for m in found if m[1][0] == OWNED)
    resolved = []
    for surface, target, weight, flags in found:
        kind = target[0]
        if kind == LIKELY:
            target = data.places[target[1:]].owner
            if not likely[target]:
                continue
        elif kind == OWNED:
            target = choices[target]
        elif kind == DOUBTFUL:
            target = max(data.places[target[1:]].candidates, key=lambda c: named[c])
            if not named[target]:
                continue
        resolved.append((surface, target, weight, flags))
    return resolved


def _hinted(data: Gazetteer, code: str, text: str) -> bool:
    """Tell whether the text has a context hint for a country (a place only it has)."""
    return any(p.search(text) for p in data.hints.get(code, ()))


def _rank(found: list[_Mention]) -> list[CountryTag]:
    """Turn mentions into tags: score, about (title/lead or a large share), sorted.

    A country named only as where people come from is not about, unless no place is named
    otherwise; the only country an item names, by a town or region, is about. Between equal
    scores the one the title or dateline names comes first, then the one named after a
    locative word there or in the lead.
    """
    held = [mention for mention in found if mention[3] & LEADER]
    if held:
        found = [mention for mention in found if not mention[3] & LEADER]
    mentions: dict[str, int] = {}
    scores: dict[str, float] = {}
    leading = set()
    where = set()
    located = set()  # named at least once other than as a person's origin
    headed = set()  # named in the title or dateline
    for _, target, weight, flags in found:
        if flags & ORIGIN:
            score = weight * ORIGIN_FACTOR
        else:
            score = weight
            located.add(target)
            if weight > BODY_WEIGHT:
                leading.add(target)
                if weight == TITLE_WEIGHT:
                    headed.add(target)
            if flags & WHERE:
                where.add(target)
        if target in scores:
            mentions[target] += 1
            scores[target] += score
        else:
            mentions[target] = 1
            scores[target] = score
    if not located:
        # Only people's origins: a local place ("Brownsville mother") is where the story is;
        # a nationality ("Australian actor") says nothing of where.
        for _, target, weight, flags in found:
            if flags & PLACE_NAME:
                located.add(target)
                if weight > BODY_WEIGHT:
                    leading.add(target)
    if not leading and len(scores) == 1 and located:
        # One country, named by a town or region only: a local story names its place, not its
        # country ("a hotel room in Biloxi"); a lone country name stays a passing mention.
        leading = {target for _, target, _, flags in found if flags & PLACE_NAME}
    floor = ABOUT_MIN_SHARE * max(scores.values(), default=0.0)
    # Sort plain tuples, then fetch the tags in their final order.
    order = sorted(
        (
            code not in located
            or (code not in leading and (mentions[code] < ABOUT_MIN_MENTIONS or score < floor)),
            -score,
            code not in headed,
            code not in where,
            code,
        )
        for code, score in scores.items()
    )
    keys = [(code, mentions[code], not aside, -neg) for aside, neg, _, _, code in order]
    if held:
        keys = _add_leaders(keys, held)
    return [_TAGS.get(key) or _new_tag(key) for key in keys]


def _add_leaders(keys: list[_Key], held: list[_Mention]) -> list[_Key]:
    """Add the office holders' mentions to ranked tags (code, mentions, about, score).

    A holder's country becomes about only when no country is: named in the title or lead, or
    twice in the body (a dated strong form); weak forms count in the title or lead only, and
    alone in the body they tag nothing ("in full Queen Elizabeth get-up", undated).
    The countries the item places keep their order ahead; the others follow by score.
    """
    counts: Counter[str] = Counter()
    points: Counter[str] = Counter()
    named, body = set(), Counter()
    for _, code, weight, flags in held:
        counts[code] += 1
        points[code] += weight * ORIGIN_FACTOR
        if flags & BARE:
            continue
        if weight > BODY_WEIGHT:
            named.add(code)
        elif not flags & WEAK:
            body[code] += 1
    base = {key[0]: key for key in keys if not key[2]}
    for code in counts.keys() - named - body.keys() - {key[0] for key in keys}:
        del counts[code], points[code]
    placed = [(c, n + counts[c], True, s + points[c]) for c, n, about, s in keys if about]
    led = set()
    if not placed:
        led = {c for c in counts if c in named or body[c] >= ABOUT_MIN_MENTIONS}
    codes = base.keys() | (counts.keys() - {key[0] for key in placed})
    rest = [(c, base[c][1] if c in base else 0, base[c][3] if c in base else 0.0) for c in codes]
    rest = sorted(((c, n + counts[c], c in led, s + points[c]) for c, n, s in rest), key=lambda k: (-k[2], -k[3], k[0]))
    return placed + rest


def _new_tag(key: tuple[str, int, bool, float]) -> CountryTag:
    """Make a tag and keep it for reuse."""
    # Tags are frozen, and making one costs several times more than finding it again: items
    # repeat the same few values.
    if len(_TAGS) >= MAX_SHARED_TAGS:
        _TAGS.clear()
    tag = _TAGS[key] = CountryTag(*key)
    return tag


def tag_countries(title: str, body: str, published: date | datetime | None = None) -> list[CountryTag]:
    """Find the countries an item is about or mentions, strongest first.

    published (else the first date the text gives) dates the office holders it names.
    """
    data = load_gazetteer()
    title = title or ""
    dateline, body_rest = _split_dateline(body or "")
    lead, rest = _split_lead(body_rest)
    keys = place_keys(data, f"{dateline}\n{title}\n{lead}")
    places: list[_Mention] = []
    found = _scan(data, dateline, TITLE_WEIGHT, keys, places, dateline=True) if dateline else []
    found += _scan(data, title, TITLE_WEIGHT, keys, places)
    found += _scan(data, lead, LEAD_WEIGHT, keys, places)
    # The rest's places matter when the dateline, title and lead place the story nowhere (a
    # local story names its town, not its country); otherwise they would be side mentions,
    # and looking for them is most of the tagging time of a long article.
    located = _located(found) or _located(places)
    keys = _NO_KEYS if located else place_keys(data, rest)
    found += _scan(data, rest, BODY_WEIGHT, keys, places, towns=not located)
    if places:
        found += _drop_persons(places)
    text = f"{title}\n{body}"
    found = _apply_context_rules(data, text, found)
    found = _resolve_ambiguous(data, text, found)
    if places:
        found = _resolve_doubtful(data, found)
    segments = [(dateline, TITLE_WEIGHT), (title, TITLE_WEIGHT), (lead, LEAD_WEIGHT), (rest, BODY_WEIGHT)]
    segments = [(_recase(s, data.upper_aliases) if _is_all_caps(s) else s, w) for s, w in segments]
    found += find_leaders(data, segments, lambda: _item_date(published, text))
    return _rank(found)


def _item_date(published: date | datetime | None, text: str) -> date | None:
    """Return the item's date: its published date, else the first date its text gives."""
    if isinstance(published, datetime):
        return published.date()
    return published or find_date(text[:DATE_REACH])


def _located(found: list[_Mention]) -> bool:
    """Tell whether some mention already names a country other than as a person's origin."""
    return any(len(target) == 2 and not flags & ORIGIN for _, target, _, flags in found)
