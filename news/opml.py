"""OPML subscription lists: read with listparser, written as OPML 2.0."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from xml.sax.saxutils import quoteattr

import listparser

from news.feeds import FeedError, refuse_entities

MAX_OUTLINES = 10_000
OPML_TYPES = ("text/x-opml", "text/x-opml+xml", "application/xml+opml")
# An XML prolog, comments or a doctype may come before the root element.
_OPML_ROOT = re.compile(rb"^(?:\s|<\?[^>]*\?>|<!--.*?-->|<!DOCTYPE[^>]*>)*<opml[\s>]", re.S | re.I)


@dataclass(frozen=True, slots=True)
class OpmlFeed:
    """One feed an OPML file lists."""

    url: str
    title: str | None


def looks_like_opml(name: str, mime_type: str | None, data: bytes) -> bool:
    """Tell whether a file is an OPML list of feeds (by its name, its type or its content)."""
    if name.lower().endswith(".opml") or (mime_type or "").lower() in OPML_TYPES:
        return True
    return _OPML_ROOT.match(data[:4096].lstrip(b"\xef\xbb\xbf")) is not None


def parse_opml(data: bytes) -> list[OpmlFeed]:
    """Return the feeds an OPML (or other subscription list) file names; FeedError if none."""
    if not data.strip():
        raise FeedError("empty file, not an OPML list")
    refuse_entities(data)
    # Bytes, never a str: listparser fetches a string that looks like a URL.
    parsed = listparser.parse(bytes(data))
    feeds = [OpmlFeed(f.url.strip(), (f.get("title") or "").strip() or None)
             for f in parsed.feeds[:MAX_OUTLINES] if f.get("url")]
    if not feeds:
        raise FeedError("no feeds found: not an OPML subscription list")
    return feeds


def render_opml(feeds: list[OpmlFeed], title: str = "briefbot feeds",
                now: datetime | None = None) -> bytes:
    """Return an OPML 2.0 document listing *feeds*."""
    created = format_datetime(now or datetime.now(UTC), usegmt=True)
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<opml version="2.0">',
             f"  <head><title>{_text(title)}</title><dateCreated>{created}</dateCreated></head>",
             "  <body>"]
    for feed in feeds:
        name = quoteattr(feed.title or feed.url)
        lines.append(f'    <outline type="rss" text={name} title={name} xmlUrl={quoteattr(feed.url)}/>')
    lines += ["  </body>", "</opml>", ""]
    return "\n".join(lines).encode("utf-8")


def _text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
