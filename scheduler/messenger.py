"""What the scheduler needs of a messenger: a renderer of notices and a gateway that sends.
Each messenger's adapter meets these (Telegram's: `bot/render.py`, `bot/gateway.py`); `app/`
registers them under the messenger's name."""

from __future__ import annotations

from typing import Protocol

from domain.delivery import OutboxMessage, SendResult
from domain.notices import NoticeBody


class NoticeRenderer(Protocol):
    """A notice as one messenger shows it, in the recipient's language."""

    def render(self, notice: NoticeBody, language: str) -> str:
        """The notice's text."""
        ...

    def render_buttons(self, notice: NoticeBody, language: str) -> list[list[dict[str, str]]]:
        """Its buttons, rows of {"text": label, "data": the intent as the messenger's payload}."""
        ...


class MessageGateway(Protocol):
    """One messenger's way out: sends a message, maps the messenger's answer to an outcome."""

    async def send(self, message: OutboxMessage) -> SendResult: ...
