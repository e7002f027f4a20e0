"""The MAX Bot API's error answers: an HTTP status and ``{"code": ..., "message": ...}``."""

from __future__ import annotations

from typing import Any


class MaxError(Exception):
    """An error answer; maxo maps the status to its exception class and reads code/message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def payload(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message}


DEFAULT_ERRORS = {
    403: ("chat.denied", "chat.denied: the bot is blocked by the user"),
    404: ("chat.not.found", "Chat not found"),
    429: ("too.many.requests", "Too many requests"),
    500: ("internal.error", "Internal error"),
    503: ("service.unavailable", "Service unavailable"),
}


def bad_request(message: str, code: str = "proto.payload") -> MaxError:
    return MaxError(400, code, message)


def not_found(message: str) -> MaxError:
    return MaxError(404, "not.found", message)


def unauthorized(message: str = "Invalid access_token") -> MaxError:
    return MaxError(401, "verify.token", message)


def too_many_requests() -> MaxError:
    return MaxError(429, "too.many.requests", "Too many requests")
