"""One adapter per messenger: verify and parse webhooks into ``InboundMessage``, send replies.

``install(app)`` mounts the webhooks (``/webhooks/<platform>/<channel code>``) and registers
each platform's Sender with ``conversations.wire`` (the domain never imports a head).
"""

from __future__ import annotations

from fastapi import FastAPI

from omnishop.conversations import wire
from omnishop.messaging.config import MessagingSettings
from omnishop.messaging.messenger import routes as messenger_routes
from omnishop.messaging.messenger import send as messenger_send
from omnishop.messaging.sms import routes as sms_routes
from omnishop.messaging.sms import send as sms_send
from omnishop.messaging.telegram import routes as telegram_routes
from omnishop.messaging.telegram import send as telegram_send
from omnishop.messaging.whatsapp import routes as whatsapp_routes
from omnishop.messaging.whatsapp import send as whatsapp_send


def register_senders(settings: MessagingSettings, *, replace: bool = True) -> None:
    """Point every platform's Sender at the APIs (and credentials) in ``settings``;
    ``replace=False`` keeps a Sender already registered (a test's fake)."""
    makers = {
        "telegram": telegram_send.make_sender,
        "whatsapp": whatsapp_send.make_sender,
        "messenger": messenger_send.make_sender,
        "sms": sms_send.make_sender,
    }
    for platform, make in makers.items():
        if replace or wire.sender_for(platform) is None:
            wire.register_sender(platform, make(settings))


def install(app: FastAPI, settings: MessagingSettings | None = None) -> None:
    """Mount the webhooks and register the senders. Without ``settings`` (app start-up) they
    come from the environment and a Sender already registered is kept; with them (tests
    pointing at fake platforms) they replace the current ones."""
    app.state.messaging_settings = settings or MessagingSettings()
    register_senders(app.state.messaging_settings, replace=settings is not None)
    if getattr(app.state, "messaging_installed", False):
        return
    app.state.messaging_installed = True
    for module in (telegram_routes, whatsapp_routes, messenger_routes, sms_routes):
        app.include_router(module.router)
