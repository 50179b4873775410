"""Telegram signs nothing: it echoes the secret_token given to setWebhook in a header."""

from __future__ import annotations

from omnishop.kernel.security import constant_time_equals
from omnishop.messaging.common import BadSignature

HEADER = "X-Telegram-Bot-Api-Secret-Token"


def verify(header: str | None, *, secret_token: str) -> None:
    """Forbidden (403) unless the header equals the secret, compared in constant time."""
    if not secret_token or header is None or not constant_time_equals(header, secret_token):
        raise BadSignature("secret token mismatch")
