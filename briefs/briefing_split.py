"""Split many rendered briefings fast by reusing per-story measurements (pure).

`split_telegram` tokenises a whole render character by character; for a batch of hundreds of
briefings that show the same stories, that work repeats. Renders are cut at CUT_MARKER into
segments (one per story, or a heading plus its first story), and each distinct segment's visible
length and tag balance are measured once per batch (the cache). Segments are then packed
greedily, exactly where `split_telegram` would cut. Anything unusual (a segment longer than a
message, or markup that is not balanced inside one segment) falls back to `split_telegram`.
"""

from __future__ import annotations

import re

from briefs.telegram_html import CUT_MARKER, TELEGRAM_LIMIT, split_telegram, telegram_length

_TAG_RE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)[^<>]*?(/?)>")

SegmentCache = dict[str, tuple[int, int, bool]]  # segment -> (length, leading blanks, balanced)


def _balanced(segment: str) -> bool:
    """Tell whether every tag opened in segment is closed in it, properly nested."""
    stack: list[str] = []
    for closing, name, void in _TAG_RE.findall(segment):
        if void:
            continue
        if not closing:
            stack.append(name.lower())
        elif not stack or stack.pop() != name.lower():
            return False
    return not stack


def _measure(segment: str, cache: SegmentCache) -> tuple[int, int, bool]:
    found = cache.get(segment)
    if found is None:
        lead = len(segment) - len(segment.lstrip())
        found = cache[segment] = (telegram_length(segment), lead, _balanced(segment))
    return found


def split_cached(html: str, cache: SegmentCache, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Split a rendered Telegram briefing into messages, measuring each distinct segment once."""
    segments = html.split(CUT_MARKER)
    measured = [_measure(s, cache) for s in segments]
    if any(not ok or size - lead > limit for size, lead, ok in measured):
        return split_telegram(html, limit)
    messages: list[str] = []
    current: list[str] = []
    used = 0
    # Like split_telegram: a message's length runs from its first non-blank character to the
    # cut, so leading blanks of its first segment do not count.
    for segment, (size, lead, _) in zip(segments, measured, strict=True):
        if current and used + size > limit:
            messages.append("".join(current).strip())
            current, used = [], 0
        used += size - lead if not current else size
        current.append(segment)
    messages.append("".join(current).strip())
    return [m for m in messages if m]
