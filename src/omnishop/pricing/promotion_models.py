"""Promotions, their voucher codes and redemptions, and flash-sale prices."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from omnishop.kernel import clock
from omnishop.kernel.db import Base, IdMixin, TimestampMixin


class Promotion(IdMixin, TimestampMixin, Base):
    """A discount a cart earns by conditions (automatic) or by a voucher code."""

    __tablename__ = "promotions"

    name: Mapped[str] = mapped_column(String(200))
    # {"ru": "Скидка 10%", "en": "10% off"}: what the buyer reads; ``name`` is the fallback.
    labels: Mapped[dict[str, Any]] = mapped_column(default=dict)
    active: Mapped[bool] = mapped_column(default=True, index=True)
    starts_at: Mapped[datetime | None]
    ends_at: Mapped[datetime | None]
    channels: Mapped[list[Any]] = mapped_column(default=list)  # channel codes; empty: all
    # Fixed amounts and min_subtotal are minor units of this currency: the promotion applies
    # only to carts in it (None: any currency, for percent-only promotions).
    currency: Mapped[str | None] = mapped_column(String(3))
    priority: Mapped[int] = mapped_column(default=0)
    # Exclusive: never combined with another promotion; otherwise stackable.
    exclusive: Mapped[bool] = mapped_column(default=False)
    # Only with one of its voucher codes on the cart (else it applies by itself).
    needs_voucher: Mapped[bool] = mapped_column(default=False)
    # --- conditions ---
    tiers: Mapped[list[Any]] = mapped_column(default=list)
    segments: Mapped[list[Any]] = mapped_column(default=list)
    category_ids: Mapped[list[Any]] = mapped_column(default=list)
    product_ids: Mapped[list[Any]] = mapped_column(default=list)
    min_subtotal: Mapped[int] = mapped_column(BigInteger, default=0)
    first_order_only: Mapped[bool] = mapped_column(default=False)
    # --- reward (pricing.promotion_rules.Reward) ---
    reward: Mapped[str] = mapped_column(String(20))
    value: Mapped[Decimal] = mapped_column(Numeric(18, 4), default=Decimal(0))
    buy_qty: Mapped[int] = mapped_column(default=0)
    get_qty: Mapped[int] = mapped_column(default=0)
    gift_variant_id: Mapped[uuid.UUID | None]

    def __str__(self) -> str:
        return self.name


class Voucher(IdMixin, TimestampMixin, Base):
    __tablename__ = "vouchers"

    # Stored upper-case (promotion_rules.normalize_code): unique without regard to case.
    code: Mapped[str] = mapped_column(String(64), unique=True)
    promotion_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("promotions.id", ondelete="CASCADE"), index=True
    )
    active: Mapped[bool] = mapped_column(default=True)
    usage_limit: Mapped[int | None]
    per_customer_limit: Mapped[int | None]
    # Taken by one conditional UPDATE (used_count < usage_limit) when a payment starts.
    used_count: Mapped[int] = mapped_column(default=0)
    batch: Mapped[str | None] = mapped_column(String(64), index=True)

    def __str__(self) -> str:
        return self.code


class VoucherRedemption(IdMixin, Base):
    """One use of a voucher by one cart; deleted (and the count given back) if the cart
    reopens without an order."""

    __tablename__ = "voucher_redemptions"
    __table_args__ = (
        UniqueConstraint("voucher_id", "cart_id"),
        Index("ix_voucher_redemptions_customer", "voucher_id", "customer_key"),
    )

    voucher_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("vouchers.id", ondelete="CASCADE"))
    cart_id: Mapped[uuid.UUID] = mapped_column(index=True)
    customer_key: Mapped[str | None] = mapped_column(String(300))
    amount: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class SalePrice(IdMixin, TimestampMixin, Base):
    """A flash-sale price of a variant in a channel between two moments; the regular price
    (``prices``) shows as compare-at meanwhile."""

    __tablename__ = "sale_prices"
    __table_args__ = (Index("ix_sale_prices_variant_channel", "variant_id", "channel_id"),)

    variant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("variants.id", ondelete="CASCADE"), index=True
    )
    channel_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    amount: Mapped[int] = mapped_column(BigInteger)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
