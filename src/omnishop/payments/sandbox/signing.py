"""Webhook signatures: ``Sandbox-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "t.body")>``."""

from __future__ import annotations

import hashlib
import hmac

HEADER = "Sandbox-Signature"
TOLERANCE_SECONDS = 300


class SignatureError(Exception):
    """The signature is missing, malformed, wrong or too old."""


def sign(secret: str, body: bytes, timestamp: int) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(
    secret: str, body: bytes, header: str | None, *, now: int, tolerance: int = TOLERANCE_SECONDS
) -> int:
    """The signed timestamp when ``header`` signs ``body`` with ``secret`` within the tolerance
    (either direction, for clock skew); otherwise ``SignatureError``."""
    if not header:
        raise SignatureError("missing signature")
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t":
            try:
                timestamp = int(value)
            except ValueError:
                raise SignatureError("malformed timestamp") from None
        elif name == "v1":
            candidates.append(value)
    if timestamp is None or not candidates:
        raise SignatureError("malformed signature header")
    if abs(now - timestamp) > tolerance:
        raise SignatureError("signature timestamp outside the tolerance")
    expected = sign(secret, body, timestamp).rpartition("v1=")[2]
    if not any(hmac.compare_digest(expected, c) for c in candidates):
        raise SignatureError("signature does not match")
    return timestamp
