"""MAX's links to the bot: its username (asked of the MAX Bot API, GET /me) and the deep link
an invitation code is redeemed through (`https://max.ru/<bot>?start=<code>`: MAX opens the
chat, «Начать» sends `bot_started` with the code as its payload)."""

from __future__ import annotations

import re

from domain.errors import JournalError
from locales import N_

# MAX bot usernames: Latin letters, digits and «_» (MAX's own end in «_bot»), 3–64 characters.
MAX_USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{2,63}")
MAX_TIMEOUT = 10.0
REFUSED = N_("could not ask MAX for the bot's username ({reason}); give it with --max-username")


async def username_from_max(api_url: str, token: str) -> str:
    """Ask MAX who the bot is; any failure is a refusal that names --max-username, never the
    token."""
    import aiohttp

    url = f"{api_url.rstrip('/')}/me"
    try:
        timeout = aiohttp.ClientTimeout(total=MAX_TIMEOUT)
        async with (
            aiohttp.ClientSession(timeout=timeout, headers={"Authorization": token}) as session,
            session.get(url) as response,
        ):
            payload = await response.json(content_type=None)
            status = response.status
    except (aiohttp.ClientError, TimeoutError, OSError, ValueError) as err:
        reason = str(err).replace(token, "…") or type(err).__name__
        raise JournalError(REFUSED, reason=reason) from None
    username = payload.get("username") if isinstance(payload, dict) else None
    if status != 200 or not isinstance(username, str) or not username:
        said = payload.get("message") if isinstance(payload, dict) else None
        reason = str(said or f"HTTP {status}, no username in the answer").replace(token, "…")
        raise JournalError(REFUSED, reason=reason)
    return username


def max_deep_link(username: str, code: str) -> str:
    return f"https://max.ru/{username}?start={code}"
