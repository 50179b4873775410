"""Click & collect: an order waiting at its pickup location (one row per pickup order)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from omnishop.kernel import clock
from omnishop.kernel.db import Base, TimestampMixin


class Pickup(TimestampMixin, Base):
    __tablename__ = "order_pickups"
    __table_args__ = (Index("ix_order_pickups_status_expires_at", "status", "expires_at"),)

    order_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True
    )
    location_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("locations.id"))
    # ready | collected | expired (orders.pickup_rules.PickupStatus)
    status: Mapped[str] = mapped_column(String(20))
    # The code is derived from the shop secret and this salt (pickup_rules.pickup_code): the
    # table alone does not reveal it, and a new salt is a new code.
    code_salt: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(default=0)
    locked: Mapped[bool] = mapped_column(default=False)
    ready_at: Mapped[datetime] = mapped_column(default=clock.now)
    expires_at: Mapped[datetime]
    collected_at: Mapped[datetime | None]
    collected_by: Mapped[str | None] = mapped_column(String(100))
