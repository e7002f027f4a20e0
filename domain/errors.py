"""Refusals a user may see. The message is an English msgid; adapters translate it."""

from __future__ import annotations


class JournalError(Exception):
    """A refusal with a message for the user, never a crash."""

    message: str = "something went wrong"

    def __init__(self, message: str | None = None, **params: object) -> None:
        self.message = message or self.message
        self.params = {k: str(v) for k, v in params.items()}
        super().__init__(self.message.format(**self.params) if self.params else self.message)


class NotFound(JournalError):
    message = "not found"


class AlreadyExists(JournalError):
    message = "already exists"


class InvalidInput(JournalError):
    message = "invalid input"


class Forbidden(JournalError):
    message = "you may not do this"


class Gone(NotFound):
    """What a screen refers to no longer exists (or belongs to another day)."""

    message = "this screen is out of date"
