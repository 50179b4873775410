"""What WhatsApp Cloud API and Messenger share (both are Meta webhooks): the GET subscription
handshake and the ``X-Hub-Signature-256`` HMAC over the raw body (pywa's validator)."""

from __future__ import annotations

from pywa.utils import webhook_updates_validator

from omnishop.kernel.security import constant_time_equals
from omnishop.messaging.common import BadSignature

SIGNATURE_HEADER = "X-Hub-Signature-256"


def verify_signature(body: bytes, header: str | None, *, app_secret: str) -> None:
    """Forbidden (403) unless the header is ``sha256=<hex HMAC of the raw body>``."""
    if not app_secret or not header or not header.startswith("sha256="):
        raise BadSignature("missing or malformed X-Hub-Signature-256")
    if not webhook_updates_validator(app_secret, body, header):
        raise BadSignature("X-Hub-Signature-256 does not match the body")


def challenge(
    mode: str | None, token: str | None, challenge: str | None, *, verify_token: str
) -> str:
    """The subscription handshake: echo hub.challenge when hub.verify_token is ours."""
    if mode != "subscribe" or not token or not challenge:
        raise BadSignature("not a subscription request")
    if not constant_time_equals(token, verify_token):
        raise BadSignature("verify token mismatch")
    return challenge
