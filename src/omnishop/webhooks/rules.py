"""Webhook rules with no I/O: signing and verifying bodies, the retry schedule, endpoint URLs.

Signature header (like Stripe's): ``Omnishop-Signature: t=<unix>,v1=<hex>`` where ``<hex>`` is
HMAC-SHA256(secret, f"{t}.{body}"). The timestamp is inside the signed text, so a captured
request cannot be replayed later than the receiver's tolerance. While a rotated secret is
still honoured, the header carries one ``v1`` per secret and any match is enough.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from datetime import timedelta
from urllib.parse import urlsplit

from omnishop.kernel import ids
from omnishop.kernel.security import constant_time_equals, hmac_sha256_hex

SIGNATURE_HEADER = "Omnishop-Signature"
EVENT_ID_HEADER = "Omnishop-Event-Id"
EVENT_TYPE_HEADER = "Omnishop-Event-Type"
SECRET_PREFIX = "whsec_"  # noqa: S105 (a prefix, not a secret)
DEFAULT_TOLERANCE = timedelta(minutes=5)

# Retry schedule: 1, 2, 4, ... minutes, capped at an hour, then dead after MAX_ATTEMPTS.
# 6 doubling steps (63 min) + 23 hourly ones put the last try more than 24 h after the first.
FIRST_DELAY = timedelta(minutes=1)
MAX_DELAY = timedelta(hours=1)
MAX_ATTEMPTS = 30
JITTER = 0.1  # up to +10%: spreads a burst of retries without ever shortening the schedule

# An endpoint whose deliveries have all failed for this long is switched off.
DISABLE_AFTER = timedelta(hours=24)
ROTATED_SECRET_GRACE = timedelta(hours=24)
MAX_URL_LENGTH = 2000
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def new_secret() -> str:
    """A signing secret shown to the merchant once (at creation and on rotation)."""
    return SECRET_PREFIX + ids.new_token(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """Hex HMAC-SHA256 of ``f"{timestamp}.{body}"`` under ``secret``."""
    return hmac_sha256_hex(secret.encode(), str(timestamp).encode() + b"." + body)


def sign(secrets_: Iterable[str], timestamp: int, body: bytes) -> str:
    """The signature header value: ``t=<unix>,v1=<hex>[,v1=<hex>...]``, one per secret."""
    parts = [f"t={timestamp}"]
    parts += [f"v1={signature(secret, timestamp, body)}" for secret in secrets_]
    return ",".join(parts)


def parse_header(header: str) -> tuple[int, list[str]] | None:
    """``(timestamp, [v1 signatures])`` from a header, or ``None`` if it is malformed."""
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            return None
        if key == "t":
            if not value.isdigit():
                return None
            timestamp = int(value)
        elif key == "v1":
            signatures.append(value)
    if timestamp is None or not signatures:
        return None
    return timestamp, signatures


def verify(
    secret: str,
    header: str,
    body: bytes,
    *,
    now: int,
    tolerance: timedelta = DEFAULT_TOLERANCE,
) -> bool:
    """True if ``header`` signs ``body`` with ``secret`` and its timestamp is within
    ``tolerance`` of ``now`` (unix seconds) either way. For receivers, and for our tests."""
    parsed = parse_header(header)
    if parsed is None:
        return False
    timestamp, signatures = parsed
    if abs(now - timestamp) > tolerance.total_seconds():
        return False
    expected = signature(secret, timestamp, body)
    # Compare against every candidate without stopping early (constant time per candidate).
    return any([constant_time_equals(expected, candidate) for candidate in signatures])


def retry_delay(attempts: int, jitter: float = 0.0) -> timedelta | None:
    """How long to wait after the ``attempts``-th failed try, or ``None``: give up (dead).

    ``jitter`` in [0, 1) (a random draw by the caller) lengthens the wait by up to 10%.
    """
    if attempts < 1:
        raise ValueError("attempts counts tries made, starting at 1")
    if attempts >= MAX_ATTEMPTS:
        return None
    base = min(FIRST_DELAY * (1 << min(attempts - 1, 30)), MAX_DELAY)
    return base * (1 + JITTER * min(max(jitter, 0.0), 1.0))


def schedule() -> list[timedelta]:
    """The waits between tries without jitter (``MAX_ATTEMPTS - 1`` of them)."""
    return [delay for n in range(1, MAX_ATTEMPTS) if (delay := retry_delay(n)) is not None]


def succeeded(status_code: int | None) -> bool:
    """Only a 2xx answer counts as delivered (a redirect is not followed: it is a failure)."""
    return status_code is not None and 200 <= status_code < 300


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot be an endpoint, or ``None`` if it can.

    HTTPS only; plain HTTP only for this machine (localhost, 127.0.0.1, ::1), for development.
    """
    if len(url) > MAX_URL_LENGTH:
        return f"the URL is longer than {MAX_URL_LENGTH} characters"
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        return "the URL contains spaces or control characters"
    try:
        parts = urlsplit(url)
        host = parts.hostname
        _ = parts.port  # raises on a bad port
    except ValueError:
        return "the URL is malformed"
    if parts.scheme not in ("https", "http") or not host:
        return "the URL must be an absolute https:// URL"
    if parts.username is not None or parts.password is not None:
        return "credentials in the URL are not allowed; the signature authenticates us"
    if parts.fragment:
        return "the URL must not have a #fragment"
    if parts.scheme == "http" and not _is_local(host):
        return "plain http:// is only allowed for localhost; use https://"
    return None


def _is_local(host: str) -> bool:
    if host.lower() in LOCAL_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def excerpt(text: str, limit: int = 500) -> str:
    """The start of a response body kept with an attempt (at most ``limit`` characters)."""
    return text[:limit]
