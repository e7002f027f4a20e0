"""Telegram's links to the bot: its username (asked of the Bot API with getMe) and the t.me
deep link an invitation code is redeemed through (`/start <code>`)."""

from __future__ import annotations

import re

from domain.errors import JournalError

# Telegram usernames: 5–32 characters, Latin letters, digits and «_», starting with a letter.
BOT_USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{4,31}")
TELEGRAM_TIMEOUT = 10.0


async def username_from_telegram(api_url: str, token: str) -> str:
    """Ask the Bot API who the bot is; any failure is a refusal that names --bot-username."""
    import aiohttp

    url = f"{api_url.rstrip('/')}/bot{token}/getMe"
    try:
        timeout = aiohttp.ClientTimeout(total=TELEGRAM_TIMEOUT)
        async with aiohttp.ClientSession(timeout=timeout) as session, session.get(url) as response:
            payload = await response.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError, OSError, ValueError) as err:
        reason = str(err).replace(token, "…") or type(err).__name__
        raise JournalError(
            "could not ask Telegram for the bot's username ({reason}); give it with --bot-username",
            reason=reason,
        ) from None
    result = payload.get("result") if isinstance(payload, dict) else None
    username = result.get("username") if isinstance(result, dict) else None
    if not (isinstance(payload, dict) and payload.get("ok")) or not isinstance(username, str):
        description = payload.get("description") if isinstance(payload, dict) else None
        raise JournalError(
            "could not ask Telegram for the bot's username ({reason}); give it with --bot-username",
            reason=str(description or "no username in the answer").replace(token, "…"),
        )
    return username


def deep_link(username: str, code: str) -> str:
    return f"https://t.me/{username}?start={code}"
