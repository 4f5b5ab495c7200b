"""A fake Telegram Bot API server on aiohttp, for end-to-end tests of the real PTB stack."""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from . import methods_bot as bot
from . import methods_messages as msg
from .actions import RecordedRequest, UserActions
from .limits import ApiError, FaultInjector, RateLimiter
from .params import Upload, read_params
from .store import Store

logger = logging.getLogger(__name__)

Handler = Callable[["FakeTelegramServer", dict[str, Any], dict[str, Upload]], Awaitable[Any]]
DEFAULT_TOKEN = "123456789:AAFakeTokenForBriefbotTests_abcdefghij"
MAX_BODY = 60 * 1024 * 1024

METHODS: dict[str, Handler] = {
    "getMe": bot.get_me,
    "getUpdates": bot.get_updates,
    "deleteWebhook": bot.delete_webhook,
    "setWebhook": bot.set_webhook,
    "getWebhookInfo": bot.get_webhook_info,
    "setMyCommands": bot.set_my_commands,
    "getMyCommands": bot.get_my_commands,
    "getChatMember": bot.get_chat_member,
    "getChat": bot.get_chat,
    "deleteMyCommands": bot.delete_my_commands,
    "close": bot.always_ok,
    "logOut": bot.always_ok,
    "sendMessage": msg.send_message,
    "sendPhoto": msg.send_photo,
    "sendDocument": msg.send_document,
    "editMessageText": msg.edit_message_text,
    "editMessageReplyMarkup": msg.edit_message_reply_markup,
    "deleteMessage": msg.delete_message,
    "sendChatAction": msg.send_chat_action,
    "answerCallbackQuery": msg.answer_callback_query,
    "getFile": msg.get_file,
}
# Telegram method names are case-insensitive.
BY_LOWER = {name.lower(): name for name in METHODS}
SENDS = frozenset({"sendMessage", "sendPhoto", "sendDocument"})
TO_CHAT = SENDS | {"sendChatAction", "editMessageText", "editMessageReplyMarkup", "deleteMessage"}


class FakeTelegramServer(UserActions):
    """Serve the Bot API subset briefbot uses, enforcing Telegram's validation and limits."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        clock: Callable[[], float] = time.time,
        timer: Callable[[], float] = time.monotonic,
        per_chat_limit: int | None = None,
        global_limit: int | None = 30,
        strict_ampersand: bool = True,
        strict_chats: bool = False,
        host: str = "127.0.0.1",
    ) -> None:
        super().__init__()
        self.token = token
        self.host = host
        self.port = 0
        self.store = Store(clock=clock)
        self.limiter = RateLimiter(per_chat_limit, global_limit, timer)
        self.faults = FaultInjector()
        self.strict_ampersand = strict_ampersand
        self.strict_chats = strict_chats
        self.blocked: set[Any] = set()
        self.requests: list[RecordedRequest] = []
        self.counters: Counter[int] = Counter()
        self.member_lookups = 0  # getChatMember calls answered
        self._timer = timer
        self._closing = False
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        """Return the server root, e.g. http://127.0.0.1:PORT."""
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """Return the value for ApplicationBuilder.base_url()."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """Return the value for ApplicationBuilder.base_file_url()."""
        return f"{self.url}/file/bot"

    @property
    def throttled_count(self) -> int:
        """Return how many 429 answers were sent."""
        return self.counters[429]

    async def start(self) -> FakeTelegramServer:
        """Listen on a free loopback port."""
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        logger.debug("fake Telegram listening on %s", self.url)
        return self

    async def stop(self) -> None:
        """Release long polls and stop listening."""
        self._closing = True
        self._notify()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegramServer:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # ---- test controls -------------------------------------------------------------------

    def block_user(self, chat_id: Any) -> None:
        """Make every call aimed at ``chat_id`` fail with 403 like a blocked bot."""
        self.blocked.add(chat_id)

    def unblock_user(self, chat_id: Any) -> None:
        """Undo block_user."""
        self.blocked.discard(chat_id)

    def fail_next(
        self, method: str, status: int, description: str, retry_after: int | None = None
    ) -> None:
        """Answer the next call of ``method`` with this error instead of running it."""
        self.faults.add(method, ApiError(status, description, retry_after))

    def set_chat_member(self, chat_id: Any, user_id: int, status: str, **rights: bool) -> None:
        """Make getChatMember answer ``status`` ("creator", "administrator", "member", ...).

        *rights* override the status' defaults, e.g. ``can_post_messages=False`` for a channel
        administrator who may not post.
        """
        self.store.member_status[(chat_id, user_id)] = status
        self.store.member_rights[(chat_id, user_id)] = rights

    def add_chat(self, chat_id: int, kind: str, title: str, *, username: str | None = None,
                 is_forum: bool = False) -> dict[str, Any]:
        """Register a group, supergroup or channel (getChat finds a channel by @username)."""
        return self.store.add_chat(chat_id, kind, title, username=username, is_forum=is_forum)

    def add_topic(self, chat_id: int, thread_id: int) -> None:
        """Open a topic in a forum supergroup (sendMessage accepts its message_thread_id)."""
        self.store.topics.setdefault(chat_id, set()).add(thread_id)

    def set_rate_limits(self, *, per_chat: int | None = None, overall: int | None = 30) -> None:
        """Set messages per second allowed per chat and overall (None turns a limit off)."""
        self.limiter.per_chat = per_chat
        self.limiter.overall = overall

    @property
    def commands(self) -> list[dict[str, str]]:
        """Return the command list set for the default scope and language."""
        return self.store.commands.get(('{"type": "default"}', ""), [])

    # ---- used by method handlers ------------------------------------------------------------

    def check_chat(self, params: dict[str, Any]) -> Any:
        """Return chat_id; with strict_chats, fail for chats no user has talked from."""
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise ApiError(400, "Bad Request: chat_id is empty")
        if self.strict_chats and chat_id not in self.store.chats:
            raise ApiError(400, "Bad Request: chat not found")
        return chat_id

    async def wait_for_pending_updates(self, timeout: float, ready: Callable[[], bool]) -> None:
        """Block a getUpdates long poll until ``ready()`` or the timeout."""
        if timeout > 0:
            await self.wait_until(ready, timeout)

    # ---- HTTP -------------------------------------------------------------------------------

    async def _handle_api(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return self._error_response(None, ApiError(401, "Unauthorized"))
        entry = RecordedRequest(request.match_info["method"], {}, [], self._timer())
        self.requests.append(entry)
        try:
            params, uploads = await read_params(request)
            entry.params, entry.files = params, sorted(uploads)
            result = await self._dispatch(entry.method, params, uploads)
        except ApiError as err:
            return self._error_response(entry, err)
        entry.status = 200
        self._notify()
        return web.json_response({"ok": True, "result": result})

    async def _dispatch(self, method: str, params: dict[str, Any], uploads: dict) -> Any:
        name = BY_LOWER.get(method.lower())
        if name is None:
            raise ApiError(404, "Not Found")
        injected = self.faults.pop(name)
        if injected is not None:
            raise injected
        chat_id = params.get("chat_id")
        if name in TO_CHAT and chat_id in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if name in TO_CHAT and chat_id in self.store.migrated:
            raise ApiError(400, "Bad Request: group chat was upgraded to a supergroup chat",
                           migrate_to_chat_id=self.store.migrated[chat_id])
        if name in SENDS:
            self.limiter.check(chat_id)
        result = await METHODS[name](self, params, uploads)
        if name in SENDS:
            self.limiter.record(chat_id)
        return result

    def _error_response(self, entry: RecordedRequest | None, err: ApiError) -> web.Response:
        self.counters[err.status] += 1
        if entry is not None:
            entry.status, entry.description = err.status, err.description
        logger.debug("fake Telegram error %s: %s", err.status, err.description)
        self._notify()
        return web.json_response(err.payload(), status=err.status)

    async def _handle_file(self, request: web.Request) -> web.Response:
        stored = self.store.file_by_path(request.match_info["path"])
        if request.match_info["token"] != self.token or stored is None or stored.data is None:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
            )
        content_type = stored.mime_type or "application/octet-stream"
        return web.Response(body=stored.data, headers={"Content-Type": content_type})
