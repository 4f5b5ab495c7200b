"""Loaded documents as admins manage them: list, delete by id, prune by age.

The CLI (`briefbot documents ...`) and the bot's /delete call these. Each deletion runs in one
transaction (a writer's on SQLite, see storage.dialect.WRITE_TRANSACTION): a document goes
with its items, their search and matching rows, and the stories only it held, or nothing goes.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from services.durations import parse_duration
from storage.dialect import WRITE_TRANSACTION
from storage.records import DocumentRecord
from storage.repositories.documents import (
    DeletedDocuments,
    all_documents,
    delete_documents,
    document_by_id,
    documents_loaded_before,
)

logger = logging.getLogger(__name__)

MAX_AGE = timedelta(days=365 * 100)


class UnknownDocumentsError(LookupError):
    """Some of the ids asked for name no document; nothing was deleted."""

    def __init__(self, missing: list[int]) -> None:
        super().__init__("no document with id " + ", ".join(map(str, missing)))
        self.missing = missing


def parse_age(text: str) -> timedelta:
    """Read an age such as 90d, 12h or 2w; ValueError (one line) when it is not one."""
    age = parse_duration(text)
    if not age:  # None, or zero
        raise ValueError(f"not an age: {text[:40]!r} (e.g. 90d, 12h, 2w)")
    if age > MAX_AGE:
        raise ValueError(f"at most 100 years: {text[:40]}")
    return age


def list_documents(sessions: sessionmaker[Session]) -> list[DocumentRecord]:
    """Return every loaded document, newest first."""
    with sessions() as session:
        return all_documents(session)


def find_document(sessions: sessionmaker[Session], document_id: int) -> DocumentRecord | None:
    """Return the document with this id, or None."""
    with sessions() as session:
        return document_by_id(session, document_id)


def delete(sessions: sessionmaker[Session], ids: list[int], now: datetime) -> DeletedDocuments:
    """Delete the documents *ids*, all or none: UnknownDocumentsError when one does not exist."""
    with sessions.begin() as session:
        session.connection(execution_options=WRITE_TRANSACTION)
        deleted = delete_documents(session, ids, now)
        missing = sorted(set(ids) - {d.id for d in deleted.documents})
        if missing:
            raise UnknownDocumentsError(missing)  # leaving the block rolls back
    _log(deleted, "deleted")
    return deleted


def prune(sessions: sessionmaker[Session], older_than: timedelta, now: datetime, *,
          dry_run: bool = False) -> DeletedDocuments:
    """Delete every document loaded more than *older_than* before *now* (dry run: only list)."""
    if dry_run:
        with sessions() as session:
            old = documents_loaded_before(session, now - older_than)
        return DeletedDocuments(old, sum(d.item_count for d in old), 0, 0)
    with sessions.begin() as session:
        session.connection(execution_options=WRITE_TRANSACTION)
        old = documents_loaded_before(session, now - older_than)
        deleted = delete_documents(session, [d.id for d in old], now)
    _log(deleted, "pruned")
    return deleted


def _log(deleted: DeletedDocuments, verb: str) -> None:
    if deleted.documents:
        logger.info("%s %d documents (%s): %d items, %d stories gone, %d kept", verb,
                    len(deleted.documents), ", ".join(str(d.id) for d in deleted.documents[:20]),
                    deleted.items, deleted.stories_removed, deleted.stories_kept)
