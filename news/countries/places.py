"""Sub-national places in a text segment: find them by words, decide what each mention means.

Places come from data/places.json (built by scripts/build_countries.py from GeoNames and
ISO 3166-2). They are not in the country aliases' trie regex: a set intersection finds the
capitalised words that start a place form, and only there are one to five words looked up in
a dict, which loads and runs far faster than a regex of twenty thousand alternatives.
Rules for one mention (the tagger then weighs the mentions across the item):
- A capitalised word right before a place makes it part of a name ("Whitney Houston"), unless
  it is a function word, a modifier ("Northern", "Downtown") or a place itself. When that word
  is a common first name the form is a surname in this item ("Anthony Houston") and counts
  nowhere in it. At a sentence start or in a title-case headline every word is capitalised:
  there only a first name tells. "Lake"/"Mount" before names a feature, "Little" a district
  elsewhere ("Little Havana"), "Gulf of"/"Bay of" a sea ("Gulf of Aden"): no mention.
- A word after it naming an institution, a street, a company, an accord or a newspaper makes
  a thing named after the place, which may be anywhere ("Cleveland Clinic", "Greenwich
  Village", "Paris Agreement", "Hollywood Reporter"); any other capitalised word after a risky
  place or a small town makes a name ("Morningside Recovery", "Eden Hazard"), except one naming
  the town's own bodies ("Staunton Police"). A city keeps it ("Houston Rockets").
- ", Region" after it picks the namesake in that region's country ("Paris, Texas", "London,
  Ontario", "Bath, England", "Modesto, Calif.", "Austin, TX"). After a town the gazetteer does
  not know, a dotted AP abbreviation alone names the country ("Wasilla, Calif."): a bare postal
  code there is too often a title ("Jane Roe, MD").
- A name that several countries share goes to the one the item's other places name most, and
  to the most prominent one ("Bristol": England) when they name none of them: "the Bristol
  district attorney" in a story from New Bedford, Massachusetts, is American.
- A place that is also a common word or a person's name ("Mobile", "Jackson") counts only where
  the text places it: after a locative word ("in Mobile", "the city of Mobile"), in a
  dateline, or as "City, Region".
  There, like any risky place, it is likely meant: it counts unless the item firmly names other
  countries and not its own ("checked into Morningside" in a Californian story).
- Other risky places (a district, a town abroad) and names shared with no owner ("Wellington")
  are doubtful elsewhere: they count only for a country the item names firmly. At a sentence
  start or in a title-case headline a risky place is no mention: a capital letter tells
  nothing there.
"""

from __future__ import annotations

import re

from news.countries.gazetteer import BLOCKED, PLACE, Gazetteer, Place

# Target prefixes of mentions the tagger decides once it has seen the whole item:
DOUBTFUL = PLACE  # DOUBTFUL + form: counts only for a country the item names firmly
LIKELY = "?"  # LIKELY + form: a risky place after "in"; counts unless the item is firmly elsewhere
OWNED = "%"  # OWNED + form: a name several countries share; the item's other places pick one
PERSON = "~"  # target of a form used as a surname: drops the form in the whole item
# Capitalised words that may touch a name without making it a person's name.
STOPWORDS = frozenset(
    {
        "A", "An", "And", "As", "At", "But", "By", "For", "From", "If", "In", "Into", "Of", "On",
        "Or", "Over", "The", "To", "With", "Without", "Why", "How", "What", "When", "Where", "While",
        "Will", "Would", "Can", "Could", "Does", "Did", "Is", "Was", "Has", "Have", "Had", "Says",
        "Said", "Both", "Neither", "Between", "Against", "Across", "After", "Before", "During",
        "Under", "About", "Amid", "Near", "Toward", "Towards", "Via", "Not", "No",
    }
)
# Capitalised words that may stand before a place without making a longer name of it.
PLACE_MODIFIERS = frozenset(
    {
        "North", "South", "East", "West", "Northern", "Southern", "Eastern", "Western", "Central",
        "Northeast", "Northwest", "Southeast", "Southwest", "Northeastern", "Northwestern",
        "Southeastern", "Southwestern", "Mid", "Old", "Historic", "Upper", "Lower", "Greater",
        "Downtown", "Upstate", "Downstate", "Suburban", "Metro", "Rural", "Coastal", "Inner",
        "Outer", "Midtown", "Uptown", "Nearby", "Neighbouring", "Neighboring", "All", "Every",
        "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
        "Also", "Then", "Now", "Today", "Yesterday", "Here", "There", "Meanwhile", "Outside",
        "Inside", "Throughout", "Around", "Like", "Unlike", "Including", "Since", "Until", "Than",
    }
)
# A feature named after a place is somewhere else ("Lake Geneva", "Mount Washington").
FEATURES = frozenset(
    {"Lake", "Mount", "Mt", "Mt.", "Cape", "River", "Gulf", "Bay", "Isle", "Island", "Sea", "Strait"}
)
# Words after a name that make it an organisation or a thing named after the place, which may
# be anywhere: no mention of the place ("Jamaica Hospital" is in New York, "France Telecom"
# reports from anywhere, "Greenwich Village" is no town in England).
INSTITUTIONS = frozenset(
    {
        "Foundation", "Institute", "Club", "Clinic", "Hospital", "Medical", "University",
        "College", "School", "Academy", "Center", "Centre", "Recovery", "Treatment", "Rehab",
        "Rehabilitation", "Street", "Avenue", "Road", "Boulevard", "Lane", "Drive", "Square",
        "Village", "Park", "Terrace", "Bridge", "Telecom", "Telecoms", "Telekom", "Airlines",
        "Airways", "Railways", "Motors", "Petroleum", "Holdings", "Corp", "Corporation", "Inc",
        "Ltd", "Limited", "Steel", "Mobile", "Unicom",
    }
)
# ... and accords, syndromes and prizes named after a city ("Paris Agreement", "Stockholm
# syndrome"), though not after a country ("the Iran Agreement" is about Iran).
ACCORDS = frozenset(
    {
        "Accord", "Accords", "Agreement", "Agreements", "Protocol", "Declaration", "Syndrome",
        "Prize", "Process", "Principles", "Consensus", "Convention", "Conventions", "Treaty",
        "Charter", "Doctrine",
    }
)
# A newspaper name ("Washington Post", "Los Angeles Times") is a source, not a mention.
MEDIA_WORDS = frozenset(
    {
        "Post", "Times", "Daily", "Globe", "Herald", "Tribune", "Journal", "Gazette", "Examiner",
        "Independent", "Today", "Observer", "Telegraph", "Chronicle", "Reporter", "Sun", "Star",
        "Register", "Inquirer", "Bee", "Dispatch", "Courier", "Mirror", "Standard", "Morning",
        "Evening", "Weekly", "Magazine",
    }
)
# Words after a town naming its own public bodies keep it a place, even a small town or a
# surname ("Staunton Police Department", "Preston Crown Court", "Millom Town Council").
LOCAL_BODIES = frozenset(
    {
        "Police", "Sheriff", "Fire", "Council", "County", "City", "Town", "Township", "Borough",
        "Mayor", "Crown", "Magistrates", "Coroner", "Constabulary", "Municipal", "Harbour",
        "Harbor", "Airport",
    }
)
NAMED_AFTER = INSTITUTIONS | ACCORDS | MEDIA_WORDS  # after a capital or a place
# A lowercase word right before a risky place that makes it a place ("a fire in Mobile").
LOCATIVES = frozenset(
    {
        "in", "at", "near", "outside", "from", "across", "around", "throughout", "toward",
        "towards", "via", "inside", "within", "downtown", "suburban", "rural", "into",
    }
)
# "of" after one of these places what follows as surely as "in" ("the city of Palermo", "the
# outskirts of Mobile", "the mayor of Reading"); other nouns do not ("the wife of Jackson").
_PLACE_OF = re.compile(
    r"\b(?:city|town|village|area|region|province|state|county|district|suburb|suburbs|"
    r"outskirts|streets|centre|center|heart|port|capital|island|municipality|borough|"
    r"neighbourhood|neighborhood|mayor|north|south|east|west|northeast|northwest|southeast|"
    r"southwest)[ \t]+of[ \t]+$"
)
# People described by where they come from: "Perth man", "Australian actor", "a climber from
# Perth". Such a mention says who, not where (state roles such as "Russian diplomat" do not).
PERSON_NOUNS = frozenset(
    {
        "man", "woman", "men", "women", "boy", "girl", "boys", "girls", "teen", "teenager",
        "teens", "teenagers", "child", "children", "mother", "father", "couple", "family",
        "resident", "residents", "native", "national", "nationals", "citizen", "citizens",
        "expat", "immigrant", "tourist", "tourists", "climber", "climbers", "mountaineer",
        "hiker", "backpacker", "surfer", "doctor", "nurse", "actor", "actress", "singer", "star",
        "songwriter", "musician", "rapper", "artist", "writer", "author", "novelist", "director",
        "filmmaker", "producer", "comedian", "model", "player", "athlete", "golfer", "swimmer",
        "runner", "cyclist", "boxer", "driver", "jockey", "student", "students", "teacher",
        "businessman", "businesswoman", "billionaire", "millionaire", "heiress", "socialite",
        "chef", "designer", "photographer", "celebrity", "host", "presenter", "actors",
        "actresses", "singers", "players", "athletes", "stars", "champion", "challenger",
        "contender", "southpaw", "fighter", "heavyweight", "opponent", "rival", "veteran",
        "coach", "striker", "midfielder", "defender", "goalkeeper", "pitcher", "quarterback",
        "rider", "skier", "sprinter", "batsman", "researcher", "researchers", "scientist",
        "scientists", "hacker", "hackers", "journalist", "journalists", "blogger", "activist",
        "activists", "entrepreneur", "investor", "tycoon", "heir", "fan", "fans", "passenger",
        "passengers", "traveller", "traveler", "travellers", "travelers", "visitor", "visitors",
        "wife", "husband", "son", "daughter", "widow", "grandmother", "grandfather", "pensioner",
        "retiree", "survivor", "hostage", "hostages", "missionary", "refugee", "refugees",
        "migrant", "migrants", "immigrants", "expats",
        # A ship's flag says who registered it, not where it sails ("an Ethiopian flag").
        "flag", "flagged",
    }
)
# A person noun at most two words on, past one coordinated word ("Australian, English climbers").
_NOUN_AFTER = re.compile(r"(?:,?[ \t]+(?:and[ \t]+|or[ \t]+)?[A-Z][a-z]+)?[ \t]+([a-z]+)(?:[ \t]+([a-z]+))?")
_NOUN_FROM = re.compile(r"([a-z]+)[ \t]+(?:from|of)[ \t]+$")
# An article and up to two modifiers before a demonym used as a noun ("the 40-year-old American").
_ARTICLE_BEFORE = re.compile(r"\b(?:a|an|the)[ \t]+(?:[a-z0-9][a-z0-9-]*[ \t]+){0,2}$")
_NOUN_END = frozenset(",.;")
_NOUN_LEAD = frozenset(" ,")
# Words after "the Australian" that make it a person: a verb, or where the person was.
_SAYS_WHO = frozenset(
    {"who", "was", "is", "has", "had", "said", "says", "will", "would", "never", "in", "at", "on",
     "after", "before", "with", "against"}
)
NEIGHBOURHOOD = "Little"  # "Little Italy", "Little Havana": a district named after elsewhere
ABBREVIATIONS = frozenset({"St.", "Ft.", "Mt.", "Pt."})  # a dot inside a place name
# Lowercase links inside place names ("Newcastle upon Tyne", "Rio de Janeiro", "Isle of Man").
_LINK = r"(?:of|upon|on|de|del|la|le|du|da|do|dos|des|al|el|en|am|an|der|sur|the)"
# A run of capitalised words, with the links between; not in the middle of a word ("iPhone").
# Words further apart than the tagger's "New" reach (8 characters) belong to no one name.
_CAP_RUN = re.compile(
    rf"[A-ZÀ-Þ](?<![\w'.-][A-ZÀ-Þ])[\w'.-]*(?:[ \t]{{1,5}}(?:{_LINK}[ \t]+)?[A-ZÀ-Þ][\w'.-]*)*"
)
_RUN_WORD = re.compile(r"\S+")
_LINK_AHEAD = re.compile(rf"[ \t]+{_LINK}[ \t]+[A-ZÀ-Þ]")
# What place_keys hold: "St" of "St. Louis", "La" of "LaSalle", "Winston" of "Winston-Salem".
_CAP_TOKEN = re.compile(r"[A-Z][a-z]+")
_WORD_AT = re.compile(r"[\w'.-]*")
_NEXT_WORD = re.compile(r"[ \t]{1,5}([\w'.-]+)")
_INSIDE_WORD = frozenset("_'-")
_BLANKS = frozenset(" \t")
_CLAUSE_END = frozenset(".!?:;,\"”)\n")
_FEATURE_OF = re.compile(r"\b(?:Gulf|Bay|Sea|Strait|Straits|Lake|Cape|Isle|Battle)[ \t]+of[ \t]+$")
_COMMA_REGION = re.compile(r",[ \t]*([A-Z][\w.'-]*)(?:[ \t]+([A-Z][\w.'-]*))?")
_WORD_BEFORE = re.compile(r"([A-Z][\w'.-]*)[ \t]+$")
_TOWN_BEFORE = re.compile(r"(?<![\w'.-])[A-Z][a-z][\w'-]*$")  # searched up to a comma
_WORD_AFTER = re.compile(r"[ \t]+([A-Z][\w'-]*)")
_SENTENCE_STARTERS = frozenset("\n.!?:\"“”'(-—–")

# A place found by words: (start, end, form, capitalised word before, capitalised word after).
Span = tuple[int, int, str, str, str]


def bare(word: str) -> str:
    """Strip what may trail a name in running text: a full stop, "'s", a hyphenated suffix."""
    if word[-1] in ".,;:" and word not in ABBREVIATIONS:
        word = word[:-1]
    if word.endswith("'s"):
        word = word[:-2]
    word = word.rstrip("'")  # a possessive, or a closing quote written as two ("Reporter''")
    dash = word.find("-")
    if dash > 0 and word[dash + 1 : dash + 2].islower():  # "Texas-based", "Modesto-area"
        word = word[:dash]
    return word


def place_keys(data: Gazetteer, text: str) -> frozenset[str] | set[str]:
    """Return the capitalised words of a text that start a place form (often none).

    One C-speed pass collects the capitalised words, a set intersection keeps those that start
    a form; find_places then searches the text for those alone. Most capitalised words of a
    text start no place.
    """
    return data.place_keys.intersection(_CAP_TOKEN.findall(text))


def find_places(
    data: Gazetteer, text: str, keys: frozenset[str] | set[str], sure: bool = False
) -> list[Span]:
    """Find the places in a text where one of keys starts a word, the longest form first.

    sure: a dateline, where every place counts; elsewhere a word place ("Jackson") is looked
    at only after a locative word or before a comma ("Mobile, Alabama").
    """
    starts = []
    prefixes = data.place_prefixes
    words = () if sure else data.word_keys
    for key in keys:
        size = len(key)
        i = text.find(key)
        while i >= 0:
            j = i + size
            after = text[j : j + 1]
            # Not inside a word ("iNew", "Newark": its own key); a word that only starts longer
            # forms ("New", "Port") must have a capitalised word or a link after it.
            if (
                not after.islower()
                and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] in _INSIDE_WORD))
                and (
                    key not in prefixes
                    or after not in _BLANKS
                    or text[j + 1 : j + 2].isupper()
                    or _LINK_AHEAD.match(text, j)
                )
                and (key not in words or after == "," or locative_before(text, i))
            ):
                starts.append(i)
            i = text.find(key, j)
    if not starts:
        return []
    starts.sort()
    found: list[Span] = []
    end = firm_end = -1
    for start in starts:
        if start < end:
            continue  # inside the place just found ("York" in "New York City")
        span = place_at(data, text, start, firm_end)
        if span:
            found.append(span)
            end = span[1]
            if not data.places[span[2]].risky:
                firm_end = end
    return found


def place_at(data: Gazetteer, text: str, start: int, firm_end: int = -1) -> Span | None:
    """Match the longest place form starting at start, with the capitalised words beside it."""
    places = data.places
    word = _WORD_AT.match(text, start).group()
    longest = data.place_words.get(word)
    # A longer form only when the next word may follow this one in some place ("New York").
    second = _NEXT_WORD.match(text, start + len(word)) if longest else None
    if second and bare(second.group(1)) in data.second_words[word]:
        span = _multi_word_place(data, text, start, longest)
        if span is None:
            return None
        form, stop, after = span
    else:
        form = word if word in places else bare(word)
        if form not in places:
            return None
        stop = start + len(form)
        after = ""
        if text[stop : stop + 1] in _BLANKS and text[stop + 1 : stop + 2].isupper():
            found = _WORD_AFTER.match(text, stop, stop + 40)
            after = bare(found.group(1)) if found and not _ends_sentence(form) else ""
    before = ""
    if start > 1 and text[start - 1] in _BLANKS and text[start - 2] not in _CLAUSE_END:
        before = word_before(text, start)
        # The word before may end an earlier firm place ("Kansas City Missouri"): no name then.
        if not before[:1].isupper() or start - 1 - len(before) < firm_end or _ends_sentence(before):
            before = ""
    return start, stop, form, before, after


def _multi_word_place(data: Gazetteer, text: str, start: int, longest: int) -> tuple[str, int, str] | None:
    """Match the longest form of up to longest words at start: (form, end, word after) or None."""
    places = data.places
    run = _CAP_RUN.match(text, start)
    words = [(w.start(), w.group()) for w in _RUN_WORD.finditer(run.group())] if run else []
    if not words:
        return None
    count, last, form = len(words), 0, ""
    # Longer forms first; a word ending a sentence ("Modesto.") ends every form.
    for j in range(min(count, longest) - 1, 0, -1):
        if any(_ends_sentence(w) for _, w in words[:j]) or not words[j][1][0].isupper():
            continue
        candidate = " ".join(w for _, w in words[:j]) + " " + bare(words[j][1])
        if candidate in places:
            last, form = j, candidate
            break
    if not form:
        word = words[0][1]
        form = word if word in places else bare(word)
        if form not in places:
            return None
    stop = start + (words[last][0] + len(bare(words[last][1])) if last else len(form))
    after = words[last + 1][1] if last + 1 < count else ""
    if _ends_sentence(words[last][1]) or not after[:1].isupper():
        after = ""
    return form, stop, bare(after) if after else ""


def word_before(text: str, start: int) -> str:
    """Return the word right before index start when one blank separates them, else ""."""
    lo = max(0, start - 40)
    begin = max(text.rfind(" ", lo, start - 1), text.rfind("\n", lo, start - 1), text.rfind("\t", lo, start - 1))
    return text[begin + 1 : start - 1] if begin >= 0 or lo == 0 else ""


def _ends_sentence(word: str) -> bool:
    """Tell whether a word of a run ends with a full stop that ends a sentence (not "St.")."""
    return word[-1:] == "." and word not in ABBREVIATIONS and not (len(word) <= 3 and word[0].isupper())


def words_around(text: str, start: int, end: int) -> tuple[str, str]:
    """Return the capitalised words right before and after a match (for alias-found places)."""
    before = _WORD_BEFORE.search(text, max(0, start - 40), start)
    after = _WORD_AFTER.match(text, end, end + 40)
    word = before.group(1) if before else ""
    return ("" if _ends_sentence(word) else word) if word else "", after.group(1) if after else ""


def decide(
    data: Gazetteer, text: str, span: Span, place: Place, sure: bool, headline: bool
) -> str | None:
    """Decide one place mention: its country, LIKELY or DOUBTFUL + form, PERSON or None (none).

    sure: a dateline, where even a risky place is meant; headline: title-case text.
    """
    start, end, form, before, after = span
    if before:
        verdict = _name_before(data, text, start, before, headline)
        if verdict is not False:
            return verdict
        if place.risky and before not in STOPWORDS:  # "Northern Alliance": a name, probably
            return None
    elif text[start - 3 : start - 1] == "of" and _FEATURE_OF.search(text, max(0, start - 20), start):
        return None
    if after:
        if after in NAMED_AFTER:
            return None
        # Even in a title-case headline: a risky place there would count only in context.
        if (
            (place.risky or place.given_name or place.minor)
            and after not in LOCAL_BODIES
            and not _is_place_word(data, after)
        ):
            return None
    if (place.risky or len(place.candidates) > 1) and text[end : end + 1] == ",":
        region = comma_country(data, text, end, place)
        if region:
            return region
    if place.owner and not place.risky:
        return place.owner if len(place.candidates) == 1 else OWNED + form
    if sure or locative_before(text, start):
        return LIKELY + form if place.owner else DOUBTFUL + form
    if place.word or (place.risky and (headline or starts_sentence(text, start))):
        return None  # a word or a name not placed; a capital letter at a sentence start
    return DOUBTFUL + form


def _name_before(data: Gazetteer, text: str, start: int, word: str, headline: bool) -> str | None | bool:
    """Judge the capitalised word before a place: False (no name), None (drop) or PERSON."""
    if word in STOPWORDS or word in PLACE_MODIFIERS or _is_place_word(data, word):
        return False
    if word == NEIGHBOURHOOD or word in FEATURES:
        return None
    first = word in data.first_names
    if headline or starts_sentence(text, start - 1 - len(word)):
        return PERSON if first else False  # every word is capitalised there: only a first name tells
    return PERSON if first else None


def _is_place_word(data: Gazetteer, word: str) -> bool:
    """Tell whether a word is a country alias or a firm place ("Gulfport Biloxi", "Texas Governor")."""
    place = data.places.get(word)
    if place is not None:
        return not place.risky
    target = data.surface.get(word)
    return target is not None and target != BLOCKED


def starts_sentence(text: str, index: int) -> bool:
    """Tell whether index starts a sentence: only blanks back to the start or a sentence end."""
    k = index
    while k > 0 and text[k - 1] in " \t":
        k -= 1
    return k <= 0 or text[k - 1] in _SENTENCE_STARTERS


def locative_before(text: str, start: int) -> bool:
    """Tell whether a locative word comes right before ("a fire in Mobile", "the city of Mobile")."""
    if start < 3 or text[start - 1] != " ":
        return False
    # The longest locative has 10 letters: look at 11 characters, not back to the last blank.
    window = text[max(0, start - 12) : start - 1]
    blank = max(window.rfind(" "), window.rfind("\n"))
    if blank < 0 and start > 12:
        return False
    word = window[blank + 1 :].lower()  # "In Mobile, police said"
    if word == "of":
        return _PLACE_OF.search(text, max(0, start - 30), start) is not None
    return word in LOCATIVES


def comma_country(data: Gazetteer, text: str, end: int, place: Place) -> str | None:
    """Return the country that ", Region" after a place names, if the place has a namesake there."""
    m = _COMMA_REGION.match(text, end, end + 60)
    if not m:
        return None
    first, second = m.group(1), m.group(2)
    for name in (f"{first} {second}" if second else "", first, first.rstrip(".,")):
        if not name:
            continue
        codes = data.regions.get(name)
        if codes is None:
            target = data.surface.get(name)
            codes = (target,) if target and len(target) == 2 else None
        if codes:
            return next((c for c in codes if c in place.candidates), None)
    return None


def abbreviated_towns(data: Gazetteer, text: str, known_ends: set[int]) -> list[tuple[int, str, str]]:
    """Find "Wasilla, Calif." after a town the gazetteer does not know: (town start, form, ISO2).

    A known place before the comma is decided with its region by decide (known_ends: where
    the segment's places end); here only the AP abbreviation tells the country.
    """
    found = []
    for m in data.abbreviated.finditer(text):
        comma = m.start()
        if comma in known_ends:
            continue
        town = _TOWN_BEFORE.search(text, max(0, comma - 40), comma)
        if town:
            found.append((town.start(), m.group(1), data.regions[m.group(1)][0]))
    return found


def origin(text: str, start: int, end: int, noun: bool) -> bool:
    """Tell whether a place or demonym tells where a person comes from, not where things happen.

    "Perth man", "Australian mountain climber", "a climber from Perth"; with noun (a singular
    demonym), also a person named by it: "the lanky Australian, who", "the 40-year-old American
    in the sixth round", "the American's challenge".
    """
    after = None
    if text[end : end + 1] in _NOUN_LEAD:
        after = _NOUN_AFTER.match(text, end, end + 40)
        if after and (after.group(1) in PERSON_NOUNS or after.group(2) in PERSON_NOUNS):
            return True
    before = text[start - 5 : start]
    if before.endswith(("from ", " of ")):
        found = _NOUN_FROM.search(text, max(0, start - 30), start)
        if found and found.group(1) in PERSON_NOUNS:
            return True
    nxt = "," if text[end : end + 2] == "'s" else text[end : end + 1]  # "the American's challenge"
    if noun and (nxt in _NOUN_END or after) and _ARTICLE_BEFORE.search(text, max(0, start - 32), start):
        return nxt in _NOUN_END or (after is not None and after.group(1) in _SAYS_WHO)
    return False
