"""Tables of the payments domain: payments, every gateway call, refunds, webhook dedupe."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from omnishop.kernel import clock, ids
from omnishop.kernel.db import Base, IdMixin, TimestampMixin


class Payment(IdMixin, TimestampMixin, Base):
    """One attempt to get paid for a cart or an order. ``token`` is the PSP's opaque token,
    never a card number."""

    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint(
            "refunded_amount + refund_pending <= captured_amount", name="refunds_within_capture"
        ),
        Index("ix_payments_unattached", "order_id", "status", "created_at"),
        # A Telegram charge is found by its telegram_payment_charge_id (payments.telegram).
        Index("ix_payments_provider_token", "provider", "token"),
    )

    reference: Mapped[str] = mapped_column(String(200), index=True)
    channel_id: Mapped[uuid.UUID | None]
    customer_id: Mapped[uuid.UUID | None]
    # A plain id, not a foreign key: payments sits below orders in the layers.
    order_id: Mapped[uuid.UUID | None]
    provider: Mapped[str] = mapped_column(String(40), default="sandbox")
    method: Mapped[str] = mapped_column(String(20))
    token: Mapped[str | None] = mapped_column(String(200))
    return_url: Mapped[str | None] = mapped_column(String(2000))
    card_brand: Mapped[str | None] = mapped_column(String(20))
    card_last4: Mapped[str | None] = mapped_column(String(4))
    amount: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    authorized_amount: Mapped[int] = mapped_column(default=0)
    captured_amount: Mapped[int] = mapped_column(default=0)
    refunded_amount: Mapped[int] = mapped_column(default=0)
    # Refunds sent to the PSP but not yet answered: reserved by one conditional UPDATE so two
    # concurrent refunds can never together exceed the captured amount.
    refund_pending: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(30), index=True)
    provider_ref: Mapped[str | None] = mapped_column(String(100), index=True)
    next_action: Mapped[dict[str, Any] | None]
    failure_code: Mapped[str | None] = mapped_column(String(60))
    failure_message: Mapped[str | None] = mapped_column(String(500))


class PaymentAttempt(Base):
    """The log of every gateway call: what we asked, what came back, how long it took."""

    __tablename__ = "payment_attempts"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=ids.new_id)
    payment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("payments.id", ondelete="CASCADE"), index=True
    )
    operation: Mapped[str] = mapped_column(String(20))
    idempotency_key: Mapped[str] = mapped_column(String(200))
    outcome: Mapped[str] = mapped_column(String(30))
    provider_ref: Mapped[str | None] = mapped_column(String(100))
    error: Mapped[str | None] = mapped_column(Text)
    latency_ms: Mapped[int] = mapped_column(default=0)
    at: Mapped[datetime] = mapped_column(default=clock.now)


class Refund(IdMixin, TimestampMixin, Base):
    __tablename__ = "payment_refunds"
    __table_args__ = (
        UniqueConstraint("payment_id", "key"),
        CheckConstraint("amount > 0", name="amount_positive"),
    )

    payment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("payments.id", ondelete="CASCADE"), index=True
    )
    amount: Mapped[int]
    key: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(String(500))
    provider_ref: Mapped[str | None] = mapped_column(String(100))
    # pending (sent, not answered) | succeeded | failed
    status: Mapped[str] = mapped_column(String(20), default="pending")
    failure_code: Mapped[str | None] = mapped_column(String(60))


class ProviderEvent(Base):
    """Webhook notifications already applied, so a redelivery changes nothing."""

    __tablename__ = "payment_provider_events"
    __table_args__ = (UniqueConstraint("provider", "event_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=ids.new_id)
    provider: Mapped[str] = mapped_column(String(40))
    event_id: Mapped[str] = mapped_column(String(100))
    type: Mapped[str] = mapped_column(String(60))
    payment_id: Mapped[uuid.UUID | None]
    received_at: Mapped[datetime] = mapped_column(default=clock.now)


class TelegramRefund(TimestampMixin, Base):
    """Money Telegram Payments took for a chat purchase we could not place (the cart changed
    or was already ordered, or a duplicate charge): staff give it back in the payment
    provider's dashboard and record here who did it, when, and a note (payments.telegram)."""

    __tablename__ = "telegram_refunds"

    payment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("payments.id", ondelete="CASCADE"), primary_key=True
    )
    charge_id: Mapped[str] = mapped_column(String(200), index=True)  # telegram_payment_charge_id
    provider_charge_id: Mapped[str | None] = mapped_column(String(200))
    channel_id: Mapped[uuid.UUID | None]
    customer_id: Mapped[uuid.UUID | None]
    # The chat the payment was made in (a plain id: conversations sit above payments).
    conversation_id: Mapped[uuid.UUID | None]
    amount: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    reason: Mapped[str] = mapped_column(String(500))
    # refund_required -> refunded
    status: Mapped[str] = mapped_column(String(20), index=True)
    refunded_by: Mapped[str | None] = mapped_column(String(200))
    refunded_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(String(1000))
