"""Enrich a parsed item: summary, countries, language, hashes, similarity features, event terms."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from news.countries.tagger import tag_countries
from news.similarity.events import EventTerms, encode_terms, event_terms
from news.similarity.features import (
    StoryFeatures,
    content_hash,
    features_for,
    lsh_bands,
    signature_to_bytes,
)
from news.summarize.summary import summarize
from news.types import CountryTag, ExtractedDocument, ParsedItem


@dataclass(slots=True)
class NewItem:
    """What matching needs to know about one item of the document."""

    content_hash: str
    features: StoryFeatures
    bands: list[str]  # MinHash band keys
    terms: EventTerms  # its weighted event terms, dated only when the item is


@dataclass(slots=True)
class EnrichedItem:
    """An item ready to store: its column values, its countries, and what matching needs."""

    row: dict[str, object]
    countries: list[CountryTag]
    match: NewItem


UNTITLED = "(untitled)"  # the stored title of an item that has none


def stored_event_terms(title: str, body: str, published: date | None) -> str:
    """Return the encoded event terms of a stored item, from its stored title, body and date."""
    return encode_terms(event_terms("" if title == UNTITLED else title, body, published))


def enrich_item(parsed: ParsedItem, doc: ExtractedDocument, now: datetime) -> EnrichedItem:
    """Build the stored form of *parsed*, an item of document *doc* loaded at *now*."""
    countries = tag_countries(parsed.title, parsed.body, parsed.published)
    features = features_for(
        parsed.title, parsed.body, parsed.published, tuple(c.code for c in countries)
    )
    digest = content_hash(parsed.title, parsed.body)
    signature = signature_to_bytes(features.signature)
    bands = lsh_bands(features.signature, signature)  # packed once, for the row and the bands
    terms = event_terms(parsed.title, parsed.body, parsed.published)
    row = {
        "position": parsed.position,
        "title": parsed.title.strip()[:1000] or UNTITLED,
        "source": ", ".join(parsed.sources)[:300] or doc.site_name or None,
        "published": parsed.published,
        "url": parsed.url or doc.url,
        "body": parsed.body,
        "summary": summarize(parsed.title, parsed.body, title_from_body=parsed.title_from_body),
        "language": doc.language,
        "content_hash": digest,
        "signature": signature,
        "keywords": " ".join(sorted(features.keywords)),
        "band_keys": " ".join(bands),
        "event_terms": encode_terms(terms),
        "loaded_at": now,
    }
    match = NewItem(digest, features, bands, terms)
    return EnrichedItem(row, countries, match)
