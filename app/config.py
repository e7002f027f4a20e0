"""Configuration from the environment or `.env`; every name starts with JOURNAL_."""

from __future__ import annotations

import os

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="JOURNAL_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite+aiosqlite:///journal.sqlite3",
        description="SQLAlchemy URL; a SQLite file in the working directory by default",
    )
    language: str = Field(default="ru", description="language of the command line: ru or en")
    bot_token: str = ""
    bot_username: str = ""
    telegram_api_url: str = "https://api.telegram.org"
    send_rate: float = Field(default=25.0, description="messages a second the sender may send")
    max_token: str = Field(default="", description="the MAX bot's token; MAX is off if empty")
    max_username: str = Field(
        default="", description="the MAX bot's username for invitation links; else asked of MAX"
    )
    max_api_url: str = Field(
        default="https://platform-api2.max.ru/", description="the MAX Bot API's address"
    )
    max_send_rate: float = Field(
        default=30.0, description="requests a second the sender may make of MAX (MAX's limit)"
    )
    send_lease_seconds: float = Field(
        default=60.0, description="how long a sender holds messages it took before others may"
    )
    digest_workers: int | None = Field(
        default=None,
        description="processes building the digests on PostgreSQL, each a share of every "
        "school's classes and a connection of its own; 0 builds them in the clock's own "
        "process; unset: one a core this process may use, at most 4. On SQLite, which writes "
        "one transaction at a time, always 0",
    )
    redis_url: str = Field(default="", description="Redis for conversation state; memory if empty")


def digest_processes(settings: Settings) -> int:
    """How many worker processes build the digests (0: none, the clock builds them)."""
    from storage.database import is_sqlite, normalise_url

    if is_sqlite(normalise_url(settings.database_url)):
        return 0
    if settings.digest_workers is None:
        return min(usable_cores(), DEFAULT_MOST_DIGEST_WORKERS)
    return max(0, settings.digest_workers)


# Past a few, more workers mostly wait for the database (which, on one machine with them,
# shares their cores) and each holds a connection; a bigger district sets the number itself.
DEFAULT_MOST_DIGEST_WORKERS = 4


def usable_cores() -> int:
    """The cores this process may run on (a container's CPU set), not all the host's."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def load_settings() -> Settings:
    return Settings()
