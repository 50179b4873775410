"""Settings of the sandbox PSP (env prefix ``OMNISHOP_SANDBOX_PSP_``)."""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class SandboxSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="OMNISHOP_SANDBOX_PSP_", env_file=".env", extra="ignore"
    )

    # The PSP's own database, never omnishop's.
    url: str = "sqlite+aiosqlite:///./var/sandbox-psp.db"
    # Signs webhook notifications; the default is only fit for the local demo.
    secret: str = "whsec_sandbox_demo_secret"  # noqa: S105
    # What a browser sends to the tokenisation endpoint (public by design).
    publishable_key: str = "pk_sandbox_demo"


@lru_cache
def get_settings() -> SandboxSettings:
    return SandboxSettings()
