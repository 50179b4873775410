"""Messenger credentials and API endpoints, read from the environment (prefix ``OMNISHOP_``).

The per-platform fields are the defaults every channel of that kind uses. A merchant with two
Telegram bots or two WhatsApp numbers overrides them per channel code in
``OMNISHOP_MESSAGING_CHANNELS`` (a JSON map: code -> any subset of the platform fields), and
``for_channel(code)`` is the one place that resolves what a webhook or a send uses.
The defaults are fake demo values: the webhooks work locally, nothing reaches a real platform
until real credentials are set. The API base URLs are overridable so tests point them at
local fake servers.
"""

from __future__ import annotations

import re

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from omnishop.channels.schemas import CODE_PATTERN

# The fields a channel may override: everything that belongs to one platform.
PLATFORM_PREFIXES = ("telegram_", "whatsapp_", "messenger_", "twilio_")
CHANNEL_CODE = re.compile(CODE_PATTERN)


class MessagingSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OMNISHOP_", env_file=".env", extra="ignore")

    # Public URL of this shop: Twilio signs the URL it posted to.
    base_url: str = "http://127.0.0.1:8000"
    send_timeout_seconds: float = 10.0
    # Deliveries whose every message is older than this are refused as replays (Meta retries
    # for up to 7 days; Telegram keeps undelivered updates for 24 hours).
    max_age_seconds: int = 7 * 24 * 3600

    # Telegram Bot API (the Mini App's initData check uses the default bot's token).
    telegram_bot_token: str = "000000:demo-telegram-bot-token"  # noqa: S105
    telegram_secret_token: str = "demo-telegram-secret-token"  # noqa: S105
    telegram_payment_provider_token: str = "demo-telegram-provider-token"  # noqa: S105
    telegram_api_base: str = "https://api.telegram.org"

    # WhatsApp Cloud API and Messenger Platform (Meta Graph API).
    meta_graph_base: str = "https://graph.facebook.com"
    meta_graph_version: str = "v23.0"
    whatsapp_app_secret: str = "demo-whatsapp-app-secret"  # noqa: S105
    whatsapp_verify_token: str = "demo-whatsapp-verify-token"  # noqa: S105
    whatsapp_access_token: str = "demo-whatsapp-access-token"  # noqa: S105
    whatsapp_phone_number_id: str = "100000000000001"
    messenger_app_secret: str = "demo-messenger-app-secret"  # noqa: S105
    messenger_verify_token: str = "demo-messenger-verify-token"  # noqa: S105
    messenger_page_access_token: str = "demo-messenger-page-token"  # noqa: S105

    # Twilio Programmable Messaging (SMS).
    twilio_account_sid: str = "AC00000000000000000000000000000000"
    twilio_auth_token: str = "demo-twilio-auth-token"  # noqa: S105
    twilio_from_number: str = "+15005550006"
    twilio_api_base: str = "https://api.twilio.com"

    # Per-channel overrides, e.g. {"telegram-kids": {"telegram_bot_token": "…",
    # "telegram_secret_token": "…"}}; a channel not named here uses the fields above.
    messaging_channels: dict[str, dict[str, str]] = Field(default_factory=dict)

    @field_validator("messaging_channels")
    @classmethod
    def _known_fields(cls, value: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        """Refused at start-up, naming the culprit: a typo must not silently fall back to the
        default credentials (the second bot would answer as the first)."""
        allowed = platform_fields()
        for code, overrides in value.items():
            if not CHANNEL_CODE.match(code):
                raise ValueError(f"messaging_channels: {code!r} is not a channel code")
            for name in overrides:
                if name not in allowed:
                    raise ValueError(
                        f"messaging_channels[{code!r}]: unknown field {name!r}"
                        f" (one of: {', '.join(sorted(allowed))})"
                    )
        return value

    def for_channel(self, code: str | None) -> MessagingSettings:
        """The settings a webhook or a send of channel ``code`` uses: the platform defaults
        with that channel's overrides on top."""
        overrides = self.messaging_channels.get(code) if code else None
        if not overrides:
            return self
        return self.model_copy(update=overrides)


def platform_fields() -> frozenset[str]:
    """Names of the fields a channel may override (every platform-specific one)."""
    names = MessagingSettings.model_fields
    return frozenset(n for n in names if n.startswith(PLATFORM_PREFIXES))
