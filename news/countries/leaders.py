"""Office holders as country signals: heads of state and government named in a text.

Data: data/leaders.json (hand-written; compiled by the gazetteer). Rules for one item:
- Only strong forms count: a full name ("Barack Obama"), a title and a surname ("President
  Obama", "Chancellor Merkel"), "President-elect Obama", "the Obama administration" or
  "Obama's government", and titles without a name that only one country uses ("Interior
  Secretary"). "former", "ex-", "late", "Vice" or "Deputy" before a form, or a word naming a
  thing after it ("Queen Elizabeth Hospital", "King Fahd Stadium"), make it no signal.
- A surname alone counts only after a strong form of the same leader earlier in the item, and
  only for surnames that are no common word or first name ("Obama said", not "May").
- With a date (the item's, or the first the text gives), a form counts for the leaders whose
  term covers it (a title for a term in that office; "-elect" in the months before the term);
  the leaders it leaves must all be of one country. Without a date a form counts only when
  every leader sharing its surname is of one country, and the signal is weak.
The tagger (_rank) makes such a country about only when nothing else places the story: a
leader abroad ("Obama in Berlin") or meeting another ("Obama met Putin in Moscow") is a mention.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import date, timedelta

from news.countries.gazetteer import ELECT, GROUP, NAME, OFFICE, TITLE, Gazetteer, Holders, Leader
from news.countries.places import NAMED_AFTER, STOPWORDS

LEADER, WEAK, BARE = 8, 16, 32  # mention flags (the tagger's own flags are 1, 2 and 4)
SLACK = timedelta(days=30)  # news dated a little before or after a term still means its holder
ELECT_REACH = timedelta(days=150)  # "President-elect", a transition team: months before a term
_NOT_SITTING = re.compile(r"(?:\b(?:former|Former|late|Late|Vice|vice|Deputy|deputy)[ \t-]+|\b(?:ex|Ex)-)$")
# Words after a leader's name that make a thing named after the leader ("King Fahd Causeway").
_THINGS = NAMED_AFTER | frozenset(
    {"Airport", "Library", "Stadium", "Causeway", "Award", "Awards", "Memorial", "Trust", "Fund",
     "Scholarship", "Cup", "Trophy", "Mosque", "Hall", "Highway", "Port", "Dam", "Presidential"}
)
_AFTER = re.compile(r"[ \t]+([A-Z][\w'-]*)")
_BEFORE = re.compile(r"([A-Z][\w'.-]*)[ \t]+$")
_HONORIFICS = frozenset({"Mr", "Mr.", "Mrs", "Mrs.", "Ms", "Ms.", "Dr", "Dr.", "Sir"})
MIN_BARE = 3  # shorter surnames ("Hu", "Li") are too common alone
_Segment = tuple[str, float]  # text and its weight, in the item's order
_Mention = tuple[str, str, float, int]


def find_leaders(data: Gazetteer, segments: list[_Segment], day: Callable[[], date | None]) -> list[_Mention]:
    """Return the office holders' mentions (surface, country, weight, flags) in an item.

    day gives the item's date when a form needs one (None: undated); it is asked at most once.
    """
    holders = data.leaders
    if holders.pattern is None:
        return []
    strong = [
        (n, m.start(), m.end(), " ".join(m.group().split()))
        for n, (text, _) in enumerate(segments)
        if text
        for m in holders.pattern.finditer(text.replace("’", "'"))
        if _sitting(text, m.start(), m.end())
    ]
    if not strong:
        return []
    when = day()
    found: list[_Mention] = []
    first: dict[int, tuple[int, int, int]] = {}  # leader -> (segment, end, flags) of its first form
    for n, _, end, surface in strong:
        code, weak, people = _resolve(holders, surface, when)
        if code is None:
            continue
        flags = LEADER | (WEAK if weak else 0)
        found.append((surface, code, segments[n][1], flags))
        for index in people:
            first.setdefault(index, (n, end, flags))
    spans: dict[int, list[tuple[int, int]]] = {}
    for n, start, end, _ in strong:
        spans.setdefault(n, []).append((start, end))
    for index, (n, end, flags) in first.items():
        found += _bare(holders.people[index], segments, n, end, spans, flags | BARE)
    return found


def _sitting(text: str, start: int, end: int) -> bool:
    """Tell whether a form names a sitting holder, not a former one or a thing named after one."""
    if _NOT_SITTING.search(text, max(0, start - 12), start):
        return False
    after = _AFTER.match(text, end, end + 30)
    return not (after and after.group(1) in _THINGS)


def _resolve(holders: Holders, surface: str, when: date | None) -> tuple[str | None, bool, tuple[int, ...]]:
    """Return the country a strong form names (None: none or several), whether it is weak, and
    the leaders it names."""
    entries = holders.forms[surface]
    if entries[0][1] == OFFICE:
        return entries[0][2], True, ()
    if when is None:
        people = tuple({i for i, _, _ in entries if holders.people[i].unique})
        weak = True
    else:
        people = tuple({i for i, kind, office in entries if _in_term(holders.people[i], kind, office, when)})
        weak = False
    countries = {holders.people[i].country for i in people}
    return (countries.pop(), weak, people) if len(countries) == 1 else (None, weak, ())


def _in_term(leader: Leader, kind: str, office: str, when: date) -> bool:
    """Tell whether a form of *kind* dated *when* fits one of the leader's terms."""
    for term in leader.terms:
        end = term.end or date.max - SLACK
        if kind in (TITLE, ELECT) and term.office != office:
            continue
        if kind == ELECT:
            fits = term.start - ELECT_REACH <= when <= term.start + SLACK
        elif kind in (NAME, GROUP):
            fits = term.start - ELECT_REACH <= when <= end + SLACK
        else:
            fits = term.start - SLACK <= when <= end + SLACK
        if fits:
            return True
    return False


def _bare(
    leader: Leader, segments: list[_Segment], n: int, end: int, spans: dict[int, list[tuple[int, int]]],
    flags: int,
) -> list[_Mention]:
    """Return the surname-alone mentions of a leader after its first strong form."""
    if not leader.bare:
        return []
    found = []
    for surname in leader.surnames:
        if len(surname) < MIN_BARE:
            continue
        pattern = _surname_regex(surname)
        for k in range(n, len(segments)):
            text, weight = segments[k]
            for m in pattern.finditer(text, end if k == n else 0):
                inside = any(a <= m.start() < b for a, b in spans.get(k, ()))
                if not inside and _alone(text, m.start(), m.end()):
                    found.append((surname, leader.country, weight, flags))
    return found


def _alone(text: str, start: int, end: int) -> bool:
    """Tell whether a surname stands alone, not inside another name ("Reggie Bush")."""
    before = _BEFORE.search(text, max(0, start - 30), start)
    word = before.group(1) if before else ""
    # A capitalised word before makes a longer name, unless it ends a sentence ("Tuesday.").
    if word and word not in STOPWORDS and word not in _HONORIFICS and not word.endswith("."):
        return False
    after = _AFTER.match(text, end, end + 30)
    return not (after and after.group(1) in _THINGS)


@functools.cache
def _surname_regex(surname: str) -> re.Pattern[str]:
    """Compile a surname as a whole word."""
    return re.compile(rf"(?<![\w-]){re.escape(surname)}(?![\w-])")
