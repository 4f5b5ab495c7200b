"""Load documents: read, split and enrich them, then store and cluster them in batches.

A failing document never takes others down: every step's error becomes an IngestResult with
a one-line reason, and whatever was stored before stays stored. Documents are written several
to a transaction, each inside its own savepoint, so a bad one is rolled back alone; results
are reported once their batch is committed, so "loaded" always means stored.

Parsing (read, split, enrich: no database) runs in worker processes when a Budget gives them
(storage/ingest/workers.py): a document over its time or memory budget fails alone, and up to
LOOKAHEAD documents parse on other cores while this process matches and writes, in order.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import CancelledError, Future
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
from storage.ingest.workers import Budget, ParsePool
from storage.ingest.writer import document_savepoints, matchable, merges, write_items
from storage.repositories.documents import create_document, document_by_sha256

logger = logging.getLogger(__name__)

# A batch is written once it holds this many documents or items, or its first document was
# prepared this long ago: per-document commits cost ~6% of ingest (WAL writes, FTS segment
# flushes), and a short batch keeps the write lock brief and results prompt.
BATCH_DOCUMENTS = 16
BATCH_ITEMS = 2000
BATCH_SECONDS = 1.0
# Documents handed to the parse workers ahead of the writer: enough to keep every core busy
# while a batch is written, few enough (and few enough bytes) to bound the memory they hold.
LOOKAHEAD = 2 * BATCH_DOCUMENTS
LOOKAHEAD_BYTES = 64 * 2**20
# Parsed once by the parse workers' forkserver (preload.py), so that workers start warm.
_WARM_UP_TEXT = (
    "Parliament in Paris passes the budget\n\nThe French parliament passed next year's budget "
    "on Tuesday after a long debate, officials in Paris said.\n\n"
    "Floods close roads in Kenya\n\nHeavy rain closed roads around Nairobi on Monday, and the "
    "Kenyan government opened shelters for families who lost their homes."
)


@dataclass(slots=True)
class IngestResult:
    """What became of one file."""

    path: str
    status: str  # loaded | duplicate | failed
    items: int = 0
    duplicates: int = 0  # items whose story text was already stored (linked, not repeated)
    stories_joined: int = 0  # items that joined a story already known from another document
    stories_merged: int = 0  # stories found to be one event with another and merged into it
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


@dataclass(slots=True)
class Parsing:
    """A document handed to the parser, whose read, split and enrichment may still run."""

    label: str
    name: str
    sha: str
    size: int
    loaded_by: str | None
    loaded_at: datetime
    parsed: Future  # of (ExtractedDocument, list[EnrichedItem])


Step = Prepared | IngestResult  # a document to write, or one whose outcome is already known


def parse_document(data: bytes, name: str, now: datetime) -> tuple[ExtractedDocument,
                                                                   list[EnrichedItem]]:
    """Read, split and enrich one document loaded at *now*: pure CPU work, no database."""
    extracted = read_bytes(data, name)
    parsed = split_document(extracted)
    if not parsed:
        raise IngestError("no news items found in the document")
    return extracted, [enrich_item(p, extracted, now) for p in parsed]


def warm_up() -> None:
    """Load what parsing loads lazily (word lists, gazetteer) by parsing a small document."""
    parse_document(_WARM_UP_TEXT.encode(), "warm-up.txt", utcnow())


class Ingestor:
    """Loads files into the store; one instance serves the CLI and the bot."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        max_bytes: int,
        clock: Callable[[], datetime] = utcnow,
        budget: Budget | None = None,
    ) -> None:
        self.sessions = sessions
        self.max_bytes = max_bytes
        self.clock = clock
        self.budget = budget  # None, or no workers: parse in the calling thread, unbounded
        self.window = StoryWindow()  # recent stories for story matching, kept between documents
        self._pool: ParsePool | None = None
        self._pool_lock = threading.Lock()

    def close(self) -> None:
        """Stop the parse workers, if any were started (a later load starts them again)."""
        with self._pool_lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()

    def ingest_path(self, path: Path, loaded_by: str | None = None) -> IngestResult:
        """Load one file from disk."""
        return next(self.ingest_paths([(path, None)], loaded_by=loaded_by))

    def ingest_bytes(
        self, data: bytes, name: str, *, loaded_by: str | None = None, label: str | None = None
    ) -> IngestResult:
        """Load one document given as bytes (an upload, or a file already read)."""
        return self._write([self._finish(self._prepare(data, name, loaded_by, label or name))])[0]

    def ingest_paths(self, files: Iterable[tuple[Path, str | None]],
                     loaded_by: str | None = None) -> Iterator[IngestResult]:
        """Load (file, error found listing it) pairs; yield results in order, batch by batch."""
        return self._batched(self._in_order(
            self._prepare_file(path, error, loaded_by) for path, error in files))

    def ingest_documents(self, documents: Iterable[tuple[bytes, str]],
                         loaded_by: str | None = None) -> Iterator[IngestResult]:
        """Load (bytes, name) pairs; yield results in order, batch by batch."""
        return self._batched(self._in_order(
            self._prepare(data, name, loaded_by, name) for data, name in documents))

    def _prepare_file(self, path: Path, error: str | None,
                      loaded_by: str | None) -> Parsing | IngestResult:
        if error is not None:
            return IngestResult(str(path), "failed", error=error)
        try:
            data = read_raw(path, self.max_bytes)
        except IngestError as exc:
            return IngestResult(str(path), "failed", error=str(exc))
        return self._prepare(data, path.name, loaded_by, str(path))

    def _prepare(self, data: bytes, name: str, loaded_by: str | None,
                 label: str) -> Parsing | IngestResult:
        """Hand a new document to the parser, or say why it goes no further."""
        if len(data) > self.max_bytes:
            return IngestResult(label, "failed", error=too_big(len(data), self.max_bytes))
        sha = hashlib.sha256(data).hexdigest()
        try:
            # Committed, not rolled back: psycopg forgets its prepared statements on a rollback,
            # and PostgreSQL's band lookup plans well only once prepared (measured: 10x slower).
            with self.sessions.begin() as session:  # known files are not read again
                known = document_by_sha256(session, sha)
        except SQLAlchemyError as exc:
            return _database_error(label, exc)
        if known is not None:
            return IngestResult(label, "duplicate", items=known.item_count, document_id=known.id)
        now = self.clock()
        # Parsing needs no database: done before the write transaction, so enrichment (the
        # slow part) does not hold SQLite's write lock.
        return Parsing(label, name, sha, len(data), loaded_by, now, self._parse(data, name, now))

    def _parse(self, data: bytes, name: str, now: datetime) -> Future:
        """Parse in a worker when there are workers; otherwise here and now."""
        pool = self._parse_pool()
        if pool is not None:
            return pool.submit(data, name, now)
        future: Future = Future()
        try:
            future.set_result(parse_document(data, name, now))
        except Exception as exc:  # _finish tells the user
            future.set_exception(exc)
        return future

    def _parse_pool(self) -> ParsePool | None:
        """Return the parse workers, started on first use; None without a budget for them."""
        if self.budget is None or self.budget.workers < 1:
            return None
        with self._pool_lock:
            if self._pool is None:
                self._pool = ParsePool(parse_document, self.budget)
            return self._pool

    def _finish(self, step: Parsing | IngestResult) -> Step:
        """Wait for a document's parse; return it prepared, or why it failed."""
        if isinstance(step, IngestResult):
            return step
        try:
            extracted, items = step.parsed.result()
        except IngestError as exc:
            return IngestResult(step.label, "failed", error=str(exc))
        except CancelledError:  # the ingestor was closed meanwhile
            return IngestResult(step.label, "failed", error="ingest stopped before this "
                                                              "document was parsed")
        except Exception as exc:  # a bug must not cost the rest of the batch
            return _unexpected_error(step.label, exc)
        return Prepared(step.label, step.name, step.sha, step.size, extracted, items,
                        step.loaded_by, step.loaded_at)

    def _in_order(self, steps: Iterable[Parsing | IngestResult]) -> Iterator[Step]:
        """Keep up to LOOKAHEAD documents parsing ahead; yield them finished, in order."""
        ahead: deque[Parsing | IngestResult] = deque()
        held = 0  # bytes of the documents ahead
        try:
            for step in steps:
                ahead.append(step)
                held += step.size if isinstance(step, Parsing) else 0
                while ahead and (len(ahead) > LOOKAHEAD or held > LOOKAHEAD_BYTES
                                 or _done(ahead[0])):
                    held -= ahead[0].size if isinstance(ahead[0], Parsing) else 0
                    yield self._finish(ahead.popleft())
            while ahead:
                yield self._finish(ahead.popleft())
        finally:  # the caller stopped early: parse no more for it
            for step in ahead:
                if isinstance(step, Parsing):
                    step.parsed.cancel()

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
            for attempt in document_savepoints(session):  # again after a broken deadlock
                with attempt:
                    known = document_by_sha256(session, doc.sha)  # the same file earlier
                    if known is not None:
                        return IngestResult(doc.label, "duplicate", items=known.item_count,
                                            document_id=known.id)
                    title = (doc.extracted.title or "")[:500] or None
                    document_id = create_document(
                        session, name=doc.name[:500], sha256=doc.sha, format=doc.extracted.format,
                        size=doc.size, title=title, language=doc.extracted.language,
                        encoding=doc.extracted.encoding, loaded_at=doc.loaded_at,
                        loaded_by=doc.loaded_by, status="loaded", item_count=len(doc.items),
                    )
                    decisions = match_items(session, self.window, [i.match for i in doc.items])
                    stored = write_items(session, document_id, doc.items, decisions, doc.loaded_at)
        except SQLAlchemyError as exc:
            return _database_error(doc.label, exc)
        except Exception as exc:  # the savepoint is rolled back all the same
            return _unexpected_error(doc.label, exc)
        # Later documents, in this batch too, may match these items.
        self.window.remember(matchable(doc.items, decisions, stored), stored[0][0], len(stored),
                             merges(decisions))
        return _result(doc.label, document_id, doc.items, decisions)


def _done(step: Parsing | IngestResult) -> bool:
    return not isinstance(step, Parsing) or step.parsed.done()


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
    result.stories_merged = len(merges(decisions))
    countries = Counter(t.code for item in items for t in item.countries if t.about)
    result.top_countries = countries.most_common(5)
    return result
