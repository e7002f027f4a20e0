"""maxo's Bot, pointed at a MAX Bot API server of our choice (the tests' and the sandbox's fake,
or MAX itself), and kept within MAX's limit of requests a second: maxo's `Bot.start` builds its
API client with MAX's address and no option to change it, so this one builds the same client
with `api_url`, one that waits for its turn under the limit and tries a 429 again."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import Any

from maxo import Bot
from maxo.bot.api_client import MaxApiClient
from maxo.bot.state import ConnectingBotState, RunningBotState

PRODUCTION_URL = "https://platform-api2.max.ru/"
REQUESTS_A_SECOND = 28  # MAX allows 30 a second per bot; a margin for its clock and ours
RETRY_AFTER = 1.0  # seconds before a request MAX refused with 429 is tried again
ANSWERING_TRIES = 3  # a person waits for the answer to a press: a 429 is tried again here


class Throttle:
    """At most `per_second` requests in any second, the rest waiting their turn in order."""

    def __init__(self, per_second: int = REQUESTS_A_SECOND, window: float = 1.0) -> None:
        self.per_second = per_second
        self.window = window
        self._sent: deque[float] = deque()
        self._lock = asyncio.Lock()

    async def turn(self) -> None:
        async with self._lock:
            while True:
                now = time.monotonic()
                while self._sent and self._sent[0] <= now - self.window:
                    self._sent.popleft()
                if len(self._sent) < self.per_second:
                    self._sent.append(now)
                    return
                await asyncio.sleep(self._sent[0] + self.window - now)


class ThrottledApiClient(MaxApiClient):
    def __init__(self, *args: Any, throttle: Throttle, tries: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.throttle = throttle
        self.tries = max(1, tries)

    async def make_request(self, request: Any) -> Any:
        for attempt in range(1, self.tries + 1):
            await self.throttle.turn()
            response = await super().make_request(request)
            if response.status_code != 429 or attempt == self.tries:
                break
            await asyncio.sleep(RETRY_AFTER)
        return response


class MaxBot(Bot):
    """`warming_up`: maxo builds every loader of MAX's types up front when asked to, 5 s of
    CPU per Bot on these machines; without it each is built when first needed, in
    milliseconds, which is what a process with one bot (and a test with several) wants.

    `tries`: how often a request MAX refused with 429 is made; 1 for the outbox's sender,
    which keeps the message and comes back to it, `ANSWERING_TRIES` for the bot answering a
    person, who is waiting."""

    def __init__(
        self,
        token: str,
        api_url: str = PRODUCTION_URL,
        *,
        warming_up: bool = False,
        per_second: int = REQUESTS_A_SECOND,
        tries: int = 1,
    ) -> None:
        super().__init__(token, warming_up=warming_up)
        self.api_url = api_url.rstrip("/") + "/"
        self.throttle = Throttle(per_second)
        self.tries = tries

    async def start(self) -> None:
        if self.state.started:
            return
        api_client = ThrottledApiClient(
            token=self.token,
            request_dumper=self.retort,
            response_loader=self.retort,
            base_url=self.api_url,
            upload_config=self.upload_config,
            throttle=self.throttle,
            tries=self.tries,
        )
        self._state = ConnectingBotState(api_client=api_client)
        info = await self.get_my_info()
        self._state = RunningBotState(info=info, api_client=api_client)
