"""Per-channel variant prices in the channel currency, and the FX rates table."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from omnishop.kernel import clock
from omnishop.kernel.db import Base, IdMixin, TimestampMixin


class Price(IdMixin, TimestampMixin, Base):
    __tablename__ = "prices"
    __table_args__ = (UniqueConstraint("variant_id", "channel_id"),)

    variant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("variants.id", ondelete="CASCADE"), index=True
    )
    channel_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("channels.id", ondelete="CASCADE"), index=True
    )
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[int] = mapped_column(BigInteger)  # minor units
    compare_at_amount: Mapped[int | None] = mapped_column(BigInteger)


class FxRate(IdMixin, Base):
    """1 unit of ``base`` buys ``rate`` units of ``quote``, as of ``as_of``."""

    __tablename__ = "fx_rates"
    __table_args__ = (UniqueConstraint("base", "quote", "as_of"),)

    base: Mapped[str] = mapped_column(String(3))
    quote: Mapped[str] = mapped_column(String(3))
    rate: Mapped[Decimal] = mapped_column(Numeric(20, 10))
    as_of: Mapped[datetime] = mapped_column(default=clock.now, index=True)
    source: Mapped[str] = mapped_column(String(60), default="manual")
