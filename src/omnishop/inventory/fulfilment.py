"""Stock after the cart: holds become committed at order time, committed stock leaves with a
shipment or returns to sale on cancellation. Each step is one guarded UPDATE per row."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.inventory import ledger
from omnishop.inventory.errors import HoldReleased, OutOfStock
from omnishop.inventory.events import StockChanged
from omnishop.inventory.ledger import Move
from omnishop.inventory.models import MovementKind, Reservation, StockLevel
from omnishop.inventory.reservations import holds_for, release
from omnishop.kernel import clock, outbox
from omnishop.kernel.errors import NotFound, ValidationFailed


async def release_reference(*, session: AsyncSession, reference: str) -> int:
    """Release every active hold of a reference (a cart abandoned or emptied); how many."""
    released = 0
    for hold in await holds_for(session=session, reference=reference):
        released += await release(session=session, reservation_id=hold.id)
    return released


async def commit_hold(
    *, session: AsyncSession, reservation_id: uuid.UUID, reference: str | None = None
) -> Reservation:
    """Turn one hold into committed stock (see ``commit_holds``). Fails with
    ``reservation_released`` if the hold was released first: its units may be sold already."""
    return (await commit_holds(session, [reservation_id], reference))[0]


async def commit_holds(
    session: AsyncSession, hold_ids: Sequence[uuid.UUID], reference: str | None = None
) -> list[Reservation]:
    """Turn many holds into committed stock at once (an order was placed), in the order
    given. All or nothing: if any hold was released (expired, abandoned) ``HoldReleased``
    (409 ``reservation_released``) names them and nothing changes; an unknown id is
    ``NotFound``. ``reference`` (e.g. the order) goes on the ledger rows; by default each
    hold's own. A few statements whatever the number of holds."""
    wanted = list(dict.fromkeys(hold_ids))
    if not wanted:
        return []
    # One statement claims the holds and returns them (RETURNING the rows).
    found = {
        h.id: h
        for h in await session.scalars(
            update(Reservation)
            .where(Reservation.id.in_(wanted), Reservation.released_at.is_(None))
            .values(released_at=clock.now())
            .returning(Reservation)
            .execution_options(synchronize_session=False, populate_existing=True)
        )
    }
    claimed = set(found)
    if len(claimed) != len(wanted):
        if claimed:  # undo our part so the caller's transaction is as it was
            await session.execute(
                update(Reservation)
                .where(Reservation.id.in_(claimed))
                .values(released_at=None)
                .execution_options(synchronize_session=False)
            )
        lost = [i for i in wanted if i not in claimed]
        known = set(await session.scalars(select(Reservation.id).where(Reservation.id.in_(lost))))
        if len(known) != len(lost):
            raise NotFound("reservation not found", field="hold_ids")
        raise HoldReleased(
            f"{len(lost)} reservation(s) already released",
            field="hold_ids",
            reservation_ids=[str(i) for i in lost],
        )
    holds = [found[i] for i in wanted]
    per_level: dict[tuple[uuid.UUID, uuid.UUID], int] = {}
    for h in holds:
        key = (h.variant_id, h.location_id)
        per_level[key] = per_level.get(key, 0) + h.quantity
    levels = cast(Table, StockLevel.__table__)
    # One executemany for every level touched (a Core statement: not an ORM bulk update).
    await session.execute(
        update(levels)
        .where(levels.c.variant_id == bindparam("v"), levels.c.location_id == bindparam("l"))
        .values(
            reserved=levels.c.reserved - bindparam("q"),
            committed=levels.c.committed + bindparam("q"),
        ),
        # In (variant, location) order: the order holds lock levels in, so no deadlock.
        [{"v": v, "l": loc, "q": q} for (v, loc), q in sorted(per_level.items())],
    )
    moves: list[Move] = []
    for h in holds:
        ref = reference or h.reference
        moves += [
            Move(h.variant_id, h.location_id, MovementKind.COMMIT, "reserved", -h.quantity,
                 reference=ref, reason=f"hold {h.id}"),
            Move(h.variant_id, h.location_id, MovementKind.COMMIT, "committed", h.quantity,
                 reference=ref, reason=f"hold {h.id}"),
        ]  # fmt: skip
    await ledger.record(session, moves)
    for v, loc in sorted(per_level):
        await outbox.emit(session, StockChanged(variant_id=v, location_id=loc))
    return holds


async def ship(
    *,
    session: AsyncSession,
    variant_id: uuid.UUID,
    location_id: uuid.UUID,
    quantity: int,
    reference: str,
) -> None:
    """Committed units leave the location: committed and on_hand both drop by ``quantity``."""
    await _move_committed(
        session, variant_id, location_id, quantity, reference, MovementKind.SHIP, shipped=True
    )


async def release_committed(
    *,
    session: AsyncSession,
    variant_id: uuid.UUID,
    location_id: uuid.UUID,
    quantity: int,
    reference: str,
) -> None:
    """An order line was canceled before shipping: its committed units are on sale again."""
    await _move_committed(
        session, variant_id, location_id, quantity, reference, MovementKind.RELEASE, shipped=False
    )


async def _move_committed(
    session: AsyncSession,
    variant_id: uuid.UUID,
    location_id: uuid.UUID,
    quantity: int,
    reference: str,
    kind: MovementKind,
    *,
    shipped: bool,
) -> None:
    if quantity <= 0:
        raise ValidationFailed("quantity must be positive", field="quantity")
    values = {"committed": StockLevel.committed - quantity}
    if shipped:
        values["on_hand"] = StockLevel.on_hand - quantity
    done = await session.execute(
        update(StockLevel)
        .where(
            StockLevel.variant_id == variant_id,
            StockLevel.location_id == location_id,
            StockLevel.committed >= quantity,
        )
        .values(values)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount == 0:  # type: ignore[attr-defined]
        raise OutOfStock(variant_id, quantity)
    moves = [Move(variant_id, location_id, kind, "committed", -quantity, reference=reference)]
    if shipped:
        moves.append(Move(variant_id, location_id, kind, "on_hand", -quantity, reference=reference))
    await ledger.record(session, moves)
    await outbox.emit(session, StockChanged(variant_id=variant_id, location_id=location_id))
