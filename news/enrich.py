"""Enrich a parsed item: summary, countries, language, hashes and similarity features."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from news.countries.tagger import tag_countries
from news.similarity.features import (
    StoryFeatures,
    content_hash,
    features_for,
    lsh_bands,
    signature_to_bytes,
)
from news.summarize.summary import summarize
from news.types import CountryTag, ExtractedDocument, ParsedItem

ABOUT_FOR_MATCHING = 3  # the countries that lead an item; later ones are side mentions


@dataclass(slots=True)
class NewItem:
    """What matching needs to know about one item of the document."""

    content_hash: str
    features: StoryFeatures
    about: frozenset[str]  # the countries it is mainly about (at most three)
    bands: list[str]  # MinHash band keys
    day: date  # its date, or the load date when it has none


@dataclass(slots=True)
class EnrichedItem:
    """An item ready to store: its column values, its countries, and what matching needs."""

    row: dict[str, object]
    countries: list[CountryTag]
    match: NewItem


def enrich_item(parsed: ParsedItem, doc: ExtractedDocument, now: datetime) -> EnrichedItem:
    """Build the stored form of *parsed*, an item of document *doc* loaded at *now*."""
    countries = tag_countries(parsed.title, parsed.body)
    features = features_for(
        parsed.title, parsed.body, parsed.published, tuple(c.code for c in countries)
    )
    digest = content_hash(parsed.title, parsed.body)
    signature = signature_to_bytes(features.signature)
    bands = lsh_bands(features.signature, signature)  # packed once, for the row and the bands
    row = {
        "position": parsed.position,
        "title": parsed.title.strip()[:1000] or "(untitled)",
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
        "loaded_at": now,
    }
    about = frozenset([c.code for c in countries if c.about][:ABOUT_FOR_MATCHING])
    match = NewItem(digest, features, about, bands, parsed.published or now.date())
    return EnrichedItem(row, countries, match)
