"""How the CLI shows results: stable JSON for scripts, readable lines for people."""

from __future__ import annotations

import json
import sys
from typing import TextIO

from services.news import FoundItem
from storage.ingest.pipeline import IngestResult
from storage.records import ItemRecord
from storage.repositories.search import HIGHLIGHT_END, HIGHLIGHT_START


def item_json(item: ItemRecord, snippet: str | None = None, score: float | None = None) -> dict:
    """Return the JSON shape of an item that scripts rely on."""
    data = {
        "id": item.id,
        "title": item.title,
        "source": item.source,
        "published": item.published.isoformat() if item.published else None,
        "countries": list(item.countries),
        "about": list(item.about),
        "body": item.body,
        "summary": item.summary,
        "document": item.document,
        "story_id": item.story_id,
        "language": item.language,
        "url": item.url,
    }
    if snippet is not None:
        data["snippet"] = mark(snippet, "**", "**")
        data["score"] = round(score or 0.0, 4)
    return data


def found_json(found: FoundItem) -> dict:
    """Return the JSON shape of a search match: the item's, plus its snippet and score."""
    return item_json(found.item, found.snippet, found.score)


def mark(snippet: str, start: str, end: str) -> str:
    """Replace the database's highlight markers with *start*/*end*."""
    return snippet.replace(HIGHLIGHT_START, start).replace(HIGHLIGHT_END, end)


def print_json_lines(objects: list[dict], out: TextIO | None = None) -> None:
    """Print one JSON object per line."""
    out = out or sys.stdout  # looked up at call time, so redirection works
    for obj in objects:
        out.write(json.dumps(obj, ensure_ascii=False) + "\n")


def print_items(
    items: list[ItemRecord], out: TextIO | None = None, snippets: dict[int, str] | None = None
) -> None:
    """Print items as short readable blocks."""
    out = out or sys.stdout
    tty = out.isatty()
    for item in items:
        day = item.published.isoformat() if item.published else "undated"
        codes = ",".join(item.countries[:5]) or "-"
        out.write(f"#{item.id}  {day}  [{codes}]  {item.title}\n")
        out.write(f"      {item.source or 'unknown source'} · {item.document}\n")
        text = snippets.get(item.id) if snippets else None
        if text:
            out.write("      " + (mark(text, "\033[1m", "\033[0m") if tty else mark(text, "[", "]")) + "\n")
        elif item.summary:
            out.write(f"      {item.summary}\n")
    if not items:
        out.write("No items found.\n")


def ingest_line(result: IngestResult) -> str:
    """Return the one-line report for one file."""
    if result.status == "failed":
        return f"{result.path}: failed: {result.error}"
    if result.status == "duplicate":
        return f"{result.path}: duplicate of a document already loaded ({result.items} items), nothing added"
    extra = []
    if result.duplicates:
        extra.append(f"{result.duplicates} already known")
    if result.stories_joined:
        extra.append(f"{result.stories_joined} joined existing stories")
    if result.stories_merged:
        extra.append(f"{result.stories_merged} more {'story' if result.stories_merged == 1 else 'stories'}"
                     " found to be the same event and merged")
    if result.top_countries:
        extra.append("about " + ", ".join(code for code, _ in result.top_countries[:4]))
    tail = f" ({'; '.join(extra)})" if extra else ""
    return f"{result.path}: loaded {result.items} item{'s' if result.items != 1 else ''}{tail}"


def progress_bar(done: int, total: int, width: int = 30) -> str:
    """Return a one-line progress bar that redraws itself (carriage return, no newline)."""
    filled = width * done // max(total, 1)
    return f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}"


def ingest_summary(results: list[IngestResult]) -> str:
    """Return the closing line of an ingest batch."""
    counts = {s: sum(r.status == s for r in results) for s in ("loaded", "duplicate", "failed")}
    items = sum(r.items for r in results if r.status == "loaded")
    return (f"{len(results)} files: {counts['loaded']} loaded ({items} items), "
            f"{counts['duplicate']} duplicate, {counts['failed']} failed")
