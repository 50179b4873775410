"""``GET/POST /webhooks/whatsapp/{channel}`` (Meta's webhook protocol: messaging.meta_routes)."""

from __future__ import annotations

from omnishop.messaging.meta_routes import meta_router
from omnishop.messaging.whatsapp.parse import parse

router = meta_router(
    "whatsapp",
    parse,
    verify_token=lambda s: s.whatsapp_verify_token,
    app_secret=lambda s: s.whatsapp_app_secret,
)
