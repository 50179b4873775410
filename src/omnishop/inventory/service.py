"""Locations and stock levels. Availability = on_hand − reserved − committed − safety_stock."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Literal

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.channels import service as channels
from omnishop.inventory import ledger, locations
from omnishop.inventory.events import StockChanged
from omnishop.inventory.ledger import Move
from omnishop.inventory.models import AVAILABLE, Location, LocationChannel, MovementKind, StockLevel
from omnishop.inventory.reservations import serves
from omnishop.inventory.schemas import LocationCreate, StockCount
from omnishop.kernel import outbox
from omnishop.kernel.errors import NotFound, ValidationFailed


async def create_location(*, session: AsyncSession, data: LocationCreate) -> Location:
    """Add a warehouse, store or pickup point; codes are unique."""
    return await locations.create(session=session, data=data)


async def list_locations(
    *, session: AsyncSession, channel_id: uuid.UUID | None = None
) -> list[Location]:
    """Active locations by priority; with ``channel_id`` only those serving that channel."""
    return list(
        await session.scalars(
            select(Location).where(serves(channel_id)).order_by(Location.priority, Location.code)
        )
    )


async def set_location_channels(
    *, session: AsyncSession, location_id: uuid.UUID, channel_ids: Sequence[uuid.UUID]
) -> list[uuid.UUID]:
    """Replace the channels a location serves (none listed: it serves every channel)."""
    await _require_locations(session, {location_id})
    wanted = sorted(set(channel_ids))
    for channel_id in wanted:
        await channels.get(session=session, channel_id=channel_id)
    await session.execute(delete(LocationChannel).where(LocationChannel.location_id == location_id))
    session.add_all(LocationChannel(location_id=location_id, channel_id=c) for c in wanted)
    await session.flush()
    return wanted


async def location_channels(*, session: AsyncSession, location_id: uuid.UUID) -> list[uuid.UUID]:
    """The channels a location lists (empty: it serves every channel)."""
    return list(
        await session.scalars(
            select(LocationChannel.channel_id)
            .where(LocationChannel.location_id == location_id)
            .order_by(LocationChannel.channel_id)
        )
    )


async def set_on_hand(
    *,
    session: AsyncSession,
    variant_id: uuid.UUID,
    location_id: uuid.UUID,
    quantity: int,
    reason: str | None = None,
    actor: str | None = None,
) -> StockLevel:
    """Set the counted quantity of a variant at a location."""
    count = StockCount(variant_id, location_id, quantity)
    return (await set_on_hand_many(session=session, counts=[count], reason=reason, actor=actor))[0]


async def _require_locations(session: AsyncSession, location_ids: set[uuid.UUID]) -> None:
    known = set(await session.scalars(select(Location.id).where(Location.id.in_(location_ids))))
    if location_ids - known:
        raise NotFound("location not found", field="location_id")


async def set_on_hand_many(
    *,
    session: AsyncSession,
    counts: Sequence[StockCount],
    reason: str | None = None,
    actor: str | None = None,
) -> list[StockLevel]:
    """Set many counted quantities at once, all validated before any is written.

    Each change is recorded as a ``set`` movement of the difference to the old count."""
    return await _set_many(session, counts, "on_hand", reason, actor)


async def set_incoming_many(
    *,
    session: AsyncSession,
    counts: Sequence[StockCount],
    reason: str | None = None,
    actor: str | None = None,
) -> list[StockLevel]:
    """Set expected receipts (units on the way) at once; they are never sold. Recorded on
    the ledger as ``set`` movements of the quantity ``incoming``."""
    return await _set_many(session, counts, "incoming", reason, actor)


async def _set_many(
    session: AsyncSession,
    counts: Sequence[StockCount],
    field: Literal["on_hand", "incoming"],
    reason: str | None,
    actor: str | None,
) -> list[StockLevel]:
    if any(c.quantity < 0 for c in counts):
        raise ValidationFailed("quantity cannot be negative", field="quantity")
    if not counts:
        return []
    location_ids = {c.location_id for c in counts}
    await _require_locations(session, location_ids)
    variant_ids = {c.variant_id for c in counts}
    levels = {
        (lv.variant_id, lv.location_id): lv
        for lv in await session.scalars(
            select(StockLevel)
            .where(StockLevel.variant_id.in_(variant_ids), StockLevel.location_id.in_(location_ids))
            # Row locks on PostgreSQL so the recorded delta matches the count it replaced.
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    }
    written, moves = [], []
    for c in counts:
        level = levels.get((c.variant_id, c.location_id))
        if level is None:
            level = StockLevel(variant_id=c.variant_id, location_id=c.location_id, on_hand=0)
            level.incoming = 0
            session.add(level)
            levels[(c.variant_id, c.location_id)] = level
        old = getattr(level, field) or 0
        moves.append(
            Move(
                c.variant_id,
                c.location_id,
                MovementKind.SET,
                field,
                c.quantity - old,
                reason=reason,
                actor=actor,
            )
        )
        setattr(level, field, c.quantity)
        written.append(level)
    await session.flush()
    await ledger.record(session, moves)
    for key in sorted({(c.variant_id, c.location_id) for c in counts}):
        await outbox.emit(session, StockChanged(variant_id=key[0], location_id=key[1]))
    return written


async def available_for_variants(
    *, session: AsyncSession, variant_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, int]:
    """Sellable quantity per variant over all active locations (absent variants have 0)."""
    if not variant_ids:
        return {}
    free = AVAILABLE
    rows = await session.execute(
        select(StockLevel.variant_id, func.sum(free))
        .join(Location, Location.id == StockLevel.location_id)
        .where(StockLevel.variant_id.in_(list(variant_ids)), Location.active.is_(True), free > 0)
        .group_by(StockLevel.variant_id)
    )
    result = {vid: 0 for vid in variant_ids}
    for variant_id, quantity in rows.all():
        result[variant_id] = int(quantity or 0)
    return result
