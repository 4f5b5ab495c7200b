"""Helpers for the app engineer's bot tests: stored documents and reading replies."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

from bench.corpus import newsletter
from bot.context import AppContext
from tests.paths import SAMPLES

START = date(2025, 3, 3)


def load_newsletter(ctx: AppContext, stories: int = 12, seed: int = 7) -> int:
    """Store one synthetic newsletter (every story says "figure"); return its item count."""
    text = newsletter(random.Random(seed), stories, START)
    result = ctx.ingestor.ingest_bytes(text.encode(), f"weekly-{seed}.txt")
    assert result.status == "loaded", result.error
    return result.items


def load_samples(ctx: AppContext) -> None:
    """Store the bundled sample documents (TXT, HTML, PDF)."""
    for path in sorted(SAMPLES.iterdir()):
        assert ctx.ingestor.ingest_path(path).status == "loaded", path


def buttons(message: dict[str, Any]) -> list[str]:
    """Return the callback data of a sent message's inline buttons."""
    rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
    return [b["callback_data"] for row in rows for b in row]
