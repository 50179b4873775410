"""Store stock: where a variant can be had in person, nearest first ("3 left at ...")."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from omnishop.api.deps import ChannelDep, SessionDep
from omnishop.inventory import availability
from omnishop.kernel.errors import ValidationFailed

router = APIRouter(tags=["inventory"])


@router.get("/variants/{variant_id}/availability")
async def variant_availability(
    session: SessionDep,
    channel: ChannelDep,
    variant_id: uuid.UUID,
    lat: Annotated[float | None, Query(ge=-90, le=90)] = None,
    lon: Annotated[float | None, Query(ge=-180, le=180)] = None,
    at: Annotated[datetime | None, Query(description="When to judge `open_now` (aware)")] = None,
) -> list[availability.StoreStock]:
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
    return found  # dataclasses: FastAPI serialises them as they are, one shape to keep
