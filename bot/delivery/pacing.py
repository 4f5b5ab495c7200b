"""Pace sends within Telegram's limits: overall messages per second and one per chat per second.

Two rules work together:
- slots: overall sends get evenly spaced slots (1/rate apart) rather than a burst per second,
  reserved on a fixed grid, so a task that wakes a little late does not slow the ones queued
  behind it;
- window: a request may have reached Telegram at any moment between leaving and its answer,
  so it counts against the one-second window until a full second after its answer. At most
  `limit` requests are ever inside that window, which holds whatever the network jitter
  (evenly spaced slots alone still drew a few 429s when requests bunched up on the way).
The clock and the sleep are injected, so tests run on virtual time.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Protocol

logger = logging.getLogger(__name__)

DEFAULT_RATE = 29.0  # messages/s overall: Telegram allows 30, one is kept as headroom
DEFAULT_LIMIT = 30  # requests per one-second window (Telegram's broadcast limit)
DEFAULT_CHAT_INTERVAL = 1.05  # s between two messages to one chat (limit: 1/s)
# Groups and channels (negative chat ids) take at most 20 messages a minute.
GROUP_CHAT_INTERVAL = 3.05
WINDOW = 1.0

Sleep = Callable[[float], Awaitable[None]]


def chat_gap(chat_id: int, chat_interval: float) -> float:
    """Return the seconds between two messages to a chat: longer for a group or channel."""
    return max(chat_interval, GROUP_CHAT_INTERVAL) if chat_id < 0 else chat_interval


class Pacer(Protocol):
    """Grants permission to send one message to a chat (a DB-backed budget can replace it)."""

    async def acquire(self, chat_id: int) -> None:
        """Wait until one more message to *chat_id* is within the limits."""

    def sent(self, chat_id: int) -> None:
        """Note that the request to *chat_id* has been answered (whatever the answer)."""


class RatePacer:
    """In-process pacing: evenly spaced overall slots plus a minimum gap per chat."""

    def __init__(self, rate: float = DEFAULT_RATE, chat_interval: float = DEFAULT_CHAT_INTERVAL,
                 *, limit: int | None = None, timer: Callable[[], float] = time.monotonic,
                 sleep: Sleep = asyncio.sleep) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.interval = 1.0 / rate
        self.chat_interval = chat_interval
        # Default window limit: Telegram's 30 scaled to this pacer's share of the budget.
        self.limit = limit or max(1, math.floor(rate / DEFAULT_RATE * DEFAULT_LIMIT + 1e-9))
        self._timer = timer
        self._sleep = sleep
        self._next_slot = float("-inf")
        self._chat_ready: dict[int, float] = {}
        self._in_flight = 0
        self._answered: deque[float] = deque()  # answer times within the last window

    async def acquire(self, chat_id: int) -> None:
        """Wait for the chat's gap, then for the next overall slot; note the send."""
        wait = self._chat_ready.get(chat_id, float("-inf")) - self._timer()
        if wait > 0:
            await self._sleep(wait)
        now = self._timer()
        slot = max(self._next_slot, now)
        self._next_slot = slot + self.interval
        if slot > now:
            await self._sleep(slot - now)
        while (wait := self._window_wait()) > 0:
            await self._sleep(wait)
        self._in_flight += 1
        self._chat_ready[chat_id] = max(self._timer(), slot) + chat_gap(chat_id, self.chat_interval)
        self._forget_idle_chats()

    def _window_wait(self) -> float:
        now = self._timer()
        while self._answered and self._answered[0] <= now - WINDOW:
            self._answered.popleft()
        if self._in_flight + len(self._answered) < self.limit:
            return 0.0
        if self._answered:
            return self._answered[0] + WINDOW - now + 1e-3
        return 0.005  # all in flight: an answer is on its way

    def sent(self, chat_id: int) -> None:
        """Restart the chat's gap when the answer arrives.

        A request can reach Telegram later than it left (slow network, a busy loop); counting
        the gap from the answer guarantees the next message arrives a full gap after it.
        """
        now = self._timer()
        self._in_flight = max(0, self._in_flight - 1)
        self._answered.append(now)
        self._chat_ready[chat_id] = now + chat_gap(chat_id, self.chat_interval)

    def _forget_idle_chats(self) -> None:
        # Keep the map small over a long run: chats whose gap has passed need no entry.
        if len(self._chat_ready) > 10_000:
            now = self._timer()
            self._chat_ready = {c: t for c, t in self._chat_ready.items() if t > now}
