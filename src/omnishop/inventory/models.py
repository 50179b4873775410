"""Locations and per-variant stock levels (the transactions issue grows this domain)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from omnishop.kernel import clock
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


class LocationChannel(Base):
    """A channel a location serves. A location with none listed serves every channel."""

    __tablename__ = "location_channels"

    location_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("locations.id", ondelete="CASCADE"), primary_key=True
    )
    channel_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("channels.id", ondelete="CASCADE"), primary_key=True, index=True
    )


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
    # Expected receipts (purchase orders on the way): not part of what can be sold.
    incoming: Mapped[int] = mapped_column(default=0, server_default="0")


class MovementKind(StrEnum):
    RECEIVE = "receive"
    ADJUST = "adjust"
    SET = "set"
    RESERVE = "reserve"
    RELEASE = "release"
    COMMIT = "commit"
    SHIP = "ship"
    TRANSFER_OUT = "transfer_out"
    TRANSFER_IN = "transfer_in"


class StockMovement(IdMixin, Base):
    """One change of one named quantity: the ledger the levels can be rebuilt from."""

    __tablename__ = "stock_movements"
    __table_args__ = (Index("ix_stock_movements_variant_location", "variant_id", "location_id"),)

    variant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("variants.id", ondelete="CASCADE"))
    location_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("locations.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    # Which quantity of the level moved: on_hand, reserved, committed or incoming.
    quantity: Mapped[str] = mapped_column(String(20))
    delta: Mapped[int]
    reason: Mapped[str | None] = mapped_column(String(200))
    reference: Mapped[str | None] = mapped_column(String(100), index=True)
    actor: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class Reservation(IdMixin, Base):
    """A cart hold: reserved stock that returns to sale when released or expired."""

    __tablename__ = "reservations"

    variant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("variants.id", ondelete="CASCADE"), index=True
    )
    location_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("locations.id", ondelete="CASCADE"))
    quantity: Mapped[int]
    reference: Mapped[str] = mapped_column(String(100), index=True)
    channel_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("channels.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    released_at: Mapped[datetime | None]


# What can still be sold at a location: the one definition every query uses.
AVAILABLE = (
    StockLevel.on_hand - StockLevel.reserved - StockLevel.committed - StockLevel.safety_stock
)
