"""Staff stock operations: compare-and-set counts, adjustments and transfers.

Every write is one conditional UPDATE whose WHERE holds the rule, so two staff members (or a
staff member and a buyer) can never both succeed against the same stale number."""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, and_, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.inventory import ledger, service
from omnishop.inventory.errors import OutOfStock, StockChangedConcurrently
from omnishop.inventory.events import StockChanged
from omnishop.inventory.ledger import Move
from omnishop.inventory.models import AVAILABLE, Location, MovementKind, StockLevel
from omnishop.inventory.schemas import (
    Adjustment,
    LevelRead,
    LevelSet,
    StockCount,
    TransferCreate,
    TransferRead,
)
from omnishop.kernel import ids, outbox
from omnishop.kernel.errors import NotFound, ValidationFailed


def _at(variant_id: uuid.UUID, location_id: uuid.UUID) -> ColumnElement[bool]:
    return and_(StockLevel.variant_id == variant_id, StockLevel.location_id == location_id)


async def levels_for_variant(*, session: AsyncSession, variant_id: uuid.UUID) -> list[LevelRead]:
    """A variant's stock at every location that holds a level for it, by location priority."""
    rows = await session.execute(
        select(StockLevel, Location.code)
        .join(Location, Location.id == StockLevel.location_id)
        .where(StockLevel.variant_id == variant_id)
        .order_by(Location.priority, Location.code)
        # Conditional UPDATEs bypass the identity map: always read the stored numbers.
        .execution_options(populate_existing=True)
    )
    return [_read(level, code) for level, code in rows]


async def get_level(
    *, session: AsyncSession, variant_id: uuid.UUID, location_id: uuid.UUID
) -> LevelRead:
    """One level (zeros if the variant was never stocked at an existing location)."""
    row = (
        await session.execute(
            select(StockLevel, Location.code)
            .join(Location, Location.id == StockLevel.location_id)
            .where(_at(variant_id, location_id))
            .execution_options(populate_existing=True)
        )
    ).first()
    if row is not None:
        return _read(row[0], row[1])
    code = await session.scalar(select(Location.code).where(Location.id == location_id))
    if code is None:
        raise NotFound("location not found", field="location_id")
    return LevelRead(
        variant_id=variant_id, location_id=location_id, location_code=code,
        on_hand=0, reserved=0, committed=0, safety_stock=0, available=0,
    )  # fmt: skip


def _read(level: StockLevel, code: str) -> LevelRead:
    free = level.on_hand - level.reserved - level.committed - level.safety_stock
    return LevelRead(
        variant_id=level.variant_id,
        location_id=level.location_id,
        location_code=code,
        on_hand=level.on_hand,
        reserved=level.reserved,
        committed=level.committed,
        safety_stock=level.safety_stock,
        available=max(free, 0),
        incoming=level.incoming or 0,
    )


async def require_location(session: AsyncSession, location_id: uuid.UUID) -> None:
    if await session.scalar(select(Location.id).where(Location.id == location_id)) is None:
        raise NotFound("location not found", field="location_id")


async def add_on_hand(
    session: AsyncSession, variant_id: uuid.UUID, location_id: uuid.UUID, delta: int
) -> None:
    """on_hand += delta, creating the level if the variant was never stocked here (two
    first receipts at once: the one that loses the insert adds to the row the other made)."""
    bump = (
        update(StockLevel)
        .where(_at(variant_id, location_id))
        .values(on_hand=StockLevel.on_hand + delta)
        .execution_options(synchronize_session=False)
    )
    if (await session.execute(bump)).rowcount:  # type: ignore[attr-defined]
        return
    try:
        async with session.begin_nested():
            await session.execute(
                insert(StockLevel).values(
                    id=ids.new_id(), variant_id=variant_id, location_id=location_id, on_hand=delta
                )
            )
    except IntegrityError:
        await session.execute(bump)


async def set_level(
    *, session: AsyncSession, data: LevelSet, actor: str | None = None
) -> LevelRead:
    """Set a counted quantity and/or the expected receipts (``incoming``); with
    ``expected_on_hand`` the count is a compare-and-set that fails with ``stock_mismatch``
    (409) when the stored count differs (and then nothing changes)."""
    await require_location(session, data.location_id)
    if data.on_hand is not None:
        await _set_on_hand(session, data, data.on_hand, actor)
    if data.incoming is not None:
        count = StockCount(data.variant_id, data.location_id, data.incoming)
        await service.set_incoming_many(
            session=session, counts=[count], reason=data.reason, actor=actor
        )
    return await get_level(
        session=session, variant_id=data.variant_id, location_id=data.location_id
    )


async def _set_on_hand(
    session: AsyncSession, data: LevelSet, on_hand: int, actor: str | None
) -> None:
    expected = data.expected_on_hand
    if expected is None:
        await service.set_on_hand(
            session=session, variant_id=data.variant_id, location_id=data.location_id,
            quantity=on_hand, reason=data.reason, actor=actor,
        )  # fmt: skip
        return
    result = await session.execute(
        update(StockLevel)
        .where(_at(data.variant_id, data.location_id), StockLevel.on_hand == expected)
        .values(on_hand=on_hand)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 0:  # type: ignore[attr-defined]
        # No level yet counts as 0; any stored level here means the count differed.
        if expected != 0 or await _level_exists(session, data.variant_id, data.location_id):
            current = await get_level(
                session=session, variant_id=data.variant_id, location_id=data.location_id
            )
            raise StockChangedConcurrently(
                f"on_hand is {current.on_hand}, not {expected}",
                field="expected_on_hand",
                current_on_hand=current.on_hand,
            )
        await add_on_hand(session, data.variant_id, data.location_id, on_hand)
    move = Move(
        data.variant_id, data.location_id, MovementKind.SET, "on_hand",
        on_hand - expected, reason=data.reason, actor=actor,
    )  # fmt: skip
    await ledger.record(session, [move])
    await outbox.emit(
        session, StockChanged(variant_id=data.variant_id, location_id=data.location_id)
    )


async def _level_exists(
    session: AsyncSession, variant_id: uuid.UUID, location_id: uuid.UUID
) -> bool:
    found = await session.scalar(select(StockLevel.id).where(_at(variant_id, location_id)))
    return found is not None


async def adjust(*, session: AsyncSession, data: Adjustment, actor: str | None = None) -> LevelRead:
    """Add (receipt, found) or remove (damage, shrinkage) stock; on_hand never goes below 0."""
    if data.delta == 0:
        raise ValidationFailed("delta cannot be 0", field="delta")
    await require_location(session, data.location_id)
    result = await session.execute(
        update(StockLevel)
        .where(_at(data.variant_id, data.location_id), StockLevel.on_hand + data.delta >= 0)
        .values(on_hand=StockLevel.on_hand + data.delta)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 0:  # type: ignore[attr-defined]
        if data.delta < 0 or await _level_exists(session, data.variant_id, data.location_id):
            raise OutOfStock(data.variant_id, -data.delta, field="delta")
        await add_on_hand(session, data.variant_id, data.location_id, data.delta)
    move = Move(
        data.variant_id, data.location_id, MovementKind.ADJUST, "on_hand", data.delta,
        reason=data.reason, actor=actor,
    )  # fmt: skip
    await ledger.record(session, [move])
    await outbox.emit(
        session, StockChanged(variant_id=data.variant_id, location_id=data.location_id)
    )
    return await get_level(
        session=session, variant_id=data.variant_id, location_id=data.location_id
    )


async def transfer(
    *, session: AsyncSession, data: TransferCreate, actor: str | None = None
) -> TransferRead:
    """Move available stock between two locations in the caller's one transaction."""
    if data.from_location_id == data.to_location_id:
        raise ValidationFailed("source and destination are the same", field="to_location_id")
    await require_location(session, data.to_location_id)
    taken = await session.execute(
        update(StockLevel)
        .where(_at(data.variant_id, data.from_location_id), data.quantity <= AVAILABLE)
        .values(on_hand=StockLevel.on_hand - data.quantity)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount == 0:  # type: ignore[attr-defined]
        await require_location(session, data.from_location_id)
        raise OutOfStock(data.variant_id, data.quantity)
    await add_on_hand(session, data.variant_id, data.to_location_id, data.quantity)
    reference = f"transfer:{ids.new_id()}"
    v, q = data.variant_id, data.quantity
    await ledger.record(
        session,
        [
            Move(v, data.from_location_id, MovementKind.TRANSFER_OUT, "on_hand", -q,
                 reason=data.reason, reference=reference, actor=actor),
            Move(v, data.to_location_id, MovementKind.TRANSFER_IN, "on_hand", q,
                 reason=data.reason, reference=reference, actor=actor),
        ],
    )  # fmt: skip
    for location_id in sorted((data.from_location_id, data.to_location_id)):
        await outbox.emit(session, StockChanged(variant_id=v, location_id=location_id))
    return TransferRead(
        reference=reference,
        source=await get_level(session=session, variant_id=v, location_id=data.from_location_id),
        destination=await get_level(session=session, variant_id=v, location_id=data.to_location_id),
    )
