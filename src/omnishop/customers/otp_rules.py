"""Pure rules of passwordless sign-in: what a destination is, how codes look and expire."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from omnishop.kernel.errors import ValidationFailed
from omnishop.kernel.security import hmac_sha256_hex

CODE_LENGTH = 6
LIFETIME = timedelta(minutes=10)
MAX_ATTEMPTS = 5
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
Kind = Literal["email", "phone"]


@dataclass(frozen=True)
class Destination:
    kind: Kind
    value: str  # normalised: lower-case email, or "+" and digits


def destination(raw: str) -> Destination:
    """An email (lower-cased) or a phone number in international form (``+`` and 8–15
    digits; spaces, dashes, dots and brackets are dropped); else 422 on ``destination``."""
    text = (raw or "").strip()
    if "@" in text:
        email = text.lower()
        if len(email) > 254 or not EMAIL.match(email):
            raise ValidationFailed("not a valid email address", field="destination")
        return Destination("email", email)
    digits = re.sub(r"[\s\-.()]", "", text)
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if not re.fullmatch(r"\+[1-9]\d{7,14}", digits):
        raise ValidationFailed(
            "enter an email or a phone number with its country code", field="destination"
        )
    return Destination("phone", digits)


def new_code() -> str:
    """Six random digits (leading zeros kept)."""
    return f"{secrets.randbelow(10**CODE_LENGTH):0{CODE_LENGTH}d}"


def code_hash(key: str, code_id: str, code: str) -> str:
    """Keyed hash of one code: a leaked table cannot be brute-forced without the key."""
    return hmac_sha256_hex(key.encode(), f"{code_id}:{code}".encode())


def clean_code(raw: str) -> str | None:
    """What the buyer typed, digits only; ``None`` when it cannot be a code."""
    digits = re.sub(r"\s", "", raw or "")
    return digits if re.fullmatch(rf"\d{{{CODE_LENGTH}}}", digits) else None


def usable(*, now: datetime, expires_at: datetime, used_at: datetime | None, attempts: int) -> bool:
    """A code can still be tried: not used, not expired, attempts left."""
    return used_at is None and now < expires_at and attempts < MAX_ATTEMPTS
