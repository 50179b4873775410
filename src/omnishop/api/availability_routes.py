"""Store stock: where a variant can be had in person, nearest first ("3 left at ...")."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from omnishop.api.deps import ChannelDep, SessionDep
from omnishop.inventory import availability
from omnishop.kernel.errors import ValidationFailed

router = APIRouter(tags=["inventory"])


class StoreStockRead(BaseModel):
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


@router.get("/variants/{variant_id}/availability")
async def variant_availability(
    session: SessionDep,
    channel: ChannelDep,
    variant_id: uuid.UUID,
    lat: Annotated[float | None, Query(ge=-90, le=90)] = None,
    lon: Annotated[float | None, Query(ge=-180, le=180)] = None,
    at: Annotated[datetime | None, Query(description="When to judge `open_now` (aware)")] = None,
) -> list[StoreStockRead]:
    """Stores and pickup points of the channel with the variant available now, nearest to
    (`lat`, `lon`) first, with opening hours and `open_now` in each location's time zone."""
    if (lat is None) != (lon is None):
        raise ValidationFailed("lat and lon come together", field="lat" if lat is None else "lon")
    if at is not None and at.tzinfo is None:
        raise ValidationFailed("at needs a time zone", field="at")
    near = (lat, lon) if lat is not None and lon is not None else None
    found = await availability.store_stock(
        session=session, variant_id=variant_id, channel=channel, near=near, at=at
    )
    return [StoreStockRead(**asdict(s)) for s in found]
