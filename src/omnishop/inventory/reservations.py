"""Cart holds. A hold is taken by one conditional UPDATE whose WHERE states the rule
(available ≥ quantity), so concurrent buyers can never oversell, whatever the engine."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Update, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.inventory import ledger
from omnishop.inventory.errors import OutOfStock
from omnishop.inventory.events import StockChanged
from omnishop.inventory.ledger import Move
from omnishop.inventory.models import (
    AVAILABLE,
    Location,
    LocationChannel,
    MovementKind,
    Reservation,
    StockLevel,
)
from omnishop.kernel import clock, outbox
from omnishop.kernel.errors import NotFound, ValidationFailed

DEFAULT_HOLD = timedelta(minutes=15)
# A concurrent hold can empty the location the candidate query picked; try again a few times.
ATTEMPTS = 5


def serves(channel_id: uuid.UUID | None) -> ColumnElement[bool]:
    """Locations open to a channel: active, and listing the channel or listing none."""
    if channel_id is None:
        return Location.active.is_(True)
    listed = select(LocationChannel.location_id).where(LocationChannel.location_id == Location.id)
    return and_(
        Location.active.is_(True),
        or_(~listed.exists(), listed.where(LocationChannel.channel_id == channel_id).exists()),
    )


def _take(
    variant_id: uuid.UUID,
    quantity: int,
    channel_id: uuid.UUID | None,
    location_id: uuid.UUID | None,
) -> Update:
    """The one statement that takes stock: reserved += q only where q is still available."""
    candidates = (
        select(StockLevel.id)
        .join(Location, Location.id == StockLevel.location_id)
        .where(StockLevel.variant_id == variant_id, serves(channel_id), quantity <= AVAILABLE)
    )
    where: ColumnElement[bool]
    if location_id is not None:
        where = StockLevel.id.in_(candidates.where(StockLevel.location_id == location_id))
    else:
        # The first location by priority that serves the channel and can hold the quantity.
        first = candidates.order_by(Location.priority, Location.code).limit(1)
        where = StockLevel.id == first.scalar_subquery()
    return (
        update(StockLevel)
        .where(where, quantity <= AVAILABLE)
        .values(reserved=StockLevel.reserved + quantity)
        .returning(StockLevel.location_id)
        .execution_options(synchronize_session=False)
    )


async def reserve(
    *,
    session: AsyncSession,
    variant_id: uuid.UUID,
    quantity: int,
    reference: str,
    channel_id: uuid.UUID | None,
    ttl: timedelta = DEFAULT_HOLD,
    location_id: uuid.UUID | None = None,
) -> Reservation:
    """Hold ``quantity`` of a variant for ``reference`` (a cart token) until ``ttl`` passes.

    Without ``location_id`` the first location by priority that serves the channel and holds
    enough is used; a given ``location_id`` must serve the channel too.
    Raises ``OutOfStock`` (409 ``out_of_stock``) naming the variant when none can."""
    if quantity <= 0:
        raise ValidationFailed("quantity must be positive", field="quantity")
    if ttl <= timedelta(0):
        raise ValidationFailed("a hold needs a positive time to live", field="ttl")
    taken: uuid.UUID | None = None
    for _ in range(ATTEMPTS):
        # First statement of the transaction: on SQLite it takes the write lock at once, so
        # writers queue on busy_timeout instead of failing an upgrade from a read lock.
        taken = (
            await session.execute(_take(variant_id, quantity, channel_id, location_id))
        ).scalar()
        if (
            taken is not None
            or location_id is not None
            or not await _any_can(session, variant_id, quantity, channel_id)
        ):
            break
    if taken is None:
        raise OutOfStock(variant_id, quantity)
    hold = Reservation(
        variant_id=variant_id,
        location_id=taken,
        quantity=quantity,
        reference=reference,
        channel_id=channel_id,
        expires_at=clock.now() + ttl,
    )
    session.add(hold)
    await session.flush()
    move = Move(
        variant_id, taken, MovementKind.RESERVE, "reserved", quantity,
        reference=reference, reason=f"hold {hold.id}",
    )  # fmt: skip
    await ledger.record(session, [move])
    await outbox.emit(session, StockChanged(variant_id=variant_id, location_id=taken))
    return hold


async def _any_can(
    session: AsyncSession, variant_id: uuid.UUID, quantity: int, channel_id: uuid.UUID | None
) -> bool:
    found = await session.scalar(
        select(StockLevel.id)
        .join(Location, Location.id == StockLevel.location_id)
        .where(StockLevel.variant_id == variant_id, serves(channel_id), quantity <= AVAILABLE)
        .limit(1)
    )
    return found is not None


async def release(*, session: AsyncSession, reservation_id: uuid.UUID) -> bool:
    """Return a hold's stock to sale. Idempotent: False if it was already released."""
    row = (
        await session.execute(
            update(Reservation)
            .where(Reservation.id == reservation_id, Reservation.released_at.is_(None))
            .values(released_at=clock.now())
            .returning(
                Reservation.variant_id,
                Reservation.location_id,
                Reservation.quantity,
                Reservation.reference,
            )
            .execution_options(synchronize_session=False)
        )
    ).first()
    if row is None:
        if await session.get(Reservation, reservation_id) is None:
            raise NotFound("reservation not found", field="reservation_id")
        return False
    variant_id, location_id, quantity, reference = row
    await session.execute(
        update(StockLevel)
        .where(StockLevel.variant_id == variant_id, StockLevel.location_id == location_id)
        .values(reserved=StockLevel.reserved - quantity)
        .execution_options(synchronize_session=False)
    )
    move = Move(
        variant_id, location_id, MovementKind.RELEASE, "reserved", -quantity,
        reference=reference, reason=f"hold {reservation_id}",
    )  # fmt: skip
    await ledger.record(session, [move])
    await outbox.emit(session, StockChanged(variant_id=variant_id, location_id=location_id))
    return True


async def release_expired(*, session: AsyncSession, now: datetime, limit: int = 500) -> int:
    """Release holds whose time ran out (the worker calls this); returns how many."""
    due = await session.scalars(
        select(Reservation.id)
        .where(Reservation.released_at.is_(None), Reservation.expires_at <= now)
        .order_by(Reservation.expires_at)
        .limit(limit)
    )
    released = 0
    for reservation_id in list(due):
        # release() re-checks released_at in its UPDATE: a hold released meanwhile is skipped.
        released += await release(session=session, reservation_id=reservation_id)
    return released


async def holds_for(*, session: AsyncSession, reference: str) -> list[Reservation]:
    """The active holds taken for a reference (a cart token)."""
    return list(
        await session.scalars(
            select(Reservation)
            .where(Reservation.reference == reference, Reservation.released_at.is_(None))
            .order_by(Reservation.created_at)
        )
    )
