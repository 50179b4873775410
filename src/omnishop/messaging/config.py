"""Messenger credentials and API endpoints, read from the environment (prefix ``OMNISHOP_``).

One set per platform: every channel of that kind (``/webhooks/<platform>/<code>``) shares it.
The defaults are fake demo values: the webhooks work locally, nothing reaches a real platform
until real credentials are set. The API base URLs are overridable so tests point them at
local fake servers.
"""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class MessagingSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OMNISHOP_", env_file=".env", extra="ignore")

    # Public URL of this shop: Twilio signs the URL it posted to.
    base_url: str = "http://127.0.0.1:8000"
    send_timeout_seconds: float = 10.0
    # Deliveries whose every message is older than this are refused as replays (Meta retries
    # for up to 7 days; Telegram keeps undelivered updates for 24 hours).
    max_age_seconds: int = 7 * 24 * 3600

    # Telegram Bot API (the token is shared with the Mini App's initData check).
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
