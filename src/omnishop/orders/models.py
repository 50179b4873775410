"""Tables of the orders domain: orders and their lines, where their stock is allocated,
numbering per channel, shipments with tracking, and the status history."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from omnishop.kernel import clock
from omnishop.kernel.db import Base, IdMixin, TimestampMixin


class Order(IdMixin, TimestampMixin, Base):
    __tablename__ = "orders"
    __table_args__ = (Index("ix_orders_placed_at_id", "placed_at", "id"),)

    number: Mapped[str] = mapped_column(String(20), unique=True)
    channel_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("channels.id"), index=True)
    customer_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), index=True
    )
    # A cart becomes at most one order: this constraint is the last guard against a double
    # completion. No foreign key: carts belong to checkout, a layer above.
    cart_id: Mapped[uuid.UUID] = mapped_column(unique=True)
    # The buyer's capability for the status page (kernel.ids.new_token).
    token: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    phone: Mapped[str | None] = mapped_column(String(20))
    locale: Mapped[str] = mapped_column(String(5))
    status: Mapped[str] = mapped_column(String(20), index=True)
    payment_status: Mapped[str] = mapped_column(String(20), index=True)
    payment_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    payment_method: Mapped[str] = mapped_column(String(20))
    currency: Mapped[str] = mapped_column(String(3))
    subtotal: Mapped[int] = mapped_column(BigInteger)
    shipping_amount: Mapped[int] = mapped_column(BigInteger)
    total: Mapped[int] = mapped_column(BigInteger)
    # total = subtotal - discount + shipping + tax (when not included) + duty - points.
    discount_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    tax_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    tax_included: Mapped[bool] = mapped_column(default=False)
    duty_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    points_spent: Mapped[int] = mapped_column(BigInteger, default=0)
    points_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    # The promotions and vouchers that made the discount: [{"kind", "promotion_id", "name",
    # "amount", "reason", "code"}]
    adjustments: Mapped[list[Any]] = mapped_column(default=list)
    delivery: Mapped[dict[str, Any]] = mapped_column(default=dict)
    placed_at: Mapped[datetime] = mapped_column(default=clock.now)
    delivered_at: Mapped[datetime | None]
    canceled_at: Mapped[datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(String(500))


class OrderLine(IdMixin, Base):
    __tablename__ = "order_lines"

    order_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("orders.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    variant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("variants.id"), index=True)
    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(300))
    quantity: Mapped[int]
    unit_amount: Mapped[int] = mapped_column(BigInteger)
    total: Mapped[int] = mapped_column(BigInteger)
    # The line's share of the order's discounts and its tax: paid = total - discount_amount
    # (+ tax_amount when the order's tax is not included).
    discount_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    tax_amount: Mapped[int] = mapped_column(BigInteger, default=0)


class Allocation(IdMixin, Base):
    """Units of a line committed at one location (from one cart hold)."""

    __tablename__ = "order_allocations"

    order_line_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("order_lines.id", ondelete="CASCADE"), index=True
    )
    location_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("locations.id"))
    quantity: Mapped[int]
    shipped: Mapped[int] = mapped_column(default=0)
    # Units returned to sale by a cancellation (never shipped).
    released: Mapped[int] = mapped_column(default=0)
    reservation_id: Mapped[uuid.UUID | None]


class OrderSequence(Base):
    """The last order number used per channel (one row, incremented by one UPDATE)."""

    __tablename__ = "order_sequences"

    channel_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("channels.id", ondelete="CASCADE"), primary_key=True
    )
    last: Mapped[int] = mapped_column(BigInteger, default=0)


class Shipment(IdMixin, TimestampMixin, Base):
    __tablename__ = "shipments"

    order_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("orders.id", ondelete="CASCADE"), index=True
    )
    location_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("locations.id"))
    # "shipping" (a carrier takes it) or "pickup" (the buyer collects it at the location).
    kind: Mapped[str] = mapped_column(String(20), default="shipping")
    carrier: Mapped[str | None] = mapped_column(String(60))
    tracking_number: Mapped[str | None] = mapped_column(String(100), index=True)
    status: Mapped[str] = mapped_column(String(30))
    # [{"order_line_id": "...", "quantity": 2}]
    lines: Mapped[list[Any]] = mapped_column(default=list)
    shipped_at: Mapped[datetime] = mapped_column(default=clock.now)
    delivered_at: Mapped[datetime | None]


class TrackingEvent(IdMixin, Base):
    __tablename__ = "tracking_events"
    # The carrier's event id: a re-delivered event is recognised and changes nothing.
    __table_args__ = (UniqueConstraint("shipment_id", "external_id"),)

    shipment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("shipments.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(30))
    description: Mapped[str | None] = mapped_column(String(500))
    location: Mapped[str | None] = mapped_column(String(200))
    occurred_at: Mapped[datetime]
    external_id: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class OrderHistory(IdMixin, Base):
    __tablename__ = "order_history"

    order_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("orders.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=clock.now)
