"""Repository functions for documents (sessions are opened by the caller).

Deleting documents (`delete_documents`) takes everything that hangs on them, in the caller's
transaction: their items, the items' country rows, full-text rows and band keys (the items'
delete triggers on SQLite, the items' own indexed columns on PostgreSQL), and the items' event
terms (a column of the item). Stories left without items go; a story that keeps some items
gets its count, date and title from the members left (the title from the item that now
speaks for it, `story_views.representative`). Copies of a deleted item in other documents
are promoted: the oldest becomes the original, the others its copies. Delivered briefings
(the outbox) stay as they were sent.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import ColumnElement, bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from storage.models import Document, Item, ItemCountry
from storage.records import DocumentRecord
from storage.repositories.stories import settle_stories
from storage.repositories.story_views import CHUNK


class KnownDocument(NamedTuple):
    """A stored document's id and item count: all that a repeated upload needs."""

    id: int
    item_count: int


def document_by_sha256(session: Session, sha256: str) -> KnownDocument | None:
    """Return the document with this content hash, if it was loaded before."""
    # Core on the table, not an ORM entity: ingest asks this twice for every document.
    table = Document.__table__
    stmt = select(table.c.id, table.c.item_count).where(table.c.sha256 == sha256)
    row = session.connection().execute(stmt).first()
    return KnownDocument(*row) if row else None


def create_document(session: Session, **fields: object) -> int:
    """Insert a document row and return its id."""
    stmt = insert(Document.__table__).returning(Document.__table__.c.id)
    return session.connection().execute(stmt, fields).scalar_one()


_table = Document.__table__
_RECORDS = (select(*(_table.c[f.name] for f in fields(DocumentRecord)))
            .order_by(_table.c.loaded_at.desc(), _table.c.id.desc()))


def recent_documents(session: Session, limit: int = 20, offset: int = 0) -> list[DocumentRecord]:
    """Return loaded documents, newest first."""
    rows = session.connection().execute(_RECORDS.limit(limit).offset(offset))
    return [DocumentRecord(*row) for row in rows]


def all_documents(session: Session) -> list[DocumentRecord]:
    """Return every document, newest first."""
    return [DocumentRecord(*row) for row in session.connection().execute(_RECORDS)]


def document_by_id(session: Session, document_id: int) -> DocumentRecord | None:
    """Return the document with this id, or None."""
    row = session.connection().execute(_RECORDS.where(_table.c.id == document_id)).first()
    return DocumentRecord(*row) if row else None


def documents_loaded_before(session: Session, cutoff: datetime) -> list[DocumentRecord]:
    """Return the documents loaded before *cutoff*, newest first."""
    rows = session.connection().execute(_RECORDS.where(_table.c.loaded_at < cutoff))
    return [DocumentRecord(*row) for row in rows]


@dataclass(frozen=True, slots=True)
class DeletedDocuments:
    """What delete_documents removed."""

    documents: list[DocumentRecord]  # the ones found and deleted, newest first
    items: int
    stories_removed: int  # left without items
    stories_kept: int  # lost items but have others left


def delete_documents(session: Session, ids: Sequence[int], now: datetime) -> DeletedDocuments:
    """Delete the documents with these ids (unknown ids are skipped) and all that hangs on them."""
    found = [record for chunk in _chunks(sorted(set(ids)))
             for record in session.connection().execute(_RECORDS.where(_table.c.id.in_(chunk)))]
    documents = sorted((DocumentRecord(*row) for row in found),
                       key=lambda d: (d.loaded_at, d.id), reverse=True)
    stories: set[int] = set()
    items = 0
    for chunk in _chunks([d.id for d in documents]):
        in_documents = Item.document_id.in_(chunk)
        stories.update(session.scalars(select(Item.story_id).distinct()
                                       .where(in_documents, Item.story_id.is_not(None))))
        _promote_copies(session, in_documents)
        doomed = select(Item.id).where(in_documents).scalar_subquery()
        session.execute(delete(ItemCountry).where(ItemCountry.item_id.in_(doomed)))
        items += session.execute(delete(Item).where(in_documents)).rowcount
        session.execute(delete(Document).where(Document.id.in_(chunk)))
    removed, kept = settle_stories(session, sorted(stories), now)
    return DeletedDocuments(documents, items, removed, kept)


def _chunks(ids: Sequence[int]) -> Iterator[list[int]]:
    for n in range(0, len(ids), CHUNK):
        yield list(ids[n : n + CHUNK])


def _promote_copies(session: Session, in_documents: ColumnElement[bool]) -> None:
    """Re-point copies (in other documents) of the items about to go at a surviving copy."""
    doomed = select(Item.id).where(in_documents).scalar_subquery()
    rows = session.execute(select(Item.id, Item.duplicate_of_id)
                           .where(Item.duplicate_of_id.in_(doomed), ~in_documents)
                           .order_by(Item.id)).all()
    copies: dict[int, list[int]] = {}
    for copy_id, original in rows:
        copies.setdefault(original, []).append(copy_id)
    changes = []
    for first, *rest in copies.values():  # the oldest surviving copy becomes the original
        changes.append({"item": first, "original": None})
        changes.extend({"item": other, "original": first} for other in rest)
    if changes:
        table = Item.__table__
        session.connection().execute(
            update(table).where(table.c.id == bindparam("item"))
            .values(duplicate_of_id=bindparam("original")), changes)
