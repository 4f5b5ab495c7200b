"""Feeds as text: RSS, Atom and JSON Feed bytes in, entries out; feed discovery in a page.

Pure functions, no I/O: fetching is the services' job. XML feeds are parsed with feedparser
after a defusedxml check of any DTD (entity expansion and external entities are refused
before feedparser sees the bytes); JSON Feed (jsonfeed.org, which feedparser 6.0 does not
read) is mapped by hand. Each entry becomes a small standalone HTML article page
(`entry_document`) that the ingest pipeline reads like any uploaded page, so feed text goes
through the same reader, boilerplate rules and escaping as every other item.
"""

from __future__ import annotations

import calendar
import hashlib
import html
import json
import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

import defusedxml.ElementTree as safe_xml
import feedparser
import lxml.html
from defusedxml import DefusedXmlException
from lxml import etree

logger = logging.getLogger(__name__)

# An entry whose text is shorter than this is a teaser: the linked page holds the article.
TEASER_CHARS = 400
# Entries kept from one feed document: a feed is a window on recent news, and a feed of
# 100,000 entries is an archive dump (or an attack): its newest entries come first.
MAX_ENTRIES = 1000
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json",
              "application/json", "application/rdf+xml", "text/xml", "application/xml")
_DOCTYPE_RE = re.compile(rb"<!DOCTYPE", re.I)
_ENTRY_TAG_RE = re.compile(rb"<(?:[A-Za-z0-9_-]+:)?(?:item|entry)[\s>]")
_ROOT_CLOSE = ((b"<rss", b"</channel></rss>"), (b"<feed", b"</feed>"), (b"<rdf:rdf", b"</rdf:RDF>"))
_JSON_FEED_VERSION = "https://jsonfeed.org/version/"
_TAG_RE = re.compile(r"<[^<>]*>")


class FeedError(Exception):
    """Bytes that are not a usable feed; the message is one line shown as the feed's error."""


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One entry of a feed, with what identifies it and what the store keeps of it."""

    title: str
    link: str | None
    guid: str | None
    published: datetime | None  # aware UTC
    source: str | None  # the entry's own publisher, when it names one
    html: str  # the entry's body as (sanitised) HTML; may be a teaser or empty

    @property
    def key(self) -> str:
        """Return what identifies the entry within its feed: GUID, else link, else content."""
        basis = self.guid or self.link or f"content:{self.content_hash}"
        return hashlib.sha256(basis.encode("utf-8", "surrogatepass")).hexdigest()

    @property
    def content_hash(self) -> str:
        """Return a hash of the entry's title and text: a changed entry changes it."""
        text = " ".join(f"{self.title}\n{plain_text(self.html)}".split())
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()

    @property
    def is_teaser(self) -> bool:
        """Tell whether the entry carries only a teaser (its link holds the article)."""
        return len(plain_text(self.html)) < TEASER_CHARS


@dataclass(slots=True)
class ParsedFeed:
    """What a feed document holds: its title, its site's link and its entries."""

    title: str | None
    link: str | None
    entries: list[FeedEntry] = field(default_factory=list)
    skipped: int = 0  # entries with neither a link nor any text: nothing to load


def plain_text(markup: str) -> str:
    """Return the visible text of an HTML fragment, whitespace collapsed."""
    return " ".join(html.unescape(_TAG_RE.sub(" ", markup or "")).split())


def looks_like_feed(data: bytes) -> bool:
    """Tell cheaply whether *data* starts like an RSS, Atom, RDF or JSON feed."""
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"{"):
        return _JSON_FEED_VERSION.encode() in data[:4096]
    return any(tag in head for tag in (b"<rss", b"<feed", b"<rdf:rdf"))


def parse_feed(data: bytes, *, url: str, content_type: str | None = None) -> ParsedFeed:
    """Parse feed bytes fetched from *url* into entries; raise FeedError with a reason."""
    if not data.strip():
        raise FeedError("empty response, not a feed")
    if data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{":
        return _limit(parse_json_feed(data, url))
    refuse_entities(data)
    data = _first_entries(data)
    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    parsed = feedparser.parse(data, response_headers=headers, resolve_relative_uris=True,
                              sanitize_html=True)
    if not parsed.get("version"):
        raise FeedError(_not_a_feed(data, parsed))
    if parsed.get("bozo") and not parsed.entries:  # truncated or broken: nothing usable
        raise FeedError(f"broken feed: {_first_line(parsed.get('bozo_exception'))}")
    feed = ParsedFeed(_text(parsed.feed.get("title")), parsed.feed.get("link"))
    for raw in parsed.entries[:MAX_ENTRIES]:
        _add(feed, _xml_entry(raw))
    return feed


def refuse_entities(data: bytes) -> None:
    """Refuse a document whose DTD declares entities (billion laughs, external entities)."""
    if not _DOCTYPE_RE.search(data[:65536]):
        return
    try:
        safe_xml.fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise FeedError(f"refused: the feed declares XML entities ({type(exc).__name__})") from None
    except (safe_xml.ParseError, ValueError):
        pass  # malformed: feedparser's lenient parser decides (it never expands entities)


def _first_entries(data: bytes) -> bytes:
    """Cut a feed after its first MAX_ENTRIES entries, closing it again.

    feedparser reads the whole document whatever we keep of it (100,000 entries: 30 s).
    """
    for n, match in enumerate(_ENTRY_TAG_RE.finditer(data)):
        if n == MAX_ENTRIES:
            head = data[:4096].lower()
            close = next((c for root, c in _ROOT_CLOSE if root in head), b"")
            return data[:match.start()] + close
    return data


def _not_a_feed(data: bytes, parsed: feedparser.FeedParserDict) -> str:
    head = data[:1024].lstrip().lower()
    if head.startswith(b"%pdf"):
        return "not a feed: the URL serves a PDF document"
    if b"<html" in head or b"<!doctype html" in head:
        return "not a feed: the URL serves an HTML page"
    if parsed.get("bozo") and parsed.get("bozo_exception") is not None:
        return f"not a feed: not well-formed XML ({_first_line(parsed.bozo_exception)})"
    return "not a feed: neither RSS, Atom nor JSON Feed"


def _first_line(exc: object) -> str:
    return (str(exc or "not well-formed").strip().splitlines() or ["not well-formed"])[0][:120]


def _xml_entry(raw: feedparser.FeedParserDict) -> FeedEntry:
    contents = [c.get("value", "") for c in raw.get("content", []) if c.get("value")]
    body = max([*contents, raw.get("summary", "") or ""], key=lambda v: len(plain_text(v)))
    source = raw.get("source", {}).get("title") or raw.get("publisher") or None
    stamp = raw.get("published_parsed") or raw.get("updated_parsed")
    return FeedEntry(
        title=_text(raw.get("title")) or "",
        link=_http_link(raw.get("link")),
        guid=(raw.get("id") or None),
        published=datetime.fromtimestamp(calendar.timegm(stamp), UTC) if stamp else None,
        source=_text(source),
        html=body,
    )


def parse_json_feed(data: bytes, url: str) -> ParsedFeed:
    """Map a JSON Feed (version 1 or 1.1) to entries; raise FeedError when it is not one."""
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise FeedError(f"not a feed: broken JSON ({type(exc).__name__})") from None
    if not isinstance(doc, dict) or not str(doc.get("version", "")).startswith(_JSON_FEED_VERSION):
        raise FeedError("not a feed: JSON, but not a JSON Feed")
    items = doc.get("items")
    if not isinstance(items, list):
        raise FeedError("not a feed: the JSON Feed has no items list")
    feed = ParsedFeed(_text(_str(doc.get("title"))), _http_link(_str(doc.get("home_page_url"))))
    for raw in items[:MAX_ENTRIES]:
        if isinstance(raw, dict):
            _add(feed, _json_entry(raw, url))
    return feed


def _json_entry(raw: dict, url: str) -> FeedEntry:
    body = _str(raw.get("content_html")) or html.escape(_str(raw.get("content_text")) or "")
    if len(plain_text(body)) < len(_str(raw.get("summary")) or ""):
        body = html.escape(_str(raw.get("summary")) or "")
    link = _str(raw.get("url")) or _str(raw.get("external_url"))
    authors = raw.get("authors") or ([raw["author"]] if isinstance(raw.get("author"), dict) else [])
    names = [a.get("name") for a in authors if isinstance(a, dict) and isinstance(a.get("name"), str)]
    return FeedEntry(
        title=_text(_str(raw.get("title"))) or "",
        link=_http_link(urljoin(url, link)) if link else None,
        guid=_str(raw.get("id")) or (str(raw["id"]) if isinstance(raw.get("id"), int) else None),
        published=_iso_datetime(_str(raw.get("date_published")) or _str(raw.get("date_modified"))),
        source=names[0] if names else None,
        html=feedparser.sanitizer._sanitize_html(body, "utf-8", "text/html"),
    )


def _add(feed: ParsedFeed, entry: FeedEntry) -> None:
    if entry.link is None and not plain_text(entry.html):
        feed.skipped += 1
    else:
        feed.entries.append(entry)


def _limit(feed: ParsedFeed) -> ParsedFeed:
    feed.entries = feed.entries[:MAX_ENTRIES]
    return feed


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _text(value: str | None) -> str | None:
    """Collapse whitespace and drop markup from a title-like value."""
    return plain_text(value)[:500] or None if value else None


def _http_link(value: str | None) -> str | None:
    value = (value or "").strip()
    return value if urlsplit(value).scheme in ("http", "https") else None


def _iso_datetime(value: str | None) -> datetime | None:
    try:
        stamp = datetime.fromisoformat(value) if value else None
    except ValueError:
        return None
    if stamp is None:
        return None
    return stamp.astimezone(UTC) if stamp.tzinfo else stamp.replace(tzinfo=UTC)


# ---- one entry as a page the ingest pipeline reads ----


def entry_document(entry: FeedEntry, source: str | None, body_html: str | None = None) -> bytes:
    """Render *entry* as a standalone HTML article page (title, link, date, publisher, body).

    *body_html* replaces the entry's own text (the article fetched from its link).
    """
    meta = [f'<meta charset="utf-8"><title>{html.escape(entry.title)}</title>']
    if entry.link:
        meta.append(f'<link rel="canonical" href="{html.escape(entry.link)}">'
                    f'<meta property="og:url" content="{html.escape(entry.link)}">')
    if source:
        meta.append(f'<meta property="og:site_name" content="{html.escape(source)}">')
    if entry.published:
        stamp = entry.published.strftime("%Y-%m-%dT%H:%M:%SZ")
        meta.append(f'<meta property="article:published_time" content="{stamp}">')
    body = body_html if body_html is not None else entry.html
    page = (f"<!DOCTYPE html><html><head>{''.join(meta)}</head><body><article>"
            f"<h1>{html.escape(entry.title)}</h1>{body}</article></body></html>")
    return page.encode("utf-8")


def text_as_html(text: str) -> str:
    """Return extracted article text as HTML paragraphs (one per line)."""
    return "".join(f"<p>{html.escape(line)}</p>" for line in text.splitlines() if line.strip())


# ---- feed discovery ----


def discover_feeds(page: bytes, base_url: str) -> list[str]:
    """Return the feed URLs an HTML page announces with <link rel="alternate">, in order."""
    try:
        root = lxml.html.fromstring(page[:2_000_000])
    except (etree.LxmlError, ValueError):
        return []
    found: list[str] = []
    for link in root.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").split(";")[0].strip().lower()
        href = (link.get("href") or "").strip()
        if "alternate" in rel and kind in FEED_TYPES and href:
            url = _http_link(urljoin(base_url, href))
            if url and url not in found:
                found.append(url)
    return found
