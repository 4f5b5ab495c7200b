"""Repository functions for stories (clusters of items reporting one event)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import Item, Story


def create_story(session: Session, item: Item, now: datetime) -> Story:
    """Start a new story with *item* as its first report."""
    story = Story(title=item.title[:500], published=item.published, first_seen=now,
                  updated_at=now, item_count=1)
    session.add(story)
    session.flush()
    item.story_id = story.id
    return story


def attach_to_story(session: Session, story_id: int, item: Item, now: datetime) -> None:
    """Add *item* to an existing story."""
    story = session.get(Story, story_id)
    item.story_id = story_id
    story.item_count += 1
    story.updated_at = now
    if item.published and (story.published is None or item.published > story.published):
        story.published = item.published


def count_stories(session: Session) -> int:
    """Return how many stories are stored."""
    return session.scalar(select(func.count(Story.id))) or 0
