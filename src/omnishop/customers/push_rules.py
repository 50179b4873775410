"""Pure rules of web push: which subscriptions are acceptable, what a push service's answer
means, and the key that makes a notification idempotent. No I/O."""

from __future__ import annotations

import base64
import binascii
import ipaddress
from enum import StrEnum
from urllib.parse import urlsplit

MAX_ENDPOINT = 1000
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


class Outcome(StrEnum):
    SENT = "sent"
    GONE = "gone"  # the subscription expired or was withdrawn: delete it
    FAILED = "failed"  # try again on the next event; keep the subscription


def b64url_decode(value: str) -> bytes:
    """Decode base64url with or without padding (browsers send it unpadded)."""
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def endpoint_problem(endpoint: str, *, allow_http_localhost: bool = False) -> str | None:
    """Why ``endpoint`` is not a push service URL we will POST to, or ``None`` when it is.

    Browsers only hand out https endpoints of their push service; anything else (plain http,
    bare IP literals of private ranges) could make the server a relay to internal hosts."""
    if not endpoint or len(endpoint) > MAX_ENDPOINT:
        return "endpoint must be 1-1000 characters"
    parts = urlsplit(endpoint)
    host = (parts.hostname or "").lower()
    if not host:
        return "endpoint has no host"
    if parts.scheme == "http" and allow_http_localhost and host in LOCAL_HOSTS:
        return None
    if parts.scheme != "https":
        return "endpoint must be an https URL"
    if host in LOCAL_HOSTS:
        return "endpoint must not be a local address"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    if not address.is_global:
        return "endpoint must not be a private address"
    return None


def keys_problem(p256dh: str, auth: str) -> str | None:
    """Why the subscription's keys are unusable: p256dh is an uncompressed P-256 point
    (65 bytes, 0x04 first), auth a 16-byte secret; both base64url."""
    try:
        point = b64url_decode(p256dh)
        secret = b64url_decode(auth)
    except (binascii.Error, ValueError):
        return "keys must be base64url"
    if len(point) != 65 or point[0] != 4:
        return "p256dh must be an uncompressed P-256 public key"
    if len(secret) != 16:
        return "auth must be 16 bytes"
    return None


def outcome_of(status: int | None) -> Outcome:
    """A push service's HTTP status: 2xx sent; 404/410 the subscription is gone (RFC 8030
    §7.3); anything else (429, 5xx, no answer) a failure worth another try later."""
    if status is not None and 200 <= status < 300:
        return Outcome.SENT
    if status in (404, 410):
        return Outcome.GONE
    return Outcome.FAILED


def delivery_key(topic: str, order_id: str, detail: str | None = None) -> str:
    """Identifies one notification: the same event delivered twice pushes once."""
    key = f"{topic}:{order_id}"
    return f"{key}:{detail}" if detail else key
