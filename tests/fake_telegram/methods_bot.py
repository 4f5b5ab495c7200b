"""Bot API methods about the bot itself: identity, updates, webhook and commands."""

from __future__ import annotations

import json
import logging
import re
from typing import TYPE_CHECKING, Any

from .limits import ApiError
from .params import Upload

if TYPE_CHECKING:
    from .server import FakeTelegramServer

logger = logging.getLogger(__name__)

Params = dict[str, Any]
Uploads = dict[str, Upload]
COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
MAX_POLL_TIMEOUT = 50


async def get_me(srv: FakeTelegramServer, params: Params, uploads: Uploads) -> Any:
    """Return the bot's User object."""
    return srv.store.bot_user


async def get_updates(srv: FakeTelegramServer, params: Params, uploads: Uploads) -> Any:
    """Confirm updates below ``offset`` and long-poll for new ones up to ``timeout`` s."""
    if srv.store.webhook.get("url"):
        raise ApiError(
            409,
            "Conflict: can't use getUpdates method while webhook is active; "
            "use deleteWebhook to delete the webhook first",
        )
    _confirm(srv, params.get("offset"))
    limit = min(max(int(params.get("limit") or 100), 1), 100)
    timeout = min(max(float(params.get("timeout") or 0), 0.0), MAX_POLL_TIMEOUT)
    allowed = params.get("allowed_updates") or []
    await srv.wait_for_pending_updates(timeout, lambda: bool(_select(srv, allowed, limit)))
    return _select(srv, allowed, limit)


def _confirm(srv: FakeTelegramServer, offset: Any) -> None:
    """Forget updates the client has confirmed, as Telegram does when offset moves on."""
    if offset is None:
        return
    offset = int(offset)
    updates = srv.store.updates
    if offset < 0:
        srv.store.updates = updates[offset:]
    else:
        srv.store.updates = [u for u in updates if u["update_id"] >= offset]


def _select(srv: FakeTelegramServer, allowed: list[str], limit: int) -> list[dict[str, Any]]:
    pending = srv.store.updates
    if allowed:
        pending = [u for u in pending if any(kind in u for kind in allowed)]
    return pending[:limit]


async def delete_webhook(srv: FakeTelegramServer, params: Params, uploads: Uploads) -> Any:
    """Remove the webhook, optionally dropping pending updates."""
    srv.store.webhook.clear()
    if params.get("drop_pending_updates"):
        srv.store.updates.clear()
    return True


async def set_webhook(srv: FakeTelegramServer, params: Params, uploads: Uploads) -> Any:
    """Record the webhook settings (updates are not pushed to it)."""
    url = params.get("url") or ""
    if url and not url.startswith("https://"):
        raise ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
    srv.store.webhook.clear()
    if url:
        srv.store.webhook.update({k: v for k, v in params.items() if k != "certificate"})
    if params.get("drop_pending_updates"):
        srv.store.updates.clear()
    return True


async def get_webhook_info(srv: FakeTelegramServer, params: Params, uploads: Uploads) -> Any:
    """Return the recorded webhook and the number of pending updates."""
    hook = srv.store.webhook
    info: dict[str, Any] = {
        "url": hook.get("url", ""),
        "has_custom_certificate": False,
        "pending_update_count": len(srv.store.updates),
    }
    if hook.get("max_connections"):
        info["max_connections"] = hook["max_connections"]
    if hook.get("allowed_updates"):
        info["allowed_updates"] = hook["allowed_updates"]
    return info


def _commands_key(params: Params) -> tuple[str, str]:
    scope = params.get("scope") or {"type": "default"}
    return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")


async def set_my_commands(srv: FakeTelegramServer, params: Params, uploads: Uploads) -> Any:
    """Validate and store the command list for a scope and language."""
    commands = params.get("commands")
    if not isinstance(commands, list) or len(commands) > 100:
        raise ApiError(400, "Bad Request: commands must be an array of at most 100 commands")
    for command in commands:
        name = str(command.get("command", "")) if isinstance(command, dict) else ""
        if not COMMAND_RE.fullmatch(name):
            raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
        if not 1 <= len(str(command.get("description", "")).strip()) <= 256:
            raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
    srv.store.commands[_commands_key(params)] = [
        {"command": c["command"], "description": c["description"]} for c in commands
    ]
    return True


async def get_my_commands(srv: FakeTelegramServer, params: Params, uploads: Uploads) -> Any:
    """Return the command list stored for a scope and language."""
    return srv.store.commands.get(_commands_key(params), [])


async def delete_my_commands(srv: FakeTelegramServer, params: Params, uploads: Uploads) -> Any:
    """Forget the command list of a scope and language."""
    srv.store.commands.pop(_commands_key(params), None)
    return True


async def always_ok(srv: FakeTelegramServer, params: Params, uploads: Uploads) -> Any:
    """Answer ok for methods that only matter to the real server (close, logOut)."""
    return True


async def get_chat_member(srv: FakeTelegramServer, params: Params, uploads: Uploads) -> Any:
    """Return a ChatMember: the status set with set_chat_member ("member" by default)."""
    chat_id = srv.store.resolve_chat(srv.check_chat(params))
    try:
        user_id = int(params.get("user_id"))
    except (TypeError, ValueError):
        raise ApiError(400, "Bad Request: invalid user_id specified") from None
    srv.member_lookups += 1
    user = srv.store.bot_user if user_id == srv.store.bot_user["id"] else (
        srv.store.users.get(user_id) or srv.store.user(user_id))
    return srv.store.member(chat_id, user)


async def get_chat(srv: FakeTelegramServer, params: Params, uploads: Uploads) -> Any:
    """Return a chat by id or @username (400 "chat not found" for an unknown @username)."""
    chat_id = srv.store.resolve_chat(srv.check_chat(params))
    if isinstance(chat_id, str):
        raise ApiError(400, "Bad Request: chat not found")
    # A ChatFullInfo: the Chat's fields and the two every full chat has.
    return srv.store.chat(chat_id) | {"accent_color_id": 0, "max_reaction_count": 11}
