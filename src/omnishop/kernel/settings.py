"""Process settings, read once from the environment (prefix ``OMNISHOP_``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OMNISHOP_", env_file=".env", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///./var/omnishop.db"
    # Signs session cookies and tokens; the default is only fit for the local demo.
    secret_key: str = "omnishop-demo-secret-change-me"  # noqa: S105
    base_url: str = "http://127.0.0.1:8000"
    log_level: str = "INFO"
    log_json: bool = False
    # `serve` runs one outbox worker in-process, so a single command is a whole shop.
    worker_in_process: bool = True
    worker_poll_seconds: float = 1.0
    data_dir: Path = Field(default=Path("../shared/data"))
    default_locale: str = "ru"
    login_rate_limit: str = "5/minute"
    sql_echo: bool = False
    # Seconds an anonymous catalog read may be served from the per-process micro-cache; 0 = off.
    api_cache_seconds: float = 2.0


@lru_cache
def get_settings() -> Settings:
    return Settings()
