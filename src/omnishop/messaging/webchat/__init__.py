"""The web chat widget: an embeddable script, messages in by POST, out by SSE with resume."""

from __future__ import annotations

from fastapi import FastAPI

from omnishop.conversations import wire
from omnishop.messaging.webchat import photos, routes, send


def install(app: FastAPI) -> None:
    """Mount the widget's endpoints and register its Sender (idempotent)."""
    wire.register_sender("webchat", send.send)
    if getattr(app.state, "webchat_installed", False):
        return
    app.state.webchat_installed = True
    app.include_router(routes.router)
    app.include_router(photos.router)
