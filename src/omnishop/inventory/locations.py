"""Staff management of locations: warehouses, stores and pickup points, and the channels
each serves. Reads come back as ``LocationRead`` with channel codes."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import Any
from zoneinfo import available_timezones

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.channels import service as channels
from omnishop.inventory.models import Location, LocationChannel
from omnishop.inventory.schemas import LocationCreate, LocationRead, LocationUpdate
from omnishop.kernel.errors import Conflict, NotFound, ValidationFailed

# Fields a location cannot be without: an explicit null for them is refused.
REQUIRED = ("name", "kind", "country", "timezone", "opening_hours", "pickup", "priority", "active")


def check_timezone(name: str) -> None:
    if name not in available_timezones():
        raise ValidationFailed(f"unknown time zone {name!r}", field="timezone")


async def _channel_ids(session: AsyncSession, codes: Sequence[str]) -> list[uuid.UUID]:
    found = []
    for code in sorted(set(codes)):
        try:
            found.append((await channels.get_by_code(session=session, code=code)).id)
        except NotFound:
            raise NotFound(f"unknown channel {code!r}", field="channels") from None
    return found


async def _replace_channels(
    session: AsyncSession, location_id: uuid.UUID, channel_ids: Sequence[uuid.UUID]
) -> None:
    await session.execute(delete(LocationChannel).where(LocationChannel.location_id == location_id))
    session.add_all(LocationChannel(location_id=location_id, channel_id=c) for c in channel_ids)
    await session.flush()


async def create(*, session: AsyncSession, data: LocationCreate) -> Location:
    """Add a location (codes are unique), with the channels it serves (none: every one)."""
    check_timezone(data.timezone)
    if await session.scalar(select(Location.id).where(Location.code == data.code)):
        raise Conflict(f"location {data.code!r} already exists", field="code")
    channel_ids = await _channel_ids(session, data.channels)
    location = Location(**data.model_dump(mode="python", exclude={"channels"}))
    session.add(location)
    await session.flush()
    if channel_ids:
        await _replace_channels(session, location.id, channel_ids)
    return location


async def get(*, session: AsyncSession, location_id: uuid.UUID) -> Location:
    location = await session.get(Location, location_id, populate_existing=True)
    if location is None:
        raise NotFound("location not found", field="location_id")
    return location


async def update(
    *, session: AsyncSession, location_id: uuid.UUID, data: LocationUpdate
) -> Location:
    """Change the fields sent. ``channels`` replaces the served channels (``[]``: all);
    ``active: false`` takes the location out of allocation and pickup at once."""
    location = await get(session=session, location_id=location_id)
    changes: dict[str, Any] = data.model_dump(mode="python", exclude_unset=True)
    for name in REQUIRED:
        if name in changes and changes[name] is None:
            raise ValidationFailed(f"{name} cannot be null", field=name)
    if "channels" in changes and changes["channels"] is None:
        raise ValidationFailed("channels cannot be null; [] serves every channel", field="channels")
    if changes.get("timezone") is not None:
        check_timezone(changes["timezone"])
    latitude = changes.get("latitude", location.latitude)
    longitude = changes.get("longitude", location.longitude)
    if (latitude is None) != (longitude is None):
        field = "latitude" if latitude is None else "longitude"
        raise ValidationFailed("latitude and longitude come together", field=field)
    codes = changes.pop("channels", None)
    channel_ids = await _channel_ids(session, codes) if codes is not None else None
    for name, value in changes.items():
        setattr(location, name, value)
    await session.flush()
    if channel_ids is not None:
        await _replace_channels(session, location.id, channel_ids)
    return location


async def list_page(
    *, session: AsyncSession, after_code: str | None, limit: int, active: bool | None = None
) -> list[Location]:
    """Every location (archived too unless ``active`` says) by code, keyset paged."""
    query = select(Location).order_by(Location.code).limit(limit)
    if after_code is not None:
        query = query.where(Location.code > after_code)
    if active is not None:
        query = query.where(Location.active.is_(active))
    return list(await session.scalars(query))


async def reads(*, session: AsyncSession, locations: Sequence[Location]) -> list[LocationRead]:
    """Locations as read models, with the codes of the channels each lists."""
    served: dict[uuid.UUID, list[str]] = defaultdict(list)
    if locations:
        rows = await session.execute(
            select(LocationChannel.location_id, LocationChannel.channel_id).where(
                LocationChannel.location_id.in_([loc.id for loc in locations])
            )
        )
        pairs = list(rows.all())
        codes = await channels.codes(session=session, channel_ids={c for _, c in pairs})
        for location_id, channel_id in pairs:
            served[location_id].append(codes[channel_id])
    return [_read(loc, sorted(served.get(loc.id, []))) for loc in locations]


async def read(*, session: AsyncSession, location: Location) -> LocationRead:
    return (await reads(session=session, locations=[location]))[0]


def _read(location: Location, channel_codes: list[str]) -> LocationRead:
    hours = {
        day: [(str(span[0]), str(span[1])) for span in spans]
        for day, spans in (location.opening_hours or {}).items()
    }
    return LocationRead(
        id=location.id,
        code=location.code,
        name=location.name,
        kind=location.kind,  # type: ignore[arg-type]
        country=location.country,
        city=location.city,
        address=location.address,
        latitude=float(location.latitude) if location.latitude is not None else None,
        longitude=float(location.longitude) if location.longitude is not None else None,
        timezone=location.timezone,
        opening_hours=hours,
        pickup=location.pickup,
        priority=location.priority,
        active=location.active,
        external_ref=location.external_ref,
        channels=channel_codes,
        created_at=location.created_at,
        updated_at=location.updated_at,
    )
