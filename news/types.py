"""Plain data passed between the ingest steps: reader -> splitter -> enrichment -> store."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


class IngestError(Exception):
    """A document that cannot be loaded; the message is shown to the user as is."""


@dataclass(slots=True)
class ExtractedDocument:
    """What a reader makes of one file: clean text plus whatever metadata the format carried."""

    text: str
    format: str  # "text" | "html" | "pdf" | "docx"
    title: str | None = None
    published: date | None = None
    site_name: str | None = None
    url: str | None = None
    encoding: str | None = None  # detected charset for text/html, None otherwise
    language: str | None = None


@dataclass(slots=True)
class ParsedItem:
    """One story found in a document, before enrichment."""

    title: str
    body: str
    sources: list[str] = field(default_factory=list)
    published: date | None = None
    url: str | None = None
    position: int = 0
    title_from_body: bool = False  # the title is the body's lead (no headline was found)


@dataclass(slots=True, frozen=True)
class CountryTag:
    """A country an item is about or mentions, with how strongly."""

    code: str  # ISO 3166-1 alpha-2
    mentions: int
    about: bool
    score: float
