"""``GET/POST /webhooks/messenger/{channel}`` (Meta's webhook protocol: messaging.meta_routes)."""

from __future__ import annotations

from omnishop.messaging.messenger.parse import parse
from omnishop.messaging.meta_routes import meta_router

router = meta_router(
    "messenger",
    parse,
    verify_token=lambda s: s.messenger_verify_token,
    app_secret=lambda s: s.messenger_app_secret,
)
