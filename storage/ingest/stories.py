"""Incremental story clustering: put a newly stored item into an existing story or a new one.

Candidates come from two cheap indexed lookups (items sharing a MinHash band, and recent items
about the same countries near the same date); only those are scored, so the cost per item does
not grow with the size of the store.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from briefs.similarity import (
    SAME_STORY_THRESHOLD,
    StoryFeatures,
    estimated_jaccard,
    keywords,
    same_story,
    signature_from_bytes,
    title_tokens,
)
from storage.models import Item, Story
from storage.repositories.items import items_by_content_hash, items_near_date, items_sharing_bands
from storage.repositories.stories import attach_to_story, create_story

NEAR_DUPLICATE_JACCARD = 0.85
CANDIDATES_BY_BAND = 40
CANDIDATES_BY_DATE = 120


@dataclass(slots=True)
class StoryMatch:
    """Where an item went."""

    story: Story
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
        return StoryMatch(exact.story, duplicate=True, joined=True)
    best, score = _best_candidate(session, item, features, bands, now)
    if best is None or score < SAME_STORY_THRESHOLD or best.story_id is None:
        return StoryMatch(create_story(session, item, now), duplicate=False, joined=False)
    near_dup = estimated_jaccard(features.signature, _features(best).signature) >= NEAR_DUPLICATE_JACCARD
    if near_dup:
        item.duplicate_of_id = best.duplicate_of_id or best.id
    attach_to_story(session, best.story_id, item, now)
    return StoryMatch(best.story, duplicate=near_dup, joined=True)


def _best_candidate(session, item, features, bands, now) -> tuple[Item | None, float]:
    candidates = {c.id: c for c in items_sharing_bands(session, bands, CANDIDATES_BY_BAND)}
    about = [c.country for c in item.countries if c.about][:3]
    if about:
        since = now - timedelta(days=3)
        for c in items_near_date(session, about, item.published, since, CANDIDATES_BY_DATE):
            candidates.setdefault(c.id, c)
    candidates.pop(item.id, None)
    best, best_score = None, 0.0
    for candidate in candidates.values():
        if candidate.document_id == item.document_id:
            continue  # one document tells each story once
        score = same_story(features, _features(candidate))
        if score > best_score:
            best, best_score = candidate, score
    return best, best_score


def _features(item: Item) -> StoryFeatures:
    # The stored MinHash saves recomputing shingles for every candidate; keywords are cheap.
    return StoryFeatures(
        title_tokens=title_tokens(item.title),
        signature=signature_from_bytes(item.signature or b""),
        published=item.published,
        countries=tuple(sorted(c.country for c in item.countries)),
        keywords=keywords(item.body),
        word_count=len(item.body.split()),
    )
