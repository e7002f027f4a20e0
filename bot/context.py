"""What every handler gets from the middleware: the acting person, their language, the services."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from domain.errors import Gone, JournalError
from domain.people import Actor
from domain.ports import Clock, UnitOfWork
from locales import Translator

MESSENGER = "telegram"
REDIS_TIMEOUT = 3.0  # seconds to connect to Redis, and for each of its answers


@dataclass(frozen=True, slots=True)
class Services:
    """Long-lived parts the bot is built from; a unit of work is made per use case."""

    make_uow: Callable[[], UnitOfWork]
    clock: Clock


@dataclass(slots=True)
class Ctx:
    """Per update: who is acting and how to speak to them."""

    actor: Actor
    t: Translator
    services: Services

    def uow(self) -> UnitOfWork:
        return self.services.make_uow()

    @property
    def clock(self) -> Clock:
        return self.services.clock

    def refusal(self, err: Exception) -> str:
        """What a refused button says: the journal's reason, or, for a button that does not
        parse (forged or from an old screen), that the screen is out of date."""
        if isinstance(err, JournalError) and not isinstance(err, Gone):
            return self.t(err.message, **err.params)
        return self.t("This screen is out of date; here is a fresh menu.")


class KnownLanguages:
    """The language each person last used the journal in, by their messenger user id, kept in
    memory: what an outage's answer is said in when the database that knows it is down. The
    `limit` most recent people are kept (a few bytes each)."""

    def __init__(self, limit: int = 100_000) -> None:
        self.limit = limit
        self._known: OrderedDict[str, str] = OrderedDict()

    def note(self, user_id: str, language: str) -> None:
        self._known[user_id] = language
        self._known.move_to_end(user_id)
        while len(self._known) > self.limit:
            self._known.popitem(last=False)

    def get(self, user_id: str) -> str | None:
        return self._known.get(user_id)
