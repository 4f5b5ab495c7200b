"""Pace sends with a budget shared by every process through the database.

Each message reserves the next free slot of the `send_budget` row (one upsert, one round trip)
and waits for it, so all processes together send at most `rate` messages per second, evenly
spaced: no burst at the turn of a second, as per-second counters would allow. The per-chat
gap stays in the process: a chat's delivery is owned by one claim (one process) at a time.

A sender that wakes up well after its slot (a busy event loop, a slow database answer) would
arrive bunched up with the next process's slots, so it gives its slot up and reserves a new
one (a wasted slot only lowers the rate). Spacing still cannot see delays after the request
leaves (a busy CPU, the network), so each send also holds a window token from the slot until
a second after its answer (see `storage.repositories.coordination`): at most 30 requests are
ever inside one second. At 29 slots/s about 29.5 tokens are busy, so tokens only bind when
requests bunch up, and then they delay the bunched ones instead of letting Telegram refuse.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.orm import Session, sessionmaker

from bot.delivery.pacing import DEFAULT_CHAT_INTERVAL, DEFAULT_RATE, Sleep, chat_gap
from storage.repositories.coordination import (
    TELEGRAM_BUDGET,
    reserve_send_slot,
    return_window_token,
    take_window_token,
)

logger = logging.getLogger(__name__)

T = TypeVar("T")
# s after its slot a send may still start: just under one slot at 29/s. Later sends give the
# slot up; the window tokens, not this, keep bunched-up requests from drawing 429s.
MAX_LATE = 0.03
MAX_RESERVATIONS = 4  # per message: after that, send even if late (the rate still holds)


class SharedBudgetPacer:
    """Pacer whose overall rate is shared by every process using the same database."""

    def __init__(self, sessions: sessionmaker[Session], rate: float = DEFAULT_RATE,
                 chat_interval: float = DEFAULT_CHAT_INTERVAL, *, name: str = TELEGRAM_BUDGET,
                 timer: Callable[[], float] = time.monotonic, sleep: Sleep = asyncio.sleep,
                 db_clock: Callable[[], float] | None = None, max_late: float = MAX_LATE) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.sessions = sessions
        self.interval = 1.0 / rate
        self.chat_interval = chat_interval
        self.name = name
        self.max_late = max_late
        self._timer = timer
        self._sleep = sleep
        self._db_clock = db_clock  # None: the database's own clock
        self._chat_ready: dict[int, float] = {}
        self._tokens: dict[int, int] = {}  # chat -> window token held by its request
        self._returns: set[asyncio.Task] = set()
        # One reservation in flight at a time: a drain starts up to `concurrency` deliveries
        # at once, and their reservations would otherwise fill the worker threads ahead of
        # the first message's window token, holding the first send up by all of them.
        self._reserving = asyncio.Lock()
        self.late_slots = 0  # slots given up because the sender woke too late
        self.token_waits = 0  # sends that waited for the one-second window

    async def acquire(self, chat_id: int) -> None:
        """Wait for the chat's gap, then for a slot of the shared budget."""
        wait = self._chat_ready.get(chat_id, float("-inf")) - self._timer()
        if wait > 0:
            await self._sleep(wait)
        for _ in range(MAX_RESERVATIONS):
            target = await self._reserve()
            if (delay := target - self._timer()) > 0:
                await self._sleep(delay)
            if self._timer() - target <= self.max_late:
                break
            self.late_slots += 1
        self._tokens[chat_id] = await self._take_token()
        self._chat_ready[chat_id] = self._timer() + chat_gap(chat_id, self.chat_interval)
        self._forget_idle_chats()

    async def _take_token(self) -> int:
        while True:
            token, wait = await asyncio.to_thread(self._call, take_window_token)
            if token is not None:
                return token
            self.token_waits += 1
            await self._sleep(wait)

    async def _reserve(self) -> float:
        """Reserve a slot; return when it starts on this process's timer."""
        async with self._reserving:
            asked = self._timer()
            wait = await asyncio.to_thread(self._reserve_sync)
            answered = self._timer()
        # The database read its clock somewhere between asking and the answer: the middle.
        return (asked + answered) / 2 + wait

    def _reserve_sync(self) -> float:
        return self._call(reserve_send_slot, self.interval)

    def _call(self, fn: Callable[..., T], *args: object) -> T:
        now = self._db_clock() if self._db_clock is not None else None
        with self.sessions() as session:
            result = fn(session, *args, now=now, name=self.name)
            session.commit()
        return result

    def sent(self, chat_id: int) -> None:
        """Restart the chat's gap and give the window token back (from the answer on)."""
        self._chat_ready[chat_id] = self._timer() + chat_gap(chat_id, self.chat_interval)
        token = self._tokens.pop(chat_id, None)
        if token is not None:
            answered = self._timer()
            task = asyncio.get_running_loop().create_task(self._give_back(token, answered))
            self._returns.add(task)
            task.add_done_callback(self._returns.discard)

    async def _give_back(self, token: int, answered: float) -> None:
        try:
            await asyncio.to_thread(self._give_back_sync, token, answered)
        except Exception:  # noqa: BLE001 - the token frees itself when its lease runs out
            logger.warning("could not give window token %d back", token, exc_info=True)

    def _give_back_sync(self, token: int, answered: float) -> None:
        # The token is busy until a second after the answer, not after this late write: the
        # time since the answer, measured before the database reads its clock, is taken off.
        since = max(0.0, self._timer() - answered)
        now = self._db_clock() if self._db_clock is not None else None
        with self.sessions() as session:
            return_window_token(session, token, now=now, name=self.name,
                                window=max(0.0, 1.0 - since))
            session.commit()

    async def settle(self) -> None:
        """Wait until every token given back has reached the database (before shutting down)."""
        while self._returns:
            await asyncio.gather(*self._returns)

    def _forget_idle_chats(self) -> None:
        # Keep the map small over a long run: chats whose gap has passed need no entry.
        if len(self._chat_ready) > 10_000:
            now = self._timer()
            self._chat_ready = {c: t for c, t in self._chat_ready.items() if t > now}
