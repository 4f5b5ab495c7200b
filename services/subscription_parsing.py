"""Parse what people type for a delivery time ("7:30", "7am") and a timezone ("Berlin", "UTC+3").

Pure functions, no Telegram, no database: the subscription service calls them.

Timezone decisions:
- Any IANA name from ``zoneinfo.available_timezones()``, case-insensitive, spaces for
  underscores ("america/new york").
- A bare city ("Berlin", "New York", "sao_paulo") maps to the zone named after it.
- "UTC", "GMT", "Z" mean UTC; "UTC+3" / "GMT-5" / "+03:00" mean the fixed Etc/GMT zone of that
  whole-hour offset (no daylight saving: the answer says so). Half-hour offsets have no Etc
  zone, so they are refused with a hint to name a city.
- Anything else raises UnknownTimezoneError with close names (difflib) as suggestions.
"""

from __future__ import annotations

import difflib
import logging
import re
import zoneinfo
from dataclasses import dataclass
from datetime import time
from functools import lru_cache

logger = logging.getLogger(__name__)

_SKIP_ZONES = frozenset({"Factory", "localtime", "posixrules"})
_UTC_WORDS = frozenset({"utc", "gmt", "z", "zulu", "uct", "universal", "greenwich"})
_OFFSET_RE = re.compile(r"^(?:utc|gmt)?\s*([+-])\s*(\d{1,2})(?:\s*:?\s*(\d{2}))?$")
_TIME_RE = re.compile(
    r"^(\d{1,2})(?:\s*[:.h]\s*(\d{2}))?\s*(a\.?m\.?|p\.?m\.?)?$", re.IGNORECASE
)
_COMPACT_TIME_RE = re.compile(r"^(\d{2})(\d{2})$")
MAX_SUGGESTIONS = 4


class TimeParseError(ValueError):
    """Text that is not a time of day; ``reason`` is one of format, hour, minute, ampm."""

    def __init__(self, text: str, reason: str) -> None:
        self.text = text
        self.reason = reason
        super().__init__(f"not a time of day: {text!r} ({reason})")


class UnknownTimezoneError(ValueError):
    """Text that names no timezone; ``suggestions`` are close IANA names, ``reason`` says why."""

    def __init__(self, text: str, suggestions: list[str], reason: str = "unknown") -> None:
        self.text = text
        self.suggestions = suggestions
        self.reason = reason  # unknown | half_offset | offset_range
        super().__init__(f"unknown timezone {text!r}")


@dataclass(frozen=True, slots=True)
class TimezoneMatch:
    """A resolved IANA name; ``fixed_offset`` when it never changes for daylight saving."""

    name: str
    fixed_offset: bool = False


def parse_time(text: str) -> time:
    """Parse a time of day: 07:30, 7:30, 07.30, 7h30, 0730, 7am, 7:30 pm, 19:05."""
    raw = " ".join(text.strip().lower().split())
    compact = _COMPACT_TIME_RE.match(raw)
    match = _TIME_RE.match(raw)
    if compact:
        hour, minute, suffix = int(compact[1]), int(compact[2]), ""
    elif match:
        hour, minute = int(match[1]), int(match[2] or 0)
        suffix = (match[3] or "").replace(".", "")
    else:
        raise TimeParseError(text, "format")
    if minute > 59:
        raise TimeParseError(text, "minute")
    if suffix:
        return time(_twelve_hour(text, hour, suffix), minute)
    if hour > 23:
        raise TimeParseError(text, "hour")
    return time(hour, minute)


def _twelve_hour(text: str, hour: int, suffix: str) -> int:
    """Turn a 12-hour clock hour into 0-23 (12am is midnight, 12pm is noon)."""
    if not 1 <= hour <= 12:
        raise TimeParseError(text, "ampm")
    return hour % 12 + (12 if suffix == "pm" else 0)


@lru_cache(maxsize=1)
def _zone_index() -> tuple[dict[str, str], dict[str, str]]:
    """Return (lower-case IANA name -> name, city key -> name), built once."""
    names = sorted(
        n for n in zoneinfo.available_timezones()
        if n not in _SKIP_ZONES and not n.startswith(("posix/", "right/"))
    )
    by_lower = {n.lower(): n for n in names}
    cities: dict[str, str] = {}
    # Fewer path parts first, so "America/Indianapolis" wins over "America/Indiana/Indianapolis".
    for name in sorted(names, key=lambda n: (n.count("/"), n)):
        if "/" in name and not name.startswith("Etc/"):
            cities.setdefault(_key(name.rsplit("/", 1)[1]), name)
    return by_lower, cities


def _key(text: str) -> str:
    """Normalise a name for lookup: lower case, underscores and runs of spaces as one space."""
    return " ".join(text.replace("_", " ").lower().split())


def resolve_timezone(text: str) -> TimezoneMatch:
    """Return the IANA timezone a person means, or raise UnknownTimezoneError with suggestions."""
    key = _key(text)
    by_lower, cities = _zone_index()
    if key in _UTC_WORDS:
        return TimezoneMatch("UTC")
    offset = _OFFSET_RE.match(key.replace(" ", ""))
    if offset:
        return _offset_zone(text, offset)
    name = by_lower.get(key.replace(" ", "_").replace("/ ", "/").replace(" /", "/"))
    name = name or cities.get(key)
    if name:
        return TimezoneMatch(name, fixed_offset=name.startswith("Etc/"))
    raise UnknownTimezoneError(text, suggest_timezones(key))


def _offset_zone(text: str, match: re.Match[str]) -> TimezoneMatch:
    """Map a whole-hour UTC offset to its Etc/GMT zone (whose sign is inverted by POSIX)."""
    sign, hours, minutes = match[1], int(match[2]), int(match[3] or 0)
    if minutes:
        raise UnknownTimezoneError(text, [], reason="half_offset")
    if hours == 0:
        return TimezoneMatch("UTC", fixed_offset=True)
    if (sign == "+" and hours > 14) or (sign == "-" and hours > 12):
        raise UnknownTimezoneError(text, [], reason="offset_range")
    etc_sign = "-" if sign == "+" else "+"
    return TimezoneMatch(f"Etc/GMT{etc_sign}{hours}", fixed_offset=True)


def suggest_timezones(text: str, limit: int = MAX_SUGGESTIONS) -> list[str]:
    """Return IANA names close to text (full names and city names are both compared)."""
    key = _key(text).replace(" ", "_")
    by_lower, cities = _zone_index()
    candidates = {**by_lower, **{c.replace(" ", "_"): v for c, v in cities.items()}}
    close = difflib.get_close_matches(key, list(candidates), n=limit * 2, cutoff=0.6)
    return list(dict.fromkeys(candidates[c] for c in close))[:limit]

