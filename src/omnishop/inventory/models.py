"""Locations and per-variant stock levels (the transactions issue grows this domain)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from omnishop.kernel.db import Base, IdMixin, TimestampMixin


class LocationKind(StrEnum):
    WAREHOUSE = "warehouse"
    STORE = "store"
    PICKUP_POINT = "pickup_point"


class Location(IdMixin, TimestampMixin, Base):
    __tablename__ = "locations"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    country: Mapped[str] = mapped_column(String(2))
    city: Mapped[str | None] = mapped_column(String(120))
    address: Mapped[str | None] = mapped_column(String(300))
    latitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    timezone: Mapped[str] = mapped_column(String(60), default="Europe/Moscow")
    # {"mon": [["10:00", "22:00"]], ...}
    opening_hours: Mapped[dict[str, Any]] = mapped_column(default=dict)
    pickup: Mapped[bool] = mapped_column(default=False)
    priority: Mapped[int] = mapped_column(default=100)
    active: Mapped[bool] = mapped_column(default=True)
    external_ref: Mapped[str | None] = mapped_column(String(64), index=True)

    def __str__(self) -> str:
        return self.name


class StockLevel(IdMixin, TimestampMixin, Base):
    __tablename__ = "stock_levels"
    __table_args__ = (UniqueConstraint("variant_id", "location_id"),)

    variant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("variants.id", ondelete="CASCADE"), index=True
    )
    location_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("locations.id", ondelete="CASCADE"), index=True
    )
    on_hand: Mapped[int] = mapped_column(default=0)
    reserved: Mapped[int] = mapped_column(default=0)
    committed: Mapped[int] = mapped_column(default=0)
    safety_stock: Mapped[int] = mapped_column(default=0)
