"""Store stock a buyer can see: where a variant can be had in person, nearest first, with
opening hours and whether each place is open now in its own time zone ("3 left at
Tverskaya st."). Read-only. Also the look-up of a location by its code (store counters)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.channels.models import Channel
from omnishop.inventory import rules
from omnishop.inventory.models import AVAILABLE, Location, LocationKind, StockLevel
from omnishop.inventory.reservations import serves
from omnishop.kernel import clock
from omnishop.kernel.errors import NotFound, ValidationFailed


@dataclass(frozen=True)
class StoreStock:
    location_id: uuid.UUID
    code: str
    name: str
    kind: str
    city: str | None
    address: str | None
    latitude: float | None
    longitude: float | None
    timezone: str
    opening_hours: dict[str, Any]
    open_now: bool
    pickup: bool
    available: int
    distance_km: float | None


async def location_by_code(*, session: AsyncSession, code: str) -> Location:
    """An active location by its code; 404 naming ``location`` otherwise."""
    location = await session.scalar(
        select(Location).where(Location.code == code, Location.active.is_(True))
    )
    if location is None:
        raise NotFound(f"unknown location {code!r}", field="location")
    return location


async def store_stock(
    *,
    session: AsyncSession,
    variant_id: uuid.UUID,
    channel: Channel,
    near: tuple[float, float] | None = None,
    at: datetime | None = None,
) -> list[StoreStock]:
    """Stores and pickup points serving ``channel`` that have the variant available now,
    nearest to ``near`` (latitude, longitude) first (unknown distances last), then by
    priority; ``open_now`` at ``at`` (default now) in each location's own time zone."""
    if near is not None and not rules.valid_point(near):
        raise ValidationFailed("a position is (latitude, longitude) on the globe", field="lat")
    moment = at or clock.now()
    rows = (
        await session.execute(
            select(Location, AVAILABLE)
            .join(StockLevel, StockLevel.location_id == Location.id)
            .where(
                StockLevel.variant_id == variant_id,
                serves(channel.id),
                or_(Location.pickup.is_(True), Location.kind == LocationKind.STORE),
                AVAILABLE > 0,
            )
            .order_by(Location.priority, Location.code)
        )
    ).all()
    found: list[StoreStock] = []
    for loc, available in rows:
        lat = float(loc.latitude) if loc.latitude is not None else None
        lon = float(loc.longitude) if loc.longitude is not None else None
        distance = (
            rules.distance_km(near, (lat, lon))
            if near is not None and lat is not None and lon is not None
            else None
        )
        found.append(
            StoreStock(
                location_id=loc.id, code=loc.code, name=loc.name, kind=loc.kind, city=loc.city,
                address=loc.address, latitude=lat, longitude=lon, timezone=loc.timezone,
                opening_hours=dict(loc.opening_hours or {}),
                open_now=rules.open_at(loc.opening_hours or {}, loc.timezone, moment),
                pickup=loc.pickup, available=int(available), distance_km=distance,
            )
        )  # fmt: skip
    # Stable: equal (or unknown) distances keep the priority order.
    found.sort(key=lambda s: (s.distance_km is None, s.distance_km or 0.0))
    return found
