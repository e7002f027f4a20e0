"""A fake MAX Bot API server for tests and the sandbox (see README.md)."""

from fakemax.errors import MaxError
from fakemax.limits import MAX_BUTTONS, MAX_ROW_BUTTONS, MAX_ROWS, RATE_LIMIT, TEXT_LIMIT
from fakemax.server import SECRET_HEADER, FakeMax
from fakemax.state import Callback, MaxUser, StoredMessage, Upload

__all__ = [
    "MAX_BUTTONS",
    "MAX_ROWS",
    "MAX_ROW_BUTTONS",
    "RATE_LIMIT",
    "SECRET_HEADER",
    "TEXT_LIMIT",
    "Callback",
    "FakeMax",
    "MaxError",
    "MaxUser",
    "StoredMessage",
    "Upload",
]
