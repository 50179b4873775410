"""Twilio signs the full URL it posted to plus the sorted form fields (HMAC-SHA1, base64):
checked with twilio's own RequestValidator against our public URL (behind a proxy the
request's own URL is not what Twilio saw)."""

from __future__ import annotations

from collections.abc import Mapping

from twilio.request_validator import RequestValidator

from omnishop.messaging.common import BadSignature

HEADER = "X-Twilio-Signature"


def verify(url: str, form: Mapping[str, str], header: str | None, *, auth_token: str) -> None:
    """Forbidden (403) unless ``X-Twilio-Signature`` signs this URL and these fields."""
    if not auth_token or not header:
        raise BadSignature("missing X-Twilio-Signature")
    if not RequestValidator(auth_token).validate(url, dict(form), header):
        raise BadSignature("X-Twilio-Signature does not match")
