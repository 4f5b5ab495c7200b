"""Load documents: read, split and enrich them, then store and cluster them in batches.

A failing document never takes others down: every step's error becomes an IngestResult with
a one-line reason, and whatever was stored before stays stored. Documents are written several
to a transaction, each inside its own savepoint, so a bad one is rolled back alone; results
are reported once their batch is committed, so "loaded" always means stored.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from news.enrich import EnrichedItem, enrich_item
from news.extract.readers import read_bytes
from news.split.splitter import split_document
from news.types import ExtractedDocument, IngestError
from storage.clock import utcnow
from storage.dialect import WRITE_TRANSACTION
from storage.ingest.files import read_raw, too_big
from storage.ingest.stories import Decision, match_items
from storage.ingest.story_window import StoryWindow
from storage.ingest.writer import matchable, write_items
from storage.repositories.documents import create_document, document_by_sha256

logger = logging.getLogger(__name__)

# A batch is written once it holds this many documents or items, or its first document was
# prepared this long ago: per-document commits cost ~6% of ingest (WAL writes, FTS segment
# flushes), and a short batch keeps the write lock brief and results prompt.
BATCH_DOCUMENTS = 16
BATCH_ITEMS = 2000
BATCH_SECONDS = 1.0


@dataclass(slots=True)
class IngestResult:
    """What became of one file."""

    path: str
    status: str  # loaded | duplicate | failed
    items: int = 0
    duplicates: int = 0  # items whose story text was already stored (linked, not repeated)
    stories_joined: int = 0  # items that joined a story already known from another document
    error: str | None = None
    document_id: int | None = None
    top_countries: list[tuple[str, int]] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        """Return the stable JSON shape scripts rely on."""
        return {"path": self.path, "status": self.status, "items": self.items,
                "duplicates": self.duplicates, "error": self.error}


@dataclass(slots=True)
class Prepared:
    """A document read, split and enriched, waiting to be written."""

    label: str
    name: str
    sha: str
    size: int
    extracted: ExtractedDocument
    items: list[EnrichedItem]
    loaded_by: str | None
    loaded_at: datetime


Step = Prepared | IngestResult  # a document to write, or one whose outcome is already known


class Ingestor:
    """Loads files into the store; one instance serves the CLI and the bot."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        max_bytes: int,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.sessions = sessions
        self.max_bytes = max_bytes
        self.clock = clock
        self.window = StoryWindow()  # recent stories for story matching, kept between documents

    def ingest_path(self, path: Path, loaded_by: str | None = None) -> IngestResult:
        """Load one file from disk."""
        return next(self.ingest_paths([(path, None)], loaded_by=loaded_by))

    def ingest_bytes(
        self, data: bytes, name: str, *, loaded_by: str | None = None, label: str | None = None
    ) -> IngestResult:
        """Load one document given as bytes (an upload, or a file already read)."""
        return self._write([self._prepare(data, name, loaded_by, label or name)])[0]

    def ingest_paths(self, files: Iterable[tuple[Path, str | None]],
                     loaded_by: str | None = None) -> Iterator[IngestResult]:
        """Load (file, error found listing it) pairs; yield results in order, batch by batch."""
        return self._batched(self._prepare_file(path, error, loaded_by) for path, error in files)

    def ingest_documents(self, documents: Iterable[tuple[bytes, str]],
                         loaded_by: str | None = None) -> Iterator[IngestResult]:
        """Load (bytes, name) pairs; yield results in order, batch by batch."""
        return self._batched(self._prepare(data, name, loaded_by, name) for data, name in documents)

    def _prepare_file(self, path: Path, error: str | None, loaded_by: str | None) -> Step:
        if error is not None:
            return IngestResult(str(path), "failed", error=error)
        try:
            data = read_raw(path, self.max_bytes)
        except IngestError as exc:
            return IngestResult(str(path), "failed", error=str(exc))
        return self._prepare(data, path.name, loaded_by, str(path))

    def _prepare(self, data: bytes, name: str, loaded_by: str | None, label: str) -> Step:
        """Read, split and enrich a document, or say why it goes no further."""
        if len(data) > self.max_bytes:
            return IngestResult(label, "failed", error=too_big(len(data), self.max_bytes))
        sha = hashlib.sha256(data).hexdigest()
        try:
            # Committed, not rolled back: psycopg forgets its prepared statements on a rollback,
            # and PostgreSQL's band lookup plans well only once prepared (measured: 10x slower).
            with self.sessions.begin() as session:  # known files are not read again
                known = document_by_sha256(session, sha)
            if known is not None:
                return IngestResult(label, "duplicate", items=known.item_count, document_id=known.id)
            extracted = read_bytes(data, name)
            parsed = split_document(extracted)
            if not parsed:
                raise IngestError("no news items found in the document")
            now = self.clock()
            # Enrichment is the slow part and needs no database: done before the write
            # transaction, so summarising does not hold SQLite's write lock.
            items = [enrich_item(p, extracted, now) for p in parsed]
        except IngestError as exc:
            return IngestResult(label, "failed", error=str(exc))
        except SQLAlchemyError as exc:
            return _database_error(label, exc)
        except Exception as exc:  # a bug must not cost the rest of the batch
            return _unexpected_error(label, exc)
        return Prepared(label, name, sha, len(data), extracted, items, loaded_by, now)

    def _batched(self, steps: Iterable[Step]) -> Iterator[IngestResult]:
        """Gather prepared documents into batches, write each, and yield the results in order."""
        batch: list[Step] = []
        items, started = 0, time.monotonic()
        for step in steps:
            if not batch:
                items, started = 0, time.monotonic()
            batch.append(step)
            items += len(step.items) if isinstance(step, Prepared) else 0
            if (len(batch) >= BATCH_DOCUMENTS or items >= BATCH_ITEMS
                    or time.monotonic() - started >= BATCH_SECONDS):
                yield from self._write(batch)
                batch = []
        yield from self._write(batch)

    def _write(self, batch: list[Step]) -> list[IngestResult]:
        """Store the prepared documents of *batch* in one transaction, a savepoint each."""
        if not any(isinstance(step, Prepared) for step in batch):
            return [step for step in batch if isinstance(step, IngestResult)]
        # One writer at a time shares the story window: what it remembers before the commit
        # is forgotten again if the commit fails.
        with self.window.lock:
            try:
                with self.sessions.begin() as session:
                    session.connection(execution_options=WRITE_TRANSACTION)
                    results = [self._write_one(session, step) if isinstance(step, Prepared)
                               else step for step in batch]
            except SQLAlchemyError as exc:  # the commit failed: nothing of the batch is stored
                self.window.forget()
                results = [_database_error(step.label, exc) if isinstance(step, Prepared)
                           else step for step in batch]
        for result in results:
            if result.status == "loaded":
                logger.info("loaded %s: %d items", result.path, result.items)
        return results

    def _write_one(self, session: Session, doc: Prepared) -> IngestResult:
        """Store one document inside a savepoint; a database error rolls back only this one."""
        try:
            with session.begin_nested():
                known = document_by_sha256(session, doc.sha)  # the same file earlier in the batch
                if known is not None:
                    return IngestResult(doc.label, "duplicate", items=known.item_count,
                                        document_id=known.id)
                document_id = create_document(
                    session, name=doc.name[:500], sha256=doc.sha, format=doc.extracted.format,
                    size=doc.size, title=(doc.extracted.title or None) and doc.extracted.title[:500],
                    language=doc.extracted.language, encoding=doc.extracted.encoding,
                    loaded_at=doc.loaded_at, loaded_by=doc.loaded_by, status="loaded",
                    item_count=len(doc.items),
                )
                decisions = match_items(session, self.window, [item.match for item in doc.items])
                stored = write_items(session, document_id, doc.items, decisions, doc.loaded_at)
        except SQLAlchemyError as exc:
            return _database_error(doc.label, exc)
        except Exception as exc:  # the savepoint is rolled back all the same
            return _unexpected_error(doc.label, exc)
        # Later documents, in this batch too, may match these items.
        self.window.remember(matchable(doc.items, decisions, stored), stored[0][0], len(stored))
        return _result(doc.label, document_id, doc.items, decisions)


def _database_error(label: str, exc: SQLAlchemyError) -> IngestResult:
    logger.error("database error while loading %s", label, exc_info=exc)
    return IngestResult(label, "failed", error=f"database error: {exc.__class__.__name__}")


def _unexpected_error(label: str, exc: Exception) -> IngestResult:
    logger.error("unexpected error while loading %s", label, exc_info=exc)
    return IngestResult(label, "failed", error=f"internal error ({exc.__class__.__name__}); "
                                               "the log has the details")


def _result(label: str, document_id: int, items: list[EnrichedItem],
            decisions: list[Decision]) -> IngestResult:
    result = IngestResult(label, "loaded", items=len(items), document_id=document_id)
    result.duplicates = sum(d.duplicate for d in decisions)
    result.stories_joined = sum(d.joins for d in decisions)
    countries = Counter(t.code for item in items for t in item.countries if t.about)
    result.top_countries = countries.most_common(5)
    return result
