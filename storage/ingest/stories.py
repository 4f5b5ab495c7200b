"""Story matching for a document's items: which stored story each one reports, if any.

A document's items are matched together, before they are stored (one document tells each story
once, so they are never candidates for each other). In order:
- an exact copy: the first stored item with exactly the same text gives the story;
- a near-copy: stored items sharing a MinHash band (on any date), scored with same_story; the
  best at or above its threshold gives the story (a duplicate when nearly all text is shared);
- the same event in other words: the recent story whose event terms the item fits best
  (news/similarity/events.py), from the StoryWindow, at or above events.THRESHOLD. Other
  stories the item shows to be the same event (event_index.Match.absorbs) are merged into it.
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from dataclasses import dataclass

from sqlalchemy.orm import Session

from news.enrich import NewItem
from news.similarity.features import (
    SAME_STORY_THRESHOLD,
    StoryFeatures,
    estimated_jaccard,
    same_story,
    signature_from_bytes,
    title_tokens,
)
from storage.ingest.story_window import StoryWindow
from storage.repositories.items import candidate_rows
from storage.repositories.story_candidates import (
    current_story_ids,
    first_items_by_content_hash,
    items_sharing_band_keys,
    stories_with_items,
)

NEAR_DUPLICATE_JACCARD = 0.85
CANDIDATES_BY_BAND = 40  # per item
BAND_HOLDERS_MAX = 2000  # per document: the newest stored items sharing any of its bands


@dataclass(slots=True)
class Decision:
    """Where one item goes."""

    story_id: int | None = None  # a stored story to join; None starts one (or follows same_as)
    duplicate_of_id: int | None = None  # the stored original it repeats
    same_as: int | None = None  # position of an earlier item of this document with the same text
    duplicate: bool = False
    absorbs: tuple[int, ...] = ()  # stored stories found to be the same event: merged into story_id

    @property
    def joins(self) -> bool:
        """Tell whether the item joins a story that existed before."""
        return self.story_id is not None or self.same_as is not None


@dataclass(slots=True)
class _Best:
    item_id: int
    duplicate_of_id: int | None
    score: float
    jaccard: float


def match_items(session: Session, window: StoryWindow, batch: list[NewItem]) -> list[Decision]:
    """Decide the story of every item in *batch* (one document's items, in order)."""
    decisions, pending = _exact(session, batch)
    copies = _near_copies(session, batch, pending)
    stories = current_story_ids(session, [b.item_id for b in copies.values()])
    for j, found in copies.items():
        story = stories.get(found.item_id)
        if story is None:  # deleted meanwhile
            continue
        near = found.jaccard >= NEAR_DUPLICATE_JACCARD
        decisions[j] = Decision(story, (found.duplicate_of_id or found.item_id) if near else None,
                                duplicate=near)
    rest = [j for j in pending if not decisions[j].joins]
    for j, (story, absorbs) in _same_event(session, window, batch, rest).items():
        decisions[j] = Decision(story, absorbs=absorbs)
    return _follow_merges(decisions)


def _follow_merges(decisions: list[Decision]) -> list[Decision]:
    """Send every item to the story its absorbed story is merged into (chains and loops too)."""
    into: dict[int, int] = {}

    def root(story: int) -> int:
        while story in into:
            story = into[story]
        return story

    for d in decisions:
        if d.story_id is None:
            continue
        for other in d.absorbs:
            a, b = root(d.story_id), root(other)
            if a != b:
                into[b] = a
    if not into:
        return decisions
    for d in decisions:
        if d.story_id is not None:
            d.story_id = root(d.story_id)
            d.absorbs = tuple(o for o in d.absorbs if root(o) == d.story_id and o != d.story_id)
    return decisions


def _exact(session: Session, batch: list[NewItem]) -> tuple[list[Decision], list[int]]:
    """Settle exact copies (stored, or earlier in the document); return the rest's positions."""
    stored = first_items_by_content_hash(session, [item.content_hash for item in batch])
    decisions = [Decision() for _ in batch]
    first: dict[str, int] = {}
    pending = []
    for j, item in enumerate(batch):
        copy = stored.get(item.content_hash)
        if copy is not None and copy.story_id is not None:
            decisions[j] = Decision(copy.story_id, copy.duplicate_of_id or copy.id, duplicate=True)
        elif item.content_hash in first:
            decisions[j] = Decision(same_as=first[item.content_hash], duplicate=True)
        else:
            first[item.content_hash] = j
            pending.append(j)
    return decisions, pending


def _near_copies(session: Session, batch: list[NewItem], pending: list[int]) -> dict[int, _Best]:
    """Return the best near-copy found through shared bands at or above the threshold, by position."""
    if not pending:
        return {}
    found = _band_candidates(session, batch, pending)
    return {j: b for j, b in found.items() if b.score >= SAME_STORY_THRESHOLD}


def _same_event(session: Session, window: StoryWindow, batch: list[NewItem],
                pending: list[int]) -> dict[int, tuple[int, tuple[int, ...]]]:
    """Return the story each pending item reports in other words, if any, and those it absorbs."""
    if not pending:
        return {}
    window.refresh(session)
    matches = window.match([batch[j].terms for j in pending])
    found = {j: m for j, m in zip(pending, matches, strict=True) if m is not None}
    named = {s for m in found.values() for s in (m.story_id, *m.absorbs)}
    gone = named - stories_with_items(session, list(named))
    window.discard(gone)  # its items were deleted (or merged) meanwhile: never joined
    return {j: (m.story_id, tuple(s for s in m.absorbs if s not in gone))
            for j, m in found.items() if m.story_id not in gone}


def _band_candidates(session: Session, batch: list[NewItem], pending: list[int]) -> dict[int, _Best]:
    """Score the stored items sharing the most bands with each pending item; keep the best."""
    holders = items_sharing_band_keys(session, [k for j in pending for k in batch[j].bands],
                                      BAND_HOLDERS_MAX)
    by_key: dict[str, list[int]] = {}
    for item_id, keys in holders:
        for key in keys.split():
            by_key.setdefault(key, []).append(item_id)
    wanted: dict[int, list[int]] = {}
    for j in pending:
        # The candidates sharing the most bands (the newest on ties) are the likeliest copies.
        counts = Counter(i for key in set(batch[j].bands) for i in by_key.get(key, ()))
        top = sorted(counts.items(), key=lambda kv: (-kv[1], -kv[0]))[:CANDIDATES_BY_BAND]
        wanted[j] = [i for i, _ in top]
    rows = {row.id: (row, codes)
            for row, codes in candidate_rows(session, sorted({i for ids in wanted.values() for i in ids}))}
    found: dict[int, _Best] = {}
    for j, ids in wanted.items():
        for i in ids:
            if i in rows and rows[i][0].story_id is not None:
                _keep_better(found, j, rows[i], batch[j].features)
    return found


def _keep_better(found: dict[int, _Best], j: int, row_codes, features: StoryFeatures) -> None:
    row, codes = row_codes
    candidate = _features(row, codes)
    score = same_story(features, candidate)
    if j not in found or score > found[j].score:
        jaccard = estimated_jaccard(features.signature, candidate.signature)
        found[j] = _Best(row.id, row.duplicate_of_id, score, jaccard)


# Band candidates by (item id, content hash): a wire story copied widely is a candidate for
# many new items in a row. Bounded, so memory stays flat as the store grows.
_FEATURE_CACHE: OrderedDict[tuple[int, str], StoryFeatures] = OrderedDict()
FEATURE_CACHE_SIZE = 500  # ~2.5 MB; hits come from copies of one story close together


def _features(row, codes: tuple[str, ...]) -> StoryFeatures:
    key = (row.id, row.content_hash)
    cached = _FEATURE_CACHE.get(key)
    if cached is not None and cached.countries == codes:
        _FEATURE_CACHE.move_to_end(key)
        return cached
    features = StoryFeatures(
        title_tokens=title_tokens(row.title),
        signature=signature_from_bytes(row.signature or b""),
        published=row.published,
        countries=codes,
        keywords=frozenset((row.keywords or "").split()),
    )
    _FEATURE_CACHE[key] = features
    if len(_FEATURE_CACHE) > FEATURE_CACHE_SIZE:
        _FEATURE_CACHE.popitem(last=False)
    return features
