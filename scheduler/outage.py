"""Trouble that lasts (the database gone) logged as one event: a line when it starts, a line
when it ends, and growing pauses between the tries in between.

A loop that tries every 50 ms and logs a traceback each time writes megabytes in a minute's
outage and buries what happened; a restart of PostgreSQL is two lines of news.
"""

from __future__ import annotations

import errno
import logging
import socket
import time

import asyncpg
from sqlalchemy.exc import DBAPIError

# Socket errors that say the server is out of reach (not a file's trouble, say, also an OSError).
NETWORK_ERRNOS = {
    errno.ECONNREFUSED,
    errno.ECONNRESET,
    errno.ECONNABORTED,
    errno.EPIPE,
    errno.ENETDOWN,
    errno.ENETUNREACH,
    errno.EHOSTDOWN,
    errno.EHOSTUNREACH,
    errno.ETIMEDOUT,
}
FIRST_PAUSE = 0.05
LONGEST_PAUSE = 5.0


# The driver's errors for a server that is gone: the connection could not be made or was cut
# (SQLSTATE class 08), or the server is shutting down, crashed or not yet accepting connections
# (57P01-57P03). Not `asyncpg.InterfaceError`: that is also the journal's own misuse of a
# connection («another operation is in progress»); a connection really closed under SQLAlchemy
# is told by SQLAlchemy itself (`connection_invalidated`).
DRIVER_UNREACHABLE = (
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.CannotConnectNowError,
)


def says_unreachable(err: BaseException) -> bool:
    """Whether this one exception (not what it was raised from) says the database cannot be
    reached. By type only, never by the words of a message: a bug whose message mentions a
    connection is a bug. SQLAlchemy's `InterfaceError` and `OperationalError` are no outage by
    themselves (SQLite's «no such table» is an OperationalError, so is a statement timeout); the
    driver's error they wrap, or SQLAlchemy's own finding that the connection is gone, is."""
    if isinstance(err, DBAPIError) and err.connection_invalidated:
        return True
    if isinstance(err, DRIVER_UNREACHABLE):
        return True
    return isinstance(err, ConnectionError | TimeoutError | socket.gaierror) or (
        isinstance(err, OSError) and err.errno in NETWORK_ERRNOS
    )


def is_unreachable(err: BaseException) -> bool:
    """Whether `err`, or what it was raised from, says the database cannot be reached (down,
    restarting, connection cut), rather than that something is wrong with what was asked of it."""
    seen: set[int] = set()
    current: BaseException | None = err
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if says_unreachable(current):
            return True
        current = getattr(current, "orig", None) or current.__cause__ or current.__context__
    return False


def reason(err: BaseException) -> str:
    """One short line: the driver's own error, without SQLAlchemy's statement and parameters
    (SQLAlchemy wraps the driver's adapter, which wraps asyncpg's error: the innermost says
    most, e.g. CannotConnectNowError rather than Error)."""
    cause = getattr(err, "orig", None) or err
    while cause.__cause__ is not None and type(cause).__module__.startswith("sqlalchemy"):
        cause = cause.__cause__
    lines = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {lines[0] if lines else ''}"[:300]


class Outage:
    """The state of one kind of trouble: since when, how many tries, how long to pause.

    `failed(err)` notes a failed try (the first of an outage logs one WARNING line with the
    reason; a traceback only when the error is not the database being unreachable, since that
    is a bug worth its traceback once); `ended()` logs how long it lasted. Both lines are
    warnings so that a log filtered to warnings shows the end of what it shows the start of.
    """

    def __init__(
        self,
        log: logging.Logger,
        started: str,
        ended: str,
        *,
        first_pause: float = FIRST_PAUSE,
        longest_pause: float = LONGEST_PAUSE,
    ) -> None:
        self.log = log
        self.started_text = started
        self.ended_text = ended
        self.first_pause = first_pause
        self.longest_pause = longest_pause
        self.since: float | None = None
        self.tries = 0

    @property
    def ongoing(self) -> bool:
        return self.since is not None

    def failed(self, err: BaseException, consequence: str = "") -> float:
        """Note a failed try; returns the pause before the next: 0.05 s doubling to 5 s."""
        if self.since is None:
            self.since = time.monotonic()
            self.tries = 0
            bug = not is_unreachable(err)
            self.log.warning(
                "%s: %s%s",
                self.started_text,
                reason(err),
                consequence,
                exc_info=err if bug else None,
            )
            if not bug:
                self.log.debug("the outage's first error", exc_info=err)
        self.tries += 1
        return self.pause()

    def pause(self) -> float:
        if self.since is None:
            return self.first_pause
        return min(self.longest_pause, self.first_pause * 2 ** max(0, self.tries - 1))

    def ended(self, detail: str = "") -> None:
        """A try worked: if it ends an outage, say so once, with how long it lasted."""
        if self.since is None:
            return
        lasted = time.monotonic() - self.since
        tries, self.since, self.tries = self.tries, None, 0
        self.log.warning(
            "%s after %.1f s and %s failed %s%s",
            self.ended_text,
            lasted,
            tries,
            "try" if tries == 1 else "tries",
            detail,
        )
