"""Pure rules of click & collect: the pickup code, how many wrong tries a code survives, when
an uncollected order expires, and what a hand-over attempt decides. No I/O."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from hashlib import sha256
from typing import ClassVar

from omnishop.kernel.errors import Conflict, DomainError, ValidationFailed

CODE_DIGITS = 6
# Wrong codes a pickup survives; the next one locks it until staff issue a new code. With
# 10**6 codes, 5 guesses succeed with probability 5e-6.
MAX_ATTEMPTS = 5
DEFAULT_HOLD_DAYS = 7
QR_PREFIX = "OMNISHOP-PICKUP"


class PickupStatus(StrEnum):
    READY = "ready"  # waiting at the location
    COLLECTED = "collected"  # handed over
    EXPIRED = "expired"  # not collected in time: the order was canceled


class PickupCodeWrong(ValidationFailed):
    code: ClassVar[str] = "pickup_code_wrong"
    title: ClassVar[str] = "The pickup code is not right"


class PickupLocked(DomainError):
    code: ClassVar[str] = "pickup_locked"
    status: ClassVar[int] = 423
    title: ClassVar[str] = "Too many wrong pickup codes"


class NotAPickupOrder(Conflict):
    code: ClassVar[str] = "not_a_pickup_order"
    title: ClassVar[str] = "The order is not collected at a location"


class PickupNotReady(Conflict):
    code: ClassVar[str] = "pickup_not_ready"
    title: ClassVar[str] = "The order is not waiting for pickup"


def pickup_code(secret: str, order_id: str, salt: str) -> str:
    """The 6-digit code of a pickup: derived from the shop's secret, the order and a random
    salt, so the database alone never reveals a code and a new salt gives a new code."""
    digest = hmac.new(secret.encode(), f"pickup:{order_id}:{salt}".encode(), sha256).digest()
    return f"{int.from_bytes(digest[:8], 'big') % 10**CODE_DIGITS:0{CODE_DIGITS}d}"


def normalize_code(raw: str) -> str:
    """What staff typed or scanned: digits only (spaces and dashes dropped); a scanned QR
    payload ``OMNISHOP-PICKUP:<number>:<code>`` gives its code."""
    text = raw.strip()
    if text.upper().startswith(QR_PREFIX + ":"):
        text = text.rsplit(":", 1)[-1]
    digits = "".join(ch for ch in text if ch not in " -")
    if len(digits) != CODE_DIGITS or not digits.isdigit():
        raise ValidationFailed(f"a pickup code is {CODE_DIGITS} digits", field="code")
    return digits


def qr_payload(order_number: str, code: str) -> str:
    """What the customer's QR code says: the order and its code, for the counter's scanner."""
    return f"{QR_PREFIX}:{order_number}:{code}"


def expires_at(ready_at: datetime, hold_days: int) -> datetime:
    """When a pickup that became ready at ``ready_at`` is given up if nobody collects it."""
    if hold_days <= 0:
        raise ValueError("a pickup is held at least one day")
    return ready_at + timedelta(days=hold_days)


def is_expired(status: str, expires: datetime, now: datetime) -> bool:
    return status == PickupStatus.READY and expires <= now


@dataclass(frozen=True)
class Attempt:
    """What a hand-over attempt decides: ``ok`` hands over; otherwise ``attempts`` is the new
    count of wrong codes and ``locked`` says whether this one locked the pickup."""

    ok: bool
    attempts: int
    locked: bool

    @property
    def left(self) -> int:
        return max(MAX_ATTEMPTS - self.attempts, 0)


def check_attempt(status: str, attempts: int, locked: bool, expected: str, given: str) -> Attempt:
    """Decide a hand-over: only a ready, unlocked pickup is handed over, and only with its
    code (compared in constant time). A wrong code counts; the MAX_ATTEMPTS-th locks."""
    if status != PickupStatus.READY:
        raise PickupNotReady(f"the pickup is {status}", field="order_id", pickup_status=status)
    if locked or attempts >= MAX_ATTEMPTS:
        raise PickupLocked(
            "too many wrong codes: issue a new code (mark the order ready again)",
            field="code",
        )
    if hmac.compare_digest(expected.encode(), given.encode()):
        return Attempt(ok=True, attempts=attempts, locked=False)
    count = attempts + 1
    return Attempt(ok=False, attempts=count, locked=count >= MAX_ATTEMPTS)
