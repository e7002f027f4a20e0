"""maxo's Bot, pointed at a MAX Bot API server of our choice (the tests' and the sandbox's fake,
or MAX itself): maxo's `Bot.start` builds its API client with MAX's address and no option to
change it, so this one builds the same client with `api_url`."""

from __future__ import annotations

from maxo import Bot
from maxo.bot.api_client import MaxApiClient
from maxo.bot.state import ConnectingBotState, RunningBotState

PRODUCTION_URL = "https://platform-api2.max.ru/"


class MaxBot(Bot):
    """`warming_up`: maxo builds every loader of MAX's types up front when asked to, 5 s of
    CPU per Bot on these machines; without it each is built when first needed, in
    milliseconds, which is what a process with one bot (and a test with several) wants."""

    def __init__(
        self, token: str, api_url: str = PRODUCTION_URL, *, warming_up: bool = False
    ) -> None:
        super().__init__(token, warming_up=warming_up)
        self.api_url = api_url.rstrip("/") + "/"

    async def start(self) -> None:
        if self.state.started:
            return
        api_client = MaxApiClient(
            token=self.token,
            request_dumper=self.retort,
            response_loader=self.retort,
            base_url=self.api_url,
            upload_config=self.upload_config,
        )
        self._state = ConnectingBotState(api_client=api_client)
        info = await self.get_my_info()
        self._state = RunningBotState(info=info, api_client=api_client)
