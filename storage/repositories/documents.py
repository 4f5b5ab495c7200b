"""Repository functions for documents (sessions are opened by the caller)."""

from __future__ import annotations

from dataclasses import fields
from typing import NamedTuple

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from storage.models import Document
from storage.records import DocumentRecord


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
