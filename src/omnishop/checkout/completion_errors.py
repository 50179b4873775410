"""Errors of cart completion, with stable codes (they become problem details in the API)."""

from __future__ import annotations

import uuid
from typing import ClassVar

from omnishop.kernel.errors import Conflict, DomainError


class CartNotReady(Conflict):
    """Something the checkout needs is missing: lines, contact or delivery."""

    code: ClassVar[str] = "cart_not_ready"
    title: ClassVar[str] = "The cart cannot be completed yet"


class CheckoutInProgress(Conflict):
    """Another completion of the same cart is running (or its payment is being confirmed)."""

    code: ClassVar[str] = "checkout_in_progress"
    title: ClassVar[str] = "Checkout already in progress"


class PriceChanged(Conflict):
    """A line's price is no longer the one the buyer saw: never charged silently."""

    code: ClassVar[str] = "price_changed"
    title: ClassVar[str] = "A price has changed"

    def __init__(
        self, line_id: uuid.UUID, sku: str, seen: int, now: int | None, index: int
    ) -> None:
        detail = (
            f"{sku} is no longer sold in this channel"
            if now is None
            else f"the price of {sku} changed from {seen} to {now} (minor units)"
        )
        super().__init__(
            detail, field=f"lines[{index}]", line_id=str(line_id), seen=seen, current=now
        )


class PaymentDeclined(DomainError):
    """The provider refused the payment; the cart is open again for another try."""

    code: ClassVar[str] = "payment_declined"
    status: ClassVar[int] = 402
    title: ClassVar[str] = "Payment declined"

    def __init__(self, reason: str, message: str | None = None) -> None:
        super().__init__(message or reason.replace("_", " "), field="payment", reason=reason)


class PromotionChanged(Conflict):
    """A promotion the buyer was shown no longer applies (it ended, or the cart no longer
    qualifies): the higher total is never charged silently."""

    code: ClassVar[str] = "promotion_changed"
    title: ClassVar[str] = "A promotion no longer applies"

    def __init__(self, promotion_ids: list[str], names: list[str]) -> None:
        super().__init__(
            f"no longer applies: {', '.join(names) or 'a promotion'}; review the cart",
            field="promotions",
            promotion_ids=promotion_ids,
        )
