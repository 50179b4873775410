"""Tables of the loyalty programme: one account per customer with its cached balance, the
append-only ledger of entries, tiers, earn rules, and points a cart means to spend."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from omnishop.kernel import clock
from omnishop.kernel.db import Base, IdMixin, TimestampMixin


class LoyaltyAccount(IdMixin, TimestampMixin, Base):
    """A customer's membership. ``balance`` is the sum of the ledger, kept in the same
    transaction as every entry by one conditional UPDATE; the CHECK is the last guard."""

    __tablename__ = "loyalty_accounts"
    __table_args__ = (CheckConstraint("balance >= 0", name="balance_not_negative"),)

    customer_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), unique=True
    )
    balance: Mapped[int] = mapped_column(BigInteger, default=0)
    tier_code: Mapped[str | None] = mapped_column(String(40))
    # Lots expiring up to here have been expired: the expiry job looks only past it.
    expired_through: Mapped[datetime | None]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.balance}"


class LoyaltyEntry(IdMixin, Base):
    """One movement of points; never updated or deleted. The unique (account, kind,
    reference) makes every writer idempotent: a repeated handler finds its entry."""

    __tablename__ = "loyalty_entries"
    __table_args__ = (
        UniqueConstraint("account_id", "kind", "reference"),
        Index("ix_loyalty_entries_account_created", "account_id", "created_at", "id"),
        Index("ix_loyalty_entries_reference", "reference"),
    )

    account_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("loyalty_accounts.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(10))
    points: Mapped[int] = mapped_column(BigInteger)  # signed: + arrives, - leaves
    # What caused it: "order:<id>", "return:<id>", "adjust:<key>", "expire:<date>"...
    reference: Mapped[str] = mapped_column(String(120))
    # A reversal names the lot (reference of the earn) it cancels.
    lot: Mapped[str | None] = mapped_column(String(120))
    channel_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("channels.id"))
    order_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    # Spend behind an earn (or taken off by a reversal), programme currency minor units:
    # tiers count it over the rolling window.
    spend: Mapped[int] = mapped_column(BigInteger, default=0)
    expires_at: Mapped[datetime | None] = mapped_column(index=True)
    reason: Mapped[str | None] = mapped_column(String(500))
    actor: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class LoyaltyTier(IdMixin, TimestampMixin, Base):
    __tablename__ = "loyalty_tiers"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    # {"ru": "Золото", "en": "Gold", "ka": "ოქრო"}
    names: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Rolling spend (programme currency, minor units) that reaches the tier.
    min_spend: Mapped[int] = mapped_column(BigInteger, default=0)
    multiplier: Mapped[Decimal] = mapped_column(Numeric(6, 3), default=Decimal(1))

    def __str__(self) -> str:
        return self.code


class EarnRule(IdMixin, TimestampMixin, Base):
    """``percent`` back on lines of these categories in these channels (empty: any), or a
    one-off ``bonus_points`` on an event (``first_order``, ``review_written``)."""

    __tablename__ = "loyalty_earn_rules"

    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(10), default="percent")  # percent | bonus
    percent: Mapped[Decimal] = mapped_column(Numeric(6, 3), default=Decimal(0))
    category_ids: Mapped[list[Any]] = mapped_column(default=list)
    channel_codes: Mapped[list[Any]] = mapped_column(default=list)
    bonus_event: Mapped[str | None] = mapped_column(String(40))
    bonus_points: Mapped[int] = mapped_column(BigInteger, default=0)
    starts_at: Mapped[datetime | None]
    ends_at: Mapped[datetime | None]
    active: Mapped[bool] = mapped_column(default=True)

    def __str__(self) -> str:
        return self.name


class CartPoints(Base):
    """Points a signed-in buyer chose to spend on a cart; burned when the order is placed.
    No foreign key to the cart: carts belong to checkout, a layer above."""

    __tablename__ = "loyalty_cart_points"
    __table_args__ = (CheckConstraint("points > 0", name="points_positive"),)

    cart_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    points: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now, onupdate=clock.now)
