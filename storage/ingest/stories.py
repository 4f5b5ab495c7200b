"""Incremental story clustering: put a newly stored item into an existing story or a new one.

Candidates come from two cheap indexed lookups (items sharing a MinHash band, and recent items
about the same countries near the same date); only those are scored, from stored signatures and
keywords, so the cost per item does not grow with the size of the store.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from briefs.similarity import (
    SAME_STORY_THRESHOLD,
    StoryFeatures,
    estimated_jaccard,
    same_story,
    signature_from_bytes,
    title_tokens,
)
from storage.models import Item
from storage.repositories.items import (
    candidate_rows,
    item_ids_near_date,
    item_ids_sharing_bands,
    items_by_content_hash,
)
from storage.repositories.stories import attach_to_story, create_story

NEAR_DUPLICATE_JACCARD = 0.85
CANDIDATES_BY_BAND = 40
CANDIDATES_BY_DATE = 120


@dataclass(slots=True)
class StoryMatch:
    """Where an item went."""

    story_id: int
    duplicate: bool  # same text as an item already stored
    joined: bool  # joined a story that existed before this item


def assign_story(
    session: Session, item: Item, features: StoryFeatures, bands: list[str], now: datetime
) -> StoryMatch:
    """Attach *item* to the story it reports, creating one when it is new."""
    exact = items_by_content_hash(session, item.content_hash)
    if exact is not None and exact.id != item.id and exact.story_id is not None:
        item.duplicate_of_id = exact.duplicate_of_id or exact.id
        attach_to_story(session, exact.story_id, item, now)
        return StoryMatch(exact.story_id, duplicate=True, joined=True)
    best, score = _best_candidate(session, item, features, bands, now)
    if best is None or score < SAME_STORY_THRESHOLD:
        return StoryMatch(create_story(session, item, now).id, duplicate=False, joined=False)
    row, best_features = best
    near_dup = estimated_jaccard(features.signature, best_features.signature) >= NEAR_DUPLICATE_JACCARD
    if near_dup:
        item.duplicate_of_id = row.duplicate_of_id or row.id
    attach_to_story(session, row.story_id, item, now)
    return StoryMatch(row.story_id, duplicate=near_dup, joined=True)


def _candidate_ids(session: Session, item: Item, features: StoryFeatures, bands, now) -> set[int]:
    ids = set(item_ids_sharing_bands(session, bands, CANDIDATES_BY_BAND))
    about = [c.country for c in item.countries if c.about][:3]
    if about:
        since = now - timedelta(days=3)
        ids.update(item_ids_near_date(session, about, item.published, since, CANDIDATES_BY_DATE))
    ids.discard(item.id)
    return ids


def _best_candidate(session, item, features, bands, now):
    best, best_score = None, 0.0
    for row, codes in candidate_rows(session, sorted(_candidate_ids(session, item, features, bands, now))):
        if row.document_id == item.document_id or row.story_id is None:
            continue  # one document tells each story once
        candidate = _features(row, codes)
        score = same_story(features, candidate)
        if score > best_score:
            best, best_score = (row, candidate), score
    return best, best_score


# Candidate features by (item id, content hash): the same recent items are candidates for
# many new items in a row, and decoding them again each time was most of the matching cost.
_FEATURE_CACHE: OrderedDict[tuple[int, str], StoryFeatures] = OrderedDict()
FEATURE_CACHE_SIZE = 2_000  # bounded: memory must stay flat as the store grows


def _features(row, codes: tuple[str, ...]) -> StoryFeatures:
    key = (row.id, row.content_hash)
    cached = _FEATURE_CACHE.get(key)
    if cached is not None and cached.countries == codes:
        _FEATURE_CACHE.move_to_end(key)
        return cached
    features = _decode_features(row, codes)
    _FEATURE_CACHE[key] = features
    if len(_FEATURE_CACHE) > FEATURE_CACHE_SIZE:
        _FEATURE_CACHE.popitem(last=False)
    return features


def _decode_features(row, codes: tuple[str, ...]) -> StoryFeatures:
    return StoryFeatures(
        title_tokens=title_tokens(row.title),
        signature=signature_from_bytes(row.signature or b""),
        published=row.published,
        countries=codes,
        keywords=frozenset((row.keywords or "").split()),
    )
