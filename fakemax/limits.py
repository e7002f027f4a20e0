"""The MAX Bot API's documented limits (dev.max.ru)."""

from __future__ import annotations

TEXT_LIMIT = 4000
"""POST/PUT /messages: ``text`` up to 4000 characters."""

MAX_BUTTONS = 210
"""An inline keyboard holds at most 210 buttons..."""

MAX_ROWS = 30
"""...in at most 30 rows..."""

MAX_ROW_BUTTONS = 7
"""...of at most 7 buttons each."""

RATE_LIMIT = 30
"""Requests per second per bot (platform-api2.max.ru: 30 rps); more answer 429."""

UPDATES_LIMIT_MAX = 1000
"""GET /updates: ``limit`` 1..1000, default 100."""

UPDATES_TIMEOUT_MAX = 90
"""GET /updates: ``timeout`` 0..90 seconds, default 30."""

TEXT_FORMATS = frozenset({"markdown", "html"})

UPDATE_TYPES = frozenset(
    {
        "message_created",
        "message_callback",
        "message_edited",
        "message_removed",
        "bot_started",
        "bot_stopped",
    }
)
