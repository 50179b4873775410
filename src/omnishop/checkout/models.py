"""Carts and their lines. Shipping zones and methods live here too (checkout owns delivery)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from omnishop.kernel import clock
from omnishop.kernel.db import Base, IdMixin, TimestampMixin


class CartState(StrEnum):
    OPEN = "open"
    # A completion owns the cart (set by one conditional UPDATE, so two completions of one
    # cart can never both proceed); it ends as completed, awaiting_payment or open again.
    COMPLETING = "completing"
    # The payment asked the buyer to act (3-D Secure, a bank app); the cart is frozen meanwhile.
    AWAITING_PAYMENT = "awaiting_payment"
    COMPLETED = "completed"
    ABANDONED = "abandoned"


class Cart(IdMixin, TimestampMixin, Base):
    __tablename__ = "carts"

    # The cart's address for the client: unguessable (kernel.ids.new_token).
    token: Mapped[str] = mapped_column(String(64), unique=True)
    channel_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("channels.id"), index=True)
    customer_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), index=True
    )
    currency: Mapped[str] = mapped_column(String(3))
    locale: Mapped[str] = mapped_column(String(5))
    state: Mapped[str] = mapped_column(String(20), default=CartState.OPEN, index=True)
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(20))
    # {"recipient", "phone", "country", "region", "city", "postcode", "line1", "line2",
    #  "latitude", "longitude"}
    shipping_address: Mapped[dict[str, Any] | None]
    # The chosen delivery option with its price snapshot: {"kind": "shipping"|"pickup",
    # "method": code, "name", "amount", "currency", "pickup_location_id", "estimate": {...}}
    delivery: Mapped[dict[str, Any] | None]
    # Set while/after a completion: the payment attempt and, once placed, the order.
    payment_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    order_id: Mapped[uuid.UUID | None] = mapped_column(unique=True)
    completing_since: Mapped[datetime | None]
    last_activity_at: Mapped[datetime] = mapped_column(default=clock.now, index=True)
    # Voucher codes the buyer entered (normalised upper-case), in the order entered.
    voucher_codes: Mapped[list[Any]] = mapped_column(default=list)
    # Promotion ids the buyer was last shown as applied (set on every cart change): a
    # completion that would lose one refuses instead of charging more silently.
    promotions_seen: Mapped[list[Any]] = mapped_column(default=list)
    # checkout.totals.CartTotals.as_json() the payment was created for; the order is placed
    # from it, so a slow payment confirmation never meets another price.
    totals_snapshot: Mapped[dict[str, Any] | None]
    # Gift items promotions add at zero price, each with its held unit (checkout.gifts).
    gifts: Mapped[list[Any]] = mapped_column(default=list)
    # Cross-border: "ddp" (the buyer pays duties and import VAT at checkout) or "dap" (the
    # carrier collects them on delivery; the cart shows them as an estimate).
    duties_mode: Mapped[str] = mapped_column(String(3), default="ddp", server_default="ddp")


class CartLine(IdMixin, Base):
    __tablename__ = "cart_lines"
    __table_args__ = (Index("ix_cart_lines_cart_variant", "cart_id", "variant_id", unique=True),)

    cart_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("carts.id", ondelete="CASCADE"))
    variant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("variants.id"))
    quantity: Mapped[int]
    # The price the buyer was shown when adding the line, in the cart's currency (minor
    # units). Completion re-checks it against the current price and refuses on a change.
    unit_amount: Mapped[int]
    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(300))
    # The inventory reservations behind this line (a line may be split over locations).
    hold_ids: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class ShippingZone(IdMixin, TimestampMixin, Base):
    """Where a set of shipping methods delivers: countries, optionally narrowed to regions and
    postcodes (a prefix "101" or a range "101000-101999")."""

    __tablename__ = "shipping_zones"

    name: Mapped[str] = mapped_column(String(120))
    countries: Mapped[list[Any]] = mapped_column(default=list)
    regions: Mapped[list[Any]] = mapped_column(default=list)
    postcodes: Mapped[list[Any]] = mapped_column(default=list)
    active: Mapped[bool] = mapped_column(default=True)


class ShippingMethod(IdMixin, TimestampMixin, Base):
    """A way to ship into a zone and its rate: flat, or tiers by weight (grams) or by order
    value (minor units of ``currency``), free above ``free_over``."""

    __tablename__ = "shipping_methods"

    zone_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("shipping_zones.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(60), unique=True)
    # {"ru": "Курьер по Москве", "en": "Moscow courier"}
    names: Mapped[dict[str, Any]] = mapped_column(default=dict)
    carrier: Mapped[str | None] = mapped_column(String(60))
    rate_kind: Mapped[str] = mapped_column(String(10), default="flat")
    currency: Mapped[str] = mapped_column(String(3))
    # [{"up_to": 1000, "amount": 30000}, {"up_to": null, "amount": 50000}]
    tiers: Mapped[list[Any]] = mapped_column(default=list)
    free_over: Mapped[int | None] = mapped_column(BigInteger)
    min_days: Mapped[int] = mapped_column(default=1)
    max_days: Mapped[int] = mapped_column(default=3)
    active: Mapped[bool] = mapped_column(default=True)
    # Channel codes the method is offered in; empty: every channel.
    channels: Mapped[list[Any]] = mapped_column(default=list)
    position: Mapped[int] = mapped_column(default=0)
