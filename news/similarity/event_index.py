"""Candidate stories by content: an inverted index from event terms to the stories that hold them.

Each member of a story posts the story under its strongest terms (EventTerms.keys). A new item
looks up its own strongest terms (weighed down where many stories held share them: store_query),
takes the stories sharing the most of them (at most SHORTLIST), scores each with event_score and
joins the best at or above the threshold. The work per item is bounded by the keys, the posting
lists (POSTING_MAX stories each, the most recently touched) and the shortlist, whatever the
number of stories; memory by MAX_STORIES, the least recently touched stories going first.
"""

from __future__ import annotations

from collections import Counter
from itertools import chain
from operator import itemgetter

from news.similarity.events import THRESHOLD, EventTerms, StoryProfile, event_score, store_query

POSTING_MAX = 32  # stories kept per term (the most recently touched)
SHORTLIST = 6  # candidate stories scored per item (most shared keys first)
MAX_STORIES = 20_000  # story profiles kept in memory (~1.5 kB each with postings and counts)


class EventIndex:
    """Story profiles and the term index over them."""

    def __init__(self, max_stories: int = MAX_STORIES, posting_max: int = POSTING_MAX,
                 shortlist: int = SHORTLIST) -> None:
        self.max_stories = max_stories
        self.posting_max = posting_max
        self.shortlist = shortlist
        # story id -> (profile, the terms it is posted under); least recently touched first.
        # Plain dicts and tuples: an OrderedDict and a set per story cost twice the memory.
        self._stories: dict[int, tuple[StoryProfile, tuple[str, ...]]] = {}
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

    def add(self, story_id: int, item: EventTerms) -> None:
        """Add a member to a story (a new one if unknown) and post the story under its keys."""
        if not item.vector:
            return  # a text without terms tells nothing a story could be found by
        entry = self._stories.pop(story_id, None)  # back in last: the most recently touched
        profile, posted = entry if entry is not None else (StoryProfile(), ())
        before = profile.terms
        profile.add(item)
        self._count_terms(before, profile.terms)
        keys = item.keys
        for term in keys:
            posting = self._postings.get(term)
            if posting is None:
                posting = self._postings[term] = {}
            posting.pop(story_id, None)
            posting[story_id] = None  # the newest last
            if len(posting) > self.posting_max:
                del posting[next(iter(posting))]
        self._stories[story_id] = (profile, tuple(dict.fromkeys(posted + keys)) if posted else keys)
        while len(self._stories) > self.max_stories:
            self.discard(next(iter(self._stories)))

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

    def best(self, item: EventTerms, threshold: float = THRESHOLD) -> tuple[int, float] | None:
        """Return (story id, score) of the best candidate at or above *threshold*, if any."""
        found = None
        # Looked up by the terms that tell it apart in this store, not those every story holds.
        query = store_query(item, self._holding, len(self._stories))
        for story_id in self.candidates(query):
            score = event_score(query, self._stories[story_id][0])
            if score >= threshold and (found is None or score > found[1]):
                found = (story_id, score)
        return found
