"""Configuration from the environment or `.env`; every name starts with JOURNAL_."""

from __future__ import annotations

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
    send_lease_seconds: float = Field(
        default=60.0, description="how long a sender holds messages it took before others may"
    )
    redis_url: str = Field(default="", description="Redis for conversation state; memory if empty")


def load_settings() -> Settings:
    return Settings()
