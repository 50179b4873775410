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
    # Where rate-limit counters live (sign-in code sends): memory:// counts per process;
    # redis://host:6379/0 (or rediss://) lets several serve processes share the limits.
    rate_limit_url: str = "memory://"
    sql_echo: bool = False
    # Seconds an anonymous catalog read may be served from the per-process micro-cache; 0 = off.
    api_cache_seconds: float = 2.0
    # Seconds storefront pages reuse the category tree and delivery estimates; 0 = off.
    storefront_cache_seconds: float = 30.0
    # Returns (orders.return_rules.ReturnPolicy): days after delivery per channel code (these
    # win over the country defaults: 7 for distance sales in Russia, 14 otherwise) and category
    # path prefixes whose products cannot be returned (e.g. ["food", "beauty/perfume"]).
    return_days_by_channel: dict[str, int] = Field(default_factory=dict)
    non_returnable_categories: list[str] = Field(default_factory=list)
    # Uploaded files (review photos…), served by the app under ``media_url``.
    media_dir: Path = Field(default=Path("var/media"))
    media_url: str = "/media"
    # Click & collect: days a ready pickup order waits before it is canceled as not collected.
    pickup_hold_days: int = 7
    # Web push (VAPID, RFC 8292). The default pair is a demo pair: generate your own for
    # production (`omnishop vapid` or any web-push tool) — the public key goes to browsers.
    vapid_private_key: str = "_UTx8s95BWLkUikZT_gkuYjlQTWYtxvjYSXZdnRrRKU"
    vapid_public_key: str = (
        "BKgHI0SvHGC7XJoyov7STwZlCxFB4GXXw30mk1bNmjLVYqM4SIwPgZEBw44jfUHqd3eNGxClkhhw1ZGP9Pmwd2M"
    )
    vapid_subject: str = "mailto:shop@example.com"
    push_timeout_seconds: float = 10.0
    # Plain-http push endpoints on this machine (tests' fake push service); never in production.
    push_allow_http_localhost: bool = False
    # Telegram Mini App: the bot's token signs initData; older signatures are refused.
    telegram_bot_token: str = ""
    telegram_init_max_age_seconds: int = 86400
    # Realtime fan-out (inbox, chat widget): memory:// serves one process; redis://host:6379/0
    # lets several serve/worker processes share updates.
    realtime_url: str = "memory://"
    # Operator inbox: a chat whose operator has not answered the waiting customer this long
    # moves to another operator.
    inbox_reassign_minutes: float = 5.0


@lru_cache
def get_settings() -> Settings:
    return Settings()
