"""Enrich a parsed item: summary, countries, language, hashes and similarity features."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from briefs.similarity import (
    StoryFeatures,
    content_hash,
    features_for,
    lsh_bands,
    signature_to_bytes,
)
from briefs.summarize import summarize
from storage.ingest.countries import tag_countries
from storage.ingest.types import CountryTag, ExtractedDocument, ParsedItem
from storage.models import Item


@dataclass(slots=True)
class EnrichedItem:
    """An item ready to store, with what the store needs beside it."""

    item: Item
    countries: list[CountryTag]
    bands: list[str]
    features: StoryFeatures


def enrich_item(
    parsed: ParsedItem, doc: ExtractedDocument, document_id: int, now: datetime
) -> EnrichedItem:
    """Build the stored form of *parsed* from document *document_id*."""
    countries = tag_countries(parsed.title, parsed.body)
    features = features_for(
        parsed.title, parsed.body, parsed.published, tuple(c.code for c in countries)
    )
    item = Item(
        document_id=document_id,
        position=parsed.position,
        title=parsed.title.strip()[:1000] or "(untitled)",
        source=", ".join(parsed.sources)[:300] or doc.site_name or None,
        published=parsed.published,
        url=parsed.url or doc.url,
        body=parsed.body,
        summary=summarize(parsed.title, parsed.body),
        language=doc.language,
        content_hash=content_hash(parsed.title, parsed.body),
        signature=signature_to_bytes(features.signature),
        keywords=" ".join(sorted(features.keywords)),
        loaded_at=now,
    )
    return EnrichedItem(item, countries, lsh_bands(features.signature), features)


def refresh_summary(item: Item) -> None:
    """Recompute what derives from an item's text after it was edited."""
    item.summary = summarize(item.title, item.body)
    item.content_hash = content_hash(item.title, item.body)
