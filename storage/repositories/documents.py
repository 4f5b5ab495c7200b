"""Repository functions for documents (sessions are opened by the caller)."""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from storage.models import Document, Item


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


def recent_documents(session: Session, limit: int = 20, offset: int = 0) -> list[Document]:
    """Return loaded documents, newest first."""
    stmt = select(Document).order_by(Document.loaded_at.desc(), Document.id.desc())
    return list(session.scalars(stmt.limit(limit).offset(offset)))


def count_documents(session: Session) -> int:
    """Return how many documents are stored."""
    return session.scalar(select(func.count(Document.id))) or 0


def delete_document(session: Session, document_id: int) -> bool:
    """Delete a document and its items (the full-text index follows); tell whether it existed."""
    document = session.get(Document, document_id)
    if document is None:
        return False
    session.delete(document)
    session.flush()
    return True


def count_items(session: Session) -> int:
    """Return how many items are stored."""
    return session.scalar(select(func.count(Item.id))) or 0
