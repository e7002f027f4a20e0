"""getMe, logOut, close, the webhook methods and getUpdates (long polling)."""

from __future__ import annotations

import asyncio
from typing import Any

from fakegram.errors import DEFAULT_DESCRIPTIONS, TelegramError, bad
from fakegram.parsers import Params
from fakegram.state import Bot, ServerState


async def get_me(state: ServerState, bot: Bot, params: Params) -> Any:
    return bot.user_api(full=True)


async def log_out(state: ServerState, bot: Bot, params: Params) -> Any:
    return True


async def close(state: ServerState, bot: Bot, params: Params) -> Any:
    return True


async def set_webhook(state: ServerState, bot: Bot, params: Params) -> Any:
    url = params.str("url") or ""
    if url and not url.startswith("https://"):
        raise bad("bad webhook: An HTTPS URL must be provided for webhook")
    bot.webhook_url = url
    state.wake(bot, "webhook")
    return True


async def delete_webhook(state: ServerState, bot: Bot, params: Params) -> Any:
    bot.webhook_url = ""
    if params.bool("drop_pending_updates"):
        for update in bot.updates:
            bot.dropped.add(update["update_id"])
        bot.updates.clear()
    return True


async def get_webhook_info(state: ServerState, bot: Bot, params: Params) -> Any:
    info: dict[str, Any] = {
        "url": bot.webhook_url,
        "has_custom_certificate": False,
        "pending_update_count": len(bot.updates),
    }
    if bot.allowed_updates:
        info["allowed_updates"] = list(bot.allowed_updates)
    return info


async def get_updates(state: ServerState, bot: Bot, params: Params) -> Any:
    bot.polls += 1
    if bot.webhook_url:
        raise TelegramError(
            409,
            "Conflict: can't use getUpdates method while webhook is active; "
            "use deleteWebhook to delete the webhook first",
        )
    offset = params.int("offset")
    limit = params.int("limit") or 100
    limit = min(max(limit, 1), 100)
    timeout = max(params.float("timeout") or 0.0, 0.0)
    allowed = params.json("allowed_updates", "can't parse allowed updates JSON object")
    if isinstance(allowed, list):
        bot.allowed_updates = [str(a) for a in allowed]
    if offset is not None:
        if offset < 0:
            keep = bot.updates[offset:]
            for update in bot.updates[: len(bot.updates) - len(keep)]:
                bot.dropped.add(update["update_id"])
            bot.updates = list(keep)
        else:
            bot.updates = [u for u in bot.updates if u["update_id"] >= offset]
            bot.confirmed_offset = max(bot.confirmed_offset, offset)
    # A newer getUpdates terminates the one still waiting (two pollers → 409 Conflict).
    state.wake(bot, "conflict")
    if not bot.updates and timeout > 0 and not state.stopping:
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        bot.poll_future = future
        try:
            reason = await asyncio.wait_for(future, timeout)
        except TimeoutError:
            reason = "timeout"
        finally:
            if bot.poll_future is future:
                bot.poll_future = None
        if reason == "conflict":
            raise TelegramError(409, DEFAULT_DESCRIPTIONS[409])
        if reason == "webhook":
            raise TelegramError(409, "Conflict: terminated by setWebhook request")
    return [dict(u) for u in bot.updates[:limit]]
