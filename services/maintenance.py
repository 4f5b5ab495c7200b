"""Store maintenance that follows an upgrade: stored items brought in line with this version.

Story matching compares a new item with the event terms stored for the items before it
(news/similarity/events.py). When a version weighs terms differently, or the store holds items
from before event terms were kept, `refresh_event_terms` computes every item's terms again
from its stored headline, body and date, so old and new items are compared alike. Stories
already formed stay as they are; only matching from then on uses the new terms.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from news.enrich import stored_event_terms
from storage.dialect import WRITE_TRANSACTION
from storage.repositories.items import item_texts_after, set_event_terms

logger = logging.getLogger(__name__)

REFRESH_BATCH = 500  # items per transaction: short write locks, and an interrupted run keeps its work


def refresh_event_terms(sessions: sessionmaker[Session], *, batch_size: int = REFRESH_BATCH,
                        progress: Callable[[int], None] | None = None) -> int:
    """Compute every stored item's event terms again, a batch per transaction; return how many."""
    after, done = 0, 0
    while True:
        with sessions.begin() as session:
            session.connection(execution_options=WRITE_TRANSACTION)
            rows = item_texts_after(session, after, batch_size)
            set_event_terms(session, {item_id: stored_event_terms(title, body, published)
                                      for item_id, title, body, published in rows})
        if not rows:
            logger.info("event terms refreshed for %d items", done)
            return done
        after, done = rows[-1][0], done + len(rows)
        if progress is not None:
            progress(done)
