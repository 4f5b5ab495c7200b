"""Durations as people type them: a whole number and a unit, "90s", "15m", "2h", "1d", "2w"."""

from __future__ import annotations

import re
from datetime import timedelta

# ASCII digits only (str.isdigit() also takes "١"); seven at most, so no timedelta overflows.
_DURATION = re.compile(r"([0-9]{1,7})\s*([smhdw]?)")
_UNITS = {"s": timedelta(seconds=1), "m": timedelta(minutes=1), "h": timedelta(hours=1),
          "d": timedelta(days=1), "w": timedelta(weeks=1)}


def parse_duration(text: str | None, *, bare_unit: str | None = None) -> timedelta | None:
    """Read a duration such as 90s, 15m, 2h, 1d or 2w; a bare number counts in bare_unit
    (refused when None). Return None when the text is not a duration."""
    match = _DURATION.fullmatch((text or "").strip().lower())
    unit = (match[2] or bare_unit) if match else None
    return int(match[1]) * _UNITS[unit] if unit else None
