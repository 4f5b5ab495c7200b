"""Load documents: read, split, enrich, store and cluster, one transaction per document.

A failing document never takes others down: every step's error becomes an IngestResult with
a one-line reason, and whatever was stored before stays stored.
"""

from __future__ import annotations

import hashlib
import logging
import os
import stat
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from storage.clock import utcnow
from storage.ingest.enrich import EnrichedItem, enrich_item
from storage.ingest.readers import read_bytes
from storage.ingest.splitter import split_document
from storage.ingest.stories import Decision, match_items
from storage.ingest.story_window import StoryWindow
from storage.ingest.types import IngestError
from storage.ingest.writer import matchable, write_items
from storage.repositories.documents import create_document, document_by_sha256

logger = logging.getLogger(__name__)


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
        self.window = StoryWindow()  # recent items for story matching, kept between documents

    def ingest_path(self, path: Path, loaded_by: str | None = None) -> IngestResult:
        """Load one file from disk."""
        try:
            data = read_raw(path, self.max_bytes)
        except IngestError as exc:
            return IngestResult(str(path), "failed", error=str(exc))
        return self.ingest_bytes(data, path.name, loaded_by=loaded_by, label=str(path))

    def ingest_bytes(
        self, data: bytes, name: str, *, loaded_by: str | None = None, label: str | None = None
    ) -> IngestResult:
        """Load one document given as bytes (an upload, or a file already read)."""
        label = label or name
        if len(data) > self.max_bytes:
            return IngestResult(label, "failed", error=_too_big(len(data), self.max_bytes))
        sha = hashlib.sha256(data).hexdigest()
        try:
            return self._load(data, name, sha, loaded_by, label)
        except IngestError as exc:
            return IngestResult(label, "failed", error=str(exc))
        except SQLAlchemyError as exc:
            logger.exception("database error while loading %s", label)
            return IngestResult(label, "failed", error=f"database error: {exc.__class__.__name__}")

    def _load(self, data: bytes, name: str, sha: str, loaded_by: str | None, label: str) -> IngestResult:
        with self.sessions.begin() as session:
            known = document_by_sha256(session, sha)
            if known is not None:
                return IngestResult(label, "duplicate", items=known.item_count, document_id=known.id)
        extracted = read_bytes(data, name)
        parsed = split_document(extracted)
        if not parsed:
            raise IngestError("no news items found in the document")
        now = self.clock()
        # Enrichment is the slow part and needs no database: done before the write transaction,
        # so a long document does not hold SQLite's write lock while it is summarised.
        items = [enrich_item(p, extracted, now) for p in parsed]
        with self.sessions.begin() as session:
            document = create_document(
                session, name=name[:500], sha256=sha, format=extracted.format, size=len(data),
                title=(extracted.title or None) and extracted.title[:500],
                language=extracted.language, encoding=extracted.encoding, loaded_at=now,
                loaded_by=loaded_by, status="loaded", item_count=len(parsed),
            )
            with self.window.lock:
                decisions = match_items(session, self.window, [item.match for item in items])
            stored = write_items(session, document.id, items, decisions, now)
        with self.window.lock:  # committed: later documents may match these items
            self.window.remember(matchable(items, decisions, stored),
                                 stored[0][0], len(stored))
        return _result(label, document.id, items, decisions)


def _result(label: str, document_id: int, items: list[EnrichedItem],
            decisions: list[Decision]) -> IngestResult:
    result = IngestResult(label, "loaded", items=len(items), document_id=document_id)
    result.duplicates = sum(d.duplicate for d in decisions)
    result.stories_joined = sum(d.joins for d in decisions)
    countries = Counter(t.code for item in items for t in item.countries if t.about)
    result.top_countries = countries.most_common(5)
    logger.info("loaded %s: %d items", label, len(items))
    return result


def read_raw(path: Path, max_bytes: int) -> bytes:
    """Read a file's bytes, refusing one over *max_bytes* before reading it."""
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise IngestError("is a folder, not a file")
        if not stat.S_ISREG(info.st_mode):  # a FIFO or device would block or never end
            raise IngestError("not a regular file")
        size = info.st_size
        if size > max_bytes:
            raise IngestError(_too_big(size, max_bytes))
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise IngestError("file vanished before it could be read") from None
    except PermissionError:
        raise IngestError("permission denied: cannot read the file") from None
    except OSError as exc:
        raise IngestError(f"cannot read the file: {exc.strerror or exc}") from None
    if len(data) > max_bytes:  # grew while we looked
        raise IngestError(_too_big(len(data), max_bytes))
    return data


def _too_big(size: int, limit: int) -> str:
    return f"file is {size / 1048576:.1f} MB, over the {limit / 1048576:g} MB limit"


def iter_files(paths: list[Path]) -> Iterator[tuple[Path, str | None]]:
    """Yield (file, error) for every file under *paths*, recursively, in a stable order."""
    for path in paths:
        if not path.exists():
            yield path, "no such file or folder"
        elif path.is_dir():
            yield from _walk(path)
        else:
            yield path, None


def _walk(folder: Path) -> Iterator[tuple[Path, str | None]]:
    errors: list[OSError] = []
    for root, dirs, files in os.walk(folder, onerror=errors.append):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith("."):
                yield Path(root) / name, None
    for err in errors:
        yield Path(err.filename or folder), f"cannot read folder: {err.strerror or err}"
