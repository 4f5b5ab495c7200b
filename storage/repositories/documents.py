"""Repository functions for documents (sessions are opened by the caller)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import Document, Item


def document_by_sha256(session: Session, sha256: str) -> Document | None:
    """Return the document with this content hash, if it was loaded before."""
    return session.scalars(select(Document).where(Document.sha256 == sha256)).first()


def create_document(session: Session, **fields: object) -> Document:
    """Add a document row and return it (flushed, so it has an id)."""
    document = Document(**fields)
    session.add(document)
    session.flush()
    return document


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
