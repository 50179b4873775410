"""Who is chatting: a signed token names the webchat sender.

An anonymous visitor gets a random id from the server (``v-…``), a signed-in storefront
customer one derived from their customer id (``c-…``, so every device of theirs opens the same
thread). The token is the id plus an HMAC under the shop's secret: a visitor cannot forge
another's id, and nothing is stored until the first message.
"""

from __future__ import annotations

import re
import secrets
import uuid

from omnishop.kernel.security import constant_time_equals, hmac_sha256_hex

_SENDER = re.compile(r"^(v-[A-Za-z0-9_-]{22}|c-[0-9a-f]{32})$")


def _mac(secret: str, sender_id: str) -> str:
    return hmac_sha256_hex(secret.encode(), f"omnishop.webchat:{sender_id}".encode())[:32]


def visitor_sender() -> str:
    return "v-" + secrets.token_urlsafe(16)[:22]


def customer_sender(customer_id: uuid.UUID) -> str:
    return "c-" + customer_id.hex


def customer_of(sender_id: str) -> uuid.UUID | None:
    """The storefront customer a ``c-…`` sender stands for."""
    return uuid.UUID(sender_id[2:]) if sender_id.startswith("c-") else None


def issue(secret: str, sender_id: str) -> str:
    return f"{sender_id}.{_mac(secret, sender_id)}"


def read(secret: str, token: str | None) -> str | None:
    """The sender id a token carries, or None when it is missing, malformed or forged."""
    if not token or len(token) > 100 or "." not in token:
        return None
    sender_id, mac = token.rsplit(".", 1)
    if not _SENDER.match(sender_id):
        return None
    return sender_id if constant_time_equals(mac, _mac(secret, sender_id)) else None
