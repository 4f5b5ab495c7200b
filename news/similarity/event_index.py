"""Candidate stories by content: an inverted index from event terms to the stories that hold them.

Each member of a story posts the story under its strongest terms (EventTerms.keys). A new item
looks up its own strongest terms (weighed down where many stories held share them: store_query),
takes the stories sharing the most of them (at most SHORTLIST), scores each with event_score and
joins the best at or above the threshold.

Stories that began apart, their first reports worded too differently to meet, are joined once
an item shows them to be one event (match): the item fits the best story at or above the
threshold and another at or above ABSORB_SHARE of it, and their members fit each other, pair
by pair, as well as an item fits a story it joins (events.linkage, over the last
LINKED_MEMBERS of each). The second story is absorbed into the first. The work per item is bounded by the keys, the posting
lists (POSTING_MAX stories each, the most recently touched) and the shortlist, whatever the
number of stories; memory by MAX_STORIES, the least recently touched stories going first.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from itertools import chain
from operator import itemgetter

from news.similarity.events import (
    THRESHOLD,
    EventTerms,
    StoryProfile,
    decode_terms,
    encode_terms,
    event_score,
    linkage,
    store_query,
)

POSTING_MAX = 32  # stories kept per term (the most recently touched)
SHORTLIST = 6  # candidate stories scored per item (most shared keys first)
MAX_STORIES = 20_000  # story profiles kept in memory (~2.5 kB each with postings, counts, members)
# A story fitting an item this much of the threshold, beside the one it joins, is looked at as
# the same event begun apart: ...
ABSORB_SHARE = 0.6
# ... and absorbed when the two stories' members fit each other this well on average (a pair
# of single reports: as one fits the other).
LINK_THRESHOLD = 0.34
LINKED_MEMBERS = 8  # the newest members of a story kept (in stored form) to compare stories by

Member = tuple[str, date | None]  # a member's encoded terms and its publication date


@dataclass(frozen=True, slots=True)
class Match:
    """The story an item joins and the stories it shows to be the same event, merged into it."""

    story_id: int
    score: float  # how well the item fits the story it fits best (one of story_id and absorbs)
    absorbs: tuple[int, ...] = ()


class EventIndex:
    """Story profiles and the term index over them."""

    def __init__(self, max_stories: int = MAX_STORIES, posting_max: int = POSTING_MAX,
                 shortlist: int = SHORTLIST) -> None:
        self.max_stories = max_stories
        self.posting_max = posting_max
        self.shortlist = shortlist
        # story id -> (profile, the terms it is posted under, its newest members); least
        # recently touched first. Plain dicts and tuples: an OrderedDict and a set per story
        # cost twice the memory; members are kept encoded (a third of a decoded vector).
        self._stories: dict[int, tuple[StoryProfile, tuple[str, ...], tuple[Member, ...]]] = {}
        self._postings: dict[str, dict[int, None]] = {}  # term -> story ids, oldest first
        self._holding: Counter[str] = Counter()  # term -> how many profiles hold it

    def __len__(self) -> int:
        """Return how many stories the index holds."""
        return len(self._stories)

    def __contains__(self, story_id: int) -> bool:
        return story_id in self._stories

    def profile(self, story_id: int) -> StoryProfile | None:
        """Return a story's profile, if held."""
        entry = self._stories.get(story_id)
        return entry[0] if entry else None

    def add(self, story_id: int, item: EventTerms, encoded: str | None = None) -> None:
        """Add a member to a story (a new one if unknown) and post the story under its keys.

        *encoded* is encode_terms(item) when the caller has it.
        """
        if not item.vector:
            return  # a text without terms tells nothing a story could be found by
        entry = self._stories.pop(story_id, None)  # back in last: the most recently touched
        profile, posted, members = entry if entry is not None else (StoryProfile(), (), ())
        member = (encoded if encoded is not None else encode_terms(item), item.day)
        members = (*members[1 - LINKED_MEMBERS:], member) if LINKED_MEMBERS > 1 else (member,)
        before = profile.terms
        profile.add(item)
        self._count_terms(before, profile.terms)
        keys = item.keys
        for term in keys:
            self._post(term, story_id)
        self._stories[story_id] = (profile, tuple(dict.fromkeys(posted + keys)) if posted else keys,
                                   members)
        while len(self._stories) > self.max_stories:
            self.discard(next(iter(self._stories)))

    def _post(self, term: str, story_id: int) -> None:
        """Post a story under a term, as the newest there (the oldest goes past posting_max)."""
        posting = self._postings.get(term)
        if posting is None:
            posting = self._postings[term] = {}
        posting.pop(story_id, None)
        posting[story_id] = None
        if len(posting) > self.posting_max:
            del posting[next(iter(posting))]

    def discard(self, story_id: int) -> None:
        """Forget a story (gone from the store, or least recently touched)."""
        entry = self._stories.pop(story_id, None)
        if entry is None:
            return
        self._count_terms(entry[0].terms, ())
        for term in entry[1]:
            posting = self._postings.get(term)
            if posting is not None:
                posting.pop(story_id, None)
                if not posting:
                    del self._postings[term]

    def _count_terms(self, before: tuple[str, ...], after: tuple[str, ...]) -> None:
        """Count a profile's terms going from *before* to *after* into how many profiles hold each."""
        holding = self._holding
        if not before:
            holding.update(after)  # counted in C: most stories are new ones
            return
        old = set(before)
        holding.update(set(after).difference(old))
        for term in old.difference(after):
            left = holding[term] - 1
            if left:
                holding[term] = left
            else:
                del holding[term]

    def candidates(self, item: EventTerms) -> list[int]:
        """Return the stories sharing the most keys with *item* (newest first on ties), at most SHORTLIST."""
        postings = [p for p in map(self._postings.get, item.keys) if p]
        # Counted and ranked in C: Python loops over the postings cost most of the matching.
        shared = Counter(chain.from_iterable(map(reversed, postings)))
        if len(shared) <= self.shortlist:
            return list(shared)
        ranked = sorted(shared.items(), key=itemgetter(1), reverse=True)  # stable: ties stay newest first
        return [story_id for story_id, _ in ranked[:self.shortlist]]

    def match(self, item: EventTerms, threshold: float = THRESHOLD) -> Match | None:
        """Return the story *item* joins, if any fits at or above *threshold*, and those it absorbs."""
        # Looked up by the terms that tell it apart in this store, not those every story holds.
        query = store_query(item, self._holding, len(self._stories))
        scored = sorted(((event_score(query, self._stories[story_id][0]), story_id)
                         for story_id in self.candidates(query)), reverse=True)
        if not scored or scored[0][0] < threshold:
            return None
        score, story_id = scored[0]
        near = [other for s, other in scored[1:] if s >= ABSORB_SHARE * threshold]
        linked = [other for other in near if self.linked(story_id, other)]
        if not linked:
            return Match(story_id, score)
        # The biggest story takes the others in: the fewest items move, and the story readers
        # have seen most of keeps its id.
        group = [story_id, *linked]
        into = max(group, key=lambda s: self._stories[s][0].size)
        return Match(into, score, tuple(s for s in group if s != into))

    def linked(self, story_id: int, other: int) -> bool:
        """Tell whether two held stories' members fit each other as one event's (linkage)."""
        these, those = self._members(story_id), self._members(other)
        return bool(these and those) and linkage(these, those) >= LINK_THRESHOLD

    def merge(self, into: int, other: int) -> None:
        """Fold held story *other* into held story *into*: one profile, posted under both's keys."""
        if other == into or into not in self._stories or other not in self._stories:
            return
        profile, posted, members = self._stories.pop(into)
        theirs, their_keys, their_members = self._stories[other]
        self.discard(other)
        before = profile.terms
        profile.absorb(theirs)
        self._count_terms(before, profile.terms)
        for term in their_keys:
            self._post(term, into)
        self._stories[into] = (profile, tuple(dict.fromkeys(posted + their_keys)),
                               (*their_members, *members)[-LINKED_MEMBERS:])

    def _members(self, story_id: int) -> list[EventTerms]:
        entry = self._stories.get(story_id)
        return [decode_terms(encoded, day) for encoded, day in entry[2]] if entry else []
