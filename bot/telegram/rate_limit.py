"""Outgoing rate limits: Telegram's 30 messages a second, 20 a minute per group, and 429s.

A reply refused with 429 Too Many Requests is sent again after Telegram's retry_after, a few
times, so a flood delays other users' answers instead of failing them. A wait longer than
MAX_WAIT_SECONDS is not waited out: PTB's limiter holds every request while it waits, and one
chat's long ban must not stall everyone.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter

from bot.delivery.sender import retry_seconds
from bot.metrics import count_throttled

MAX_RETRIES = 3
MAX_WAIT_SECONDS = 10.0


class _WaitTooLong(Exception):
    """Carries a RetryAfter past AIORateLimiter's retry loop."""

    def __init__(self, error: RetryAfter) -> None:
        super().__init__(str(error))
        self.error = error


class ReplyRateLimiter(AIORateLimiter):
    """AIORateLimiter that retries after short 429 waits only."""

    def __init__(self, *, max_retries: int = MAX_RETRIES,
                 max_wait: float = MAX_WAIT_SECONDS) -> None:
        super().__init__(overall_max_rate=30, overall_time_period=1,
                         group_max_rate=20, group_time_period=60, max_retries=max_retries)
        self.max_wait = max_wait

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        """Send the request under the limits, retrying after short 429 waits."""
        retries = rate_limit_args or self._max_retries  # as AIORateLimiter reads them
        attempts = 0

        async def bounded(*call_args: Any, **call_kwargs: Any) -> Any:
            nonlocal attempts
            attempts += 1
            try:
                return await callback(*call_args, **call_kwargs)
            except RetryAfter as exc:
                if retry_seconds(exc) > self.max_wait:
                    raise _WaitTooLong(exc) from exc
                if attempts <= retries:
                    # Waited out here, so counted here; a 429 that escapes is counted by
                    # whoever catches it (the handler timer, the delivery sender).
                    count_throttled()
                raise

        try:
            return await super().process_request(bounded, args, kwargs, endpoint, data,
                                                  rate_limit_args)
        except _WaitTooLong as long_wait:
            raise long_wait.error from None
