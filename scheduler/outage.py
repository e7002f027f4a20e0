"""Trouble that lasts (the database gone) logged as one event: a line when it starts, a line
when it ends, and growing pauses between the tries in between.

A loop that tries every 50 ms and logs a traceback each time writes megabytes in a minute's
outage and buries what happened; a restart of PostgreSQL is two lines of news.

Each failure is one of three kinds (`trouble`): the database out of reach, the database busy
(both pass, and are logged as one warning line), or a bug (logged with its traceback, again
every 5 minutes while it repeats: it will not pass by itself).
"""

from __future__ import annotations

import enum
import errno
import logging
import socket
import sqlite3
import time
from collections.abc import Callable, Iterator

import asyncpg
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

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
BUG_REPEAT = 300.0  # seconds between tracebacks of a bug that keeps failing the tries

# The database is there but cannot serve now: no free connection in the pool, a lock or a
# statement that timed out, a deadlock or serialization failure, no connection slot left.
BUSY_ERRORS = (
    PoolTimeoutError,
    asyncpg.exceptions.LockNotAvailableError,
    asyncpg.exceptions.QueryCanceledError,
    asyncpg.exceptions.DeadlockDetectedError,
    asyncpg.exceptions.SerializationError,
    asyncpg.exceptions.TooManyConnectionsError,
)
SQLITE_BUSY = ("database is locked", "database table is locked", "database is busy")
SQLITE_UNREACHABLE = ("unable to open database file", "disk i/o error")


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
    asyncpg.exceptions.ConnectionDoesNotExistError,  # closed under a raw asyncpg read
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


class Trouble(enum.StrEnum):
    UNREACHABLE = "the database is out of reach"
    BUSY = "the database is busy"
    BUG = "a bug"


def _chain(err: BaseException) -> Iterator[BaseException]:
    """`err` and what it wraps: SQLAlchemy's `orig`, causes and contexts."""
    seen: set[int] = set()
    current: BaseException | None = err
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = getattr(current, "orig", None) or current.__cause__ or current.__context__


def _unreachable(err: BaseException) -> bool:
    if isinstance(err, sqlite3.OperationalError):
        return str(err).lower().startswith(SQLITE_UNREACHABLE)
    return says_unreachable(err)


def trouble(err: BaseException) -> Trouble:
    """What kind of trouble `err` is: the database out of reach (refused, reset, gone, shutting
    down), busy (pool or lock timeout, too many connections: it passes), or anything else, a
    bug (a programming error, a value the database refuses: trying again will not help)."""
    chain = list(_chain(err))
    for current in chain:
        if isinstance(current, BUSY_ERRORS) or (
            isinstance(current, sqlite3.OperationalError)
            and str(current).lower().startswith(SQLITE_BUSY)
        ):
            return Trouble.BUSY
    if any(_unreachable(current) for current in chain):
        return Trouble.UNREACHABLE
    return Trouble.BUG


def is_unreachable(err: BaseException) -> bool:
    """Whether `err` says the database cannot be reached (down, restarting, connection cut),
    rather than that it is busy or something is wrong with what was asked of it."""
    return trouble(err) is Trouble.UNREACHABLE


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

    `failed(err)` notes a failed try. The first of an outage says what kind of trouble it is
    (`trouble`): the database out of reach or busy, one WARNING line with the reason; a bug,
    an ERROR with its traceback, repeated every 5 minutes while the bug keeps failing the
    tries. A kind not seen yet in this outage is logged as it first comes. `ended()` logs how
    long it lasted, as a warning, so that a log filtered to warnings shows the end of what it
    shows the start of.
    """

    def __init__(
        self,
        log: logging.Logger,
        started: str,
        ended: str,
        *,
        first_pause: float = FIRST_PAUSE,
        longest_pause: float = LONGEST_PAUSE,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.log = log
        self.started_text = started
        self.ended_text = ended
        self.first_pause = first_pause
        self.longest_pause = longest_pause
        self.monotonic = monotonic
        self.since: float | None = None
        self.tries = 0
        self.logged: dict[Trouble, float] = {}  # this outage's kinds, when each was last logged

    @property
    def ongoing(self) -> bool:
        return self.since is not None

    def failed(self, err: BaseException, consequence: str = "") -> float:
        """Note a failed try; returns the pause before the next: 0.05 s doubling to 5 s."""
        now = self.monotonic()
        if self.since is None:
            self.since, self.tries, self.logged = now, 0, {}
        kind = trouble(err)
        last = self.logged.get(kind)
        if last is None or (kind is Trouble.BUG and now - last >= BUG_REPEAT):
            self.logged[kind] = now
            self._log(kind, err, consequence)
        self.tries += 1
        return self.pause()

    def _log(self, kind: Trouble, err: BaseException, consequence: str) -> None:
        line = ("%s (%s): %s%s", self.started_text, kind.value, reason(err), consequence)
        if kind is Trouble.BUG:
            self.log.error(*line, exc_info=err)
        else:
            self.log.warning(*line)
            self.log.debug("the outage's first error", exc_info=err)

    def pause(self) -> float:
        if self.since is None:
            return self.first_pause
        return min(self.longest_pause, self.first_pause * 2 ** max(0, self.tries - 1))

    def ended(self, detail: str = "") -> None:
        """A try worked: if it ends an outage, say so once, with how long it lasted."""
        if self.since is None:
            return
        lasted = self.monotonic() - self.since
        tries, self.since, self.tries, self.logged = self.tries, None, 0, {}
        self.log.warning(
            "%s after %.1f s and %s failed %s%s",
            self.ended_text,
            lasted,
            tries,
            "try" if tries == 1 else "tries",
            detail,
        )
