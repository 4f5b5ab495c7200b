"""Load the public real-news development set (../shared/realdata) through the real ingest path.

Benchmarks of understanding (stories, countries, summaries) ingest these files into a fresh
SQLite database exactly as `briefbot ingest` does, then read back what was stored.
"""

from __future__ import annotations

import csv
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from storage.db import make_engine, make_session_factory, upgrade
from storage.ingest.pipeline import Ingestor, IngestResult

ROOT = Path(__file__).resolve().parent.parent


def realdata_dir() -> Path:
    """Return the real-news folder (BRIEFBOT_REALDATA_DIR, else ../shared/realdata)."""
    env = os.environ.get("BRIEFBOT_REALDATA_DIR")
    return Path(env) if env else ROOT.parent / "shared" / "realdata"


def require(path: Path) -> Path:
    """Return path, or exit with a clear message when the development set is absent."""
    if not path.exists():
        sys.exit(f"{path} not found: set BRIEFBOT_REALDATA_DIR to the real-news folder")
    return path


@dataclass(frozen=True, slots=True)
class StoredItem:
    """One stored item as the benchmarks read it back."""

    name: str  # the loaded file's name
    title: str
    summary: str
    story_id: int | None
    about: tuple[str, ...]  # about countries, lead first
    mentioned: tuple[str, ...]  # every tagged country, lead first


@contextmanager
def fresh_store() -> Iterator[tuple[Ingestor, sessionmaker[Session]]]:
    """Yield an ingestor and sessions over a new SQLite database in a temporary folder."""
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/bench.db")
        upgrade(engine)
        sessions = make_session_factory(engine)
        try:
            yield Ingestor(sessions, max_bytes=20 * 2**20), sessions
        finally:
            engine.dispose()


def ingest_named(ingestor: Ingestor, documents: list[tuple[str, bytes]]) -> list[IngestResult]:
    """Ingest (name, bytes) documents in the given order, in batches as the CLI does."""
    return list(ingestor.ingest_documents((data, name) for name, data in documents))


def stored_items(sessions: sessionmaker[Session]) -> list[StoredItem]:
    """Read every stored item back with its file name, story and countries (lead first)."""
    with sessions() as session:
        rows = session.execute(text(
            "SELECT i.id, d.name, i.title, i.summary, i.story_id FROM items i "
            "JOIN documents d ON d.id = i.document_id ORDER BY i.id")).all()
        tags = session.execute(text(
            "SELECT item_id, country, about FROM item_countries "
            "ORDER BY item_id, about DESC, mentions DESC, country")).all()
    about: dict[int, list[str]] = {}
    every: dict[int, list[str]] = {}
    for item_id, country, is_about in tags:
        every.setdefault(item_id, []).append(country)
        if is_about:
            about.setdefault(item_id, []).append(country)
    return [StoredItem(name, title, summary, story_id, tuple(about.get(i, ())),
                       tuple(every.get(i, ()))) for i, name, title, summary, story_id in rows]


def ecb_gold(folder: Path) -> dict[str, dict[str, str]]:
    """Return gold.tsv of the ECB+ folder as {file name: row}."""
    with (folder / "gold.tsv").open(encoding="utf-8") as handle:
        return {row["file"]: row for row in csv.DictReader(handle, delimiter="\t")}


def cnndm_rows(path: Path) -> list[dict[str, str]]:
    """Return the CNN/Daily Mail rows (id, article, reference)."""
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]
