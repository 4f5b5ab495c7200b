"""Errors, rate limits and one-shot fault injection for the fake Bot API."""

from __future__ import annotations

import logging
import math
import time
from collections import defaultdict, deque
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 1.0


class ApiError(Exception):
    """A Bot API error answer: HTTP status, description and optional retry_after."""

    def __init__(self, status: int, description: str, retry_after: int | None = None, *,
                 migrate_to_chat_id: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after
        self.migrate_to_chat_id = migrate_to_chat_id

    def payload(self) -> dict[str, Any]:
        """Return the JSON body Telegram would send for this error."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        if self.migrate_to_chat_id is not None:
            body["parameters"] = {"migrate_to_chat_id": self.migrate_to_chat_id}
        return body


def too_many_requests(retry_after: int) -> ApiError:
    """Build the 429 error Telegram answers when flood limits are hit."""
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)


class FaultInjector:
    """Queue of errors to answer instead of running the next call of a method."""

    def __init__(self) -> None:
        self._queued: dict[str, deque[ApiError]] = defaultdict(deque)

    def add(self, method: str, error: ApiError) -> None:
        """Answer the next call of ``method`` (case-insensitive) with ``error``."""
        self._queued[method.lower()].append(error)

    def pop(self, method: str) -> ApiError | None:
        """Return and forget the next queued error for ``method``, if any."""
        queue = self._queued.get(method.lower())
        return queue.popleft() if queue else None


class RateLimiter:
    """Sliding one-second windows per chat and overall, like Telegram's flood control."""

    def __init__(
        self,
        per_chat: int | None = None,
        overall: int | None = 30,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_chat = per_chat
        self.overall = overall
        self._timer = timer
        self._chat_sends: dict[Any, deque[float]] = defaultdict(deque)
        self._all_sends: deque[float] = deque()

    def check(self, chat_id: Any) -> None:
        """Raise a 429 ApiError if one more send to ``chat_id`` would exceed a limit."""
        now = self._timer()
        windows = ((self.per_chat, self._chat_sends[chat_id]), (self.overall, self._all_sends))
        for limit, sends in windows:
            if limit is None:
                continue
            _expire(sends, now)
            if len(sends) >= limit:
                wait = sends[0] + WINDOW_SECONDS - now
                raise too_many_requests(max(1, math.ceil(wait)))

    def record(self, chat_id: Any) -> None:
        """Count one accepted send to ``chat_id``."""
        now = self._timer()
        self._chat_sends[chat_id].append(now)
        self._all_sends.append(now)


def _expire(sends: deque[float], now: float) -> None:
    while sends and sends[0] <= now - WINDOW_SECONDS:
        sends.popleft()
