"""What every handler gets from the middleware: the acting person, their language, the services."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from domain.people import Actor
from domain.ports import Clock, UnitOfWork
from locales import Translator

MESSENGER = "telegram"


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
