"""Tables of returns and exchanges: a return request of an order (asked in any channel), its
lines, and the one refund record each return may have (so money goes back exactly once)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from omnishop.kernel.db import Base, IdMixin, TimestampMixin


class ReturnRequest(IdMixin, TimestampMixin, Base):
    """requested → approved | rejected → received → refunded | credited → closed."""

    __tablename__ = "order_returns"
    # The order's row lock serialises requests, the constraint numbers them once.
    __table_args__ = (UniqueConstraint("order_id", "sequence"),)

    # R-<order number>-<sequence>, e.g. R-WEB-000042-1
    number: Mapped[str] = mapped_column(String(40), unique=True)
    order_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("orders.id", ondelete="CASCADE"), index=True
    )
    sequence: Mapped[int]
    # Where the customer asked: web, telegram, a store counter, staff...
    requested_channel_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("channels.id"), index=True)
    customer_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    reason: Mapped[str | None] = mapped_column(String(500))
    # drop_off (at a store: drop_off_location_id) | ship (a carrier label placeholder)
    method: Mapped[str] = mapped_column(String(20))
    drop_off_location_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("locations.id"))
    label_carrier: Mapped[str | None] = mapped_column(String(60))
    label_tracking_number: Mapped[str | None] = mapped_column(String(100), index=True)
    # original (the order's payment) | store_credit (loyalty credits the customer)
    refund_to: Mapped[str] = mapped_column(String(20))
    # customer:<id> | order-token | apikey:<id> | staff:<id>
    created_by: Mapped[str] = mapped_column(String(100))
    currency: Mapped[str] = mapped_column(String(3))
    # What goes back for the returned lines, and the shipping when this return makes the
    # order fully returned (set at request, fixed once received).
    lines_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    shipping_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    # Replacement value minus returned value of exchange lines: > 0 the customer pays it,
    # < 0 it is refunded.
    exchange_difference: Mapped[int] = mapped_column(BigInteger, default=0)
    rejection_reason: Mapped[str | None] = mapped_column(String(500))
    decided_by: Mapped[str | None] = mapped_column(String(100))
    approved_at: Mapped[datetime | None]
    rejected_at: Mapped[datetime | None]
    received_at: Mapped[datetime | None]
    refunded_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]


class ReturnLine(IdMixin, Base):
    __tablename__ = "order_return_lines"
    __table_args__ = (UniqueConstraint("return_id", "order_line_id"),)

    return_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("order_returns.id", ondelete="CASCADE"), index=True
    )
    order_line_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("order_lines.id"), index=True)
    variant_id: Mapped[uuid.UUID]
    quantity: Mapped[int]
    reason_code: Mapped[str] = mapped_column(String(30))
    # The line's paid share for these units (minor units).
    amount: Mapped[int] = mapped_column(BigInteger)
    # After inspection: resellable (restocked at restock_location_id) | damaged (written off)
    condition: Mapped[str | None] = mapped_column(String(20))
    restock_location_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("locations.id"))
    written_off: Mapped[bool] = mapped_column(default=False)
    # An exchange: the variant given instead of money, its unit price and the cart-less hold
    # (an inventory reservation) keeping it until the return is settled.
    exchange_variant_id: Mapped[uuid.UUID | None]
    exchange_unit_amount: Mapped[int | None] = mapped_column(BigInteger)
    exchange_hold_id: Mapped[uuid.UUID | None]


class ReturnRefund(IdMixin, TimestampMixin, Base):
    """The money of one return, recorded once: ``return_id`` is unique, and the payment
    refund key is derived from it, so a retried refund never pays twice."""

    __tablename__ = "order_return_refunds"

    return_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("order_returns.id", ondelete="CASCADE"), unique=True
    )
    order_id: Mapped[uuid.UUID] = mapped_column(index=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    # payment (refunded through its provider: a card, or cash/card_present at a POS) | cash
    # (handed back at the counter for cash on delivery / pay at pickup) | store_credit | none
    kind: Mapped[str] = mapped_column(String(20))
    payment_id: Mapped[uuid.UUID | None]
    # The payments domain's refund (payments.models.Refund.id) and the key it was asked with.
    payment_refund_id: Mapped[uuid.UUID | None]
    key: Mapped[str] = mapped_column(String(200))
    # A refused refund may be tried again: each attempt asks the PSP with its own key.
    attempt: Mapped[int] = mapped_column(default=1)
    # pending (the PSP is being asked) | succeeded | failed
    status: Mapped[str] = mapped_column(String(20), default="pending")
    failure: Mapped[str | None] = mapped_column(String(500))
    # An exchange that costs more: the new payment that took the difference.
    charge_payment_id: Mapped[uuid.UUID | None]
