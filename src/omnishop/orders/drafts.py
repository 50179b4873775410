"""What checkout hands to ``orders.service.place``: a priced, held, paid-for cart."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class DraftLine:
    variant_id: uuid.UUID
    sku: str
    name: str
    quantity: int
    unit_amount: int  # minor units, the price the buyer saw and agreed to
    # The cart holds behind this line; placing the order commits each at its location.
    hold_ids: tuple[uuid.UUID, ...]
    # This line's share of the order's discounts, and its tax (checkout.totals): a return
    # refunds what the buyer actually paid for a unit.
    discount_amount: int = 0
    tax_amount: int = 0


@dataclass(frozen=True)
class OrderDraft:
    channel_id: uuid.UUID
    cart_id: uuid.UUID  # unique per order: a cart becomes at most one order
    currency: str
    lines: tuple[DraftLine, ...]
    shipping_amount: int
    email: str | None
    phone: str | None
    customer_id: uuid.UUID | None
    # {"kind": "shipping"|"pickup", "method": code, "name": ..., "pickup_location_id": ...,
    #  "address": {...}, "estimate": {"min_days": 1, "max_days": 3}}
    delivery: dict[str, Any]
    payment_id: uuid.UUID | None
    payment_method: str  # card, wallet, sbp, cod, pay_at_pickup
    locale: str = "ru"
    extra: dict[str, Any] = field(default_factory=dict)
    # The id the order gets, when the caller picks it up front (checkout can then mark the cart
    # with it in the statement that completes the cart); a new one by default.
    order_id: uuid.UUID | None = None
    # Totals beyond subtotal + shipping (checkout.totals.CartTotals); shipping_amount is what
    # the buyer pays for delivery, after free-shipping rewards.
    discount_amount: int = 0  # the sum of the lines' discount_amount
    tax_amount: int = 0
    tax_included: bool = False  # tax is inside the prices (EU, RU, GE) or added (US)
    duty_amount: int = 0
    points_spent: int = 0
    points_amount: int = 0
    # [{"kind": "promotion", "promotion_id", "name", "amount", "reason", "code"}, ...]
    adjustments: tuple[dict[str, Any], ...] = ()
