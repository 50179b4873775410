"""Pure payment rules: the status machine, card-number (PAN) detection, amounts arithmetic."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import ClassVar

from omnishop.kernel.errors import Conflict, ValidationFailed


class Status(StrEnum):
    PENDING = "pending"
    REQUIRES_ACTION = "requires_action"
    AUTHORIZED = "authorized"
    CAPTURED = "captured"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"
    FAILED = "failed"
    CANCELED = "canceled"


class Method(StrEnum):
    CARD = "card"
    WALLET = "wallet"
    SBP = "sbp"
    COD = "cod"
    PAY_AT_PICKUP = "pay_at_pickup"
    # Taken in person at a store counter (an in-store sale): captured at once, no PSP.
    CASH = "cash"
    CARD_PRESENT = "card_present"
    # Collected by Telegram Payments inside a Telegram chat (payments.telegram): captured at
    # once, no PSP call of ours. Never offered to the public checkout.
    TELEGRAM = "telegram"


# Methods paid to a person at the door or the counter: no PSP call, the order is placed while
# the payment is still pending and staff mark it collected.
OFFLINE = frozenset({Method.COD, Method.PAY_AT_PICKUP})
# Methods of an in-store sale: the cashier took the money, so the payment is captured at once
# by the ``in_person`` provider (payments.in_person). Never offered to online buyers.
IN_PERSON = frozenset({Method.CASH, Method.CARD_PRESENT})
IN_PERSON_PROVIDER = "in_person"
# Channel kinds with a counter where money is taken in person.
COUNTER_CHANNELS = frozenset({"store", "pos"})
# Money Telegram Payments already took in a Telegram bot's chat; only in telegram channels.
TELEGRAM_PROVIDER = "telegram"
TELEGRAM_CHANNELS = frozenset({"telegram"})
# Methods whose buyer needs no e-mail or phone on the cart: met at a counter, or reachable in
# the chat the payment was made in.
NO_CONTACT_NEEDED = frozenset({Method.CASH, Method.CARD_PRESENT, Method.TELEGRAM})
# Methods that need a PSP token from the tokenisation endpoint or the wallet sheet.
TOKENISED = frozenset({Method.CARD, Method.WALLET})

TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.PENDING: frozenset(
        {
            Status.REQUIRES_ACTION,
            Status.AUTHORIZED,
            # An offline payment collected at the door, or a PSP that captures at once.
            Status.CAPTURED,
            Status.FAILED,
            Status.CANCELED,
        }
    ),
    Status.REQUIRES_ACTION: frozenset(
        {Status.AUTHORIZED, Status.CAPTURED, Status.FAILED, Status.CANCELED}
    ),
    Status.AUTHORIZED: frozenset({Status.CAPTURED, Status.CANCELED}),
    Status.CAPTURED: frozenset({Status.PARTIALLY_REFUNDED, Status.REFUNDED}),
    Status.PARTIALLY_REFUNDED: frozenset({Status.PARTIALLY_REFUNDED, Status.REFUNDED}),
    Status.REFUNDED: frozenset(),
    Status.FAILED: frozenset(),
    Status.CANCELED: frozenset(),
}
TERMINAL = frozenset(s for s, targets in TRANSITIONS.items() if not targets)
# Statuses in which money may still move or an order may still need placing.
OPEN = frozenset({Status.PENDING, Status.REQUIRES_ACTION, Status.AUTHORIZED, Status.CAPTURED})


class InvalidPaymentTransition(Conflict):
    code: ClassVar[str] = "invalid_payment_transition"
    title: ClassVar[str] = "Payment cannot change that way"


class CardNumberNotAccepted(ValidationFailed):
    code: ClassVar[str] = "card_number_not_accepted"
    title: ClassVar[str] = "Card numbers are not accepted"

    def __init__(self, *, field: str | None = None) -> None:
        super().__init__("send a token from the payment provider, never a card number", field=field)


def transition(current: str, target: str) -> Status:
    """The target status when the machine allows ``current -> target``, else 409."""
    try:
        src, dst = Status(current), Status(target)
    except ValueError as exc:
        raise InvalidPaymentTransition(f"unknown payment status: {exc}") from exc
    if dst not in TRANSITIONS[src]:
        raise InvalidPaymentTransition(
            f"a payment cannot go from {src.value} to {dst.value}",
            current=src.value,
            target=dst.value,
        )
    return dst


def can_transition(current: str, target: str) -> bool:
    try:
        return Status(target) in TRANSITIONS[Status(current)]
    except ValueError:
        return False


def places_order(status: str, method: str) -> bool:
    """Whether a payment in this state lets the order be placed."""
    if status in (Status.AUTHORIZED, Status.CAPTURED):
        return True
    return status == Status.PENDING and method in OFFLINE


_SEPARATORS = re.compile(r"[\s\-]")
# A run of digits (spaces/dashes allowed) standing on its own in text. A run glued to letters
# or digits is part of an identifier (a PSP token's random hex), not a card number.
_DIGITS_RUN = re.compile(r"(?<![A-Za-z0-9])\d[\d \-]{11,}\d(?![A-Za-z0-9])")


def luhn_valid(digits: str) -> bool:
    if not digits.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def looks_like_pan(value: object) -> bool:
    """True when ``value`` is, or contains, what looks like a card number: 13–19 digits after
    stripping spaces and dashes, passing the Luhn check."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return False
    candidates = [value, *_DIGITS_RUN.findall(value)]
    for candidate in candidates:
        digits = _SEPARATORS.sub("", candidate)
        if 13 <= len(digits) <= 19 and luhn_valid(digits):
            return True
    return False


def find_pan(value: object, path: str = "") -> str | None:
    """The path of the first field (keys included) holding a card number, or None."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            here = f"{path}.{key}" if path else str(key)
            if looks_like_pan(key):
                return here
            found = find_pan(item, here)
            if found is not None:
                return found
        return None
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        for index, item in enumerate(value):
            found = find_pan(item, f"{path}[{index}]")
            if found is not None:
                return found
        return None
    return (path or "value") if looks_like_pan(value) else None


def refundable(captured: int, refunded: int) -> int:
    return max(captured - refunded, 0)


def status_after_refund(captured: int, refunded: int) -> Status:
    return Status.REFUNDED if refunded >= captured else Status.PARTIALLY_REFUNDED


# What our record becomes when the PSP reports a charge status (None: no change). The PSP is
# the truth for money; our record only moves forward along the machine.
_SETTLE: dict[str, dict[Status, Status]] = {
    "requires_action": {Status.PENDING: Status.REQUIRES_ACTION},
    "authorized": {Status.PENDING: Status.AUTHORIZED, Status.REQUIRES_ACTION: Status.AUTHORIZED},
    "captured": {
        Status.PENDING: Status.CAPTURED,
        Status.REQUIRES_ACTION: Status.CAPTURED,
        Status.AUTHORIZED: Status.CAPTURED,
    },
    "failed": {Status.PENDING: Status.FAILED, Status.REQUIRES_ACTION: Status.FAILED},
    "canceled": {
        Status.PENDING: Status.CANCELED,
        Status.REQUIRES_ACTION: Status.CANCELED,
        Status.AUTHORIZED: Status.CANCELED,
    },
}
_SETTLE["partially_refunded"] = _SETTLE["refunded"] = _SETTLE["captured"]


def settle(current: str, provider_status: str) -> Status | None:
    """Our next status given the PSP's status of the charge, or None to stay."""
    return _SETTLE.get(provider_status, {}).get(Status(current))


def must_void(current: str, provider_status: str) -> bool:
    """The PSP holds money (or waits for the buyer) on a payment we gave up (failed or
    canceled, e.g. after a timeout or an abandoned checkout): the charge must be voided."""
    return current in (Status.FAILED, Status.CANCELED) and provider_status in (
        "authorized",
        "requires_action",
    )


def provider_for(method: str, default: str) -> str:
    """The provider that takes a payment by ``method``: in-person methods have their own."""
    if method == Method.TELEGRAM:
        return TELEGRAM_PROVIDER
    return IN_PERSON_PROVIDER if method in IN_PERSON else default


def check_in_person(method: str, channel_kind: str | None) -> None:
    """Cash and card-present are taken at a counter: only in a store (or POS) channel."""
    if method in IN_PERSON and channel_kind not in COUNTER_CHANNELS:
        raise ValidationFailed(f"{method} is taken only at a store counter", field="payment.method")


def check_telegram(method: str, channel_kind: str | None) -> None:
    """A Telegram Payments charge belongs to a Telegram bot's channel and nowhere else."""
    if method == Method.TELEGRAM and channel_kind not in TELEGRAM_CHANNELS:
        raise ValidationFailed(
            "telegram payments are taken only in a telegram channel", field="payment.method"
        )
