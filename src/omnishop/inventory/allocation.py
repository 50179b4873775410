"""Cart holds for a channel: where the stock comes from, how long it is held, pickup points.

Public module (checkout calls it). Every take is the one conditional UPDATE
``reserved += n WHERE n <= available``, so concurrent buyers can never oversell; a take lost
to a concurrent buyer is retried against freshly read availability."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.channels.models import AllocationRule, Channel
from omnishop.inventory import ledger, rules
from omnishop.inventory.errors import HoldReleased, OutOfStock
from omnishop.inventory.events import StockChanged
from omnishop.inventory.ledger import Move
from omnishop.inventory.models import (
    AVAILABLE,
    Location,
    MovementKind,
    Reservation,
    StockLevel,
)
from omnishop.inventory.reservations import release, serves
from omnishop.kernel import clock, ids, outbox
from omnishop.kernel.errors import NotFound, ValidationFailed

# Rounds of "read availability, take" before giving up when concurrent buyers keep winning.
ATTEMPTS = 5
MAX_QUANTITY = 1_000_000


def hold_ttl(channel: Channel) -> timedelta:
    """How long a cart hold lives in this channel without cart activity."""
    return timedelta(minutes=channel.hold_minutes)


def _point(near: tuple[float, float] | None) -> tuple[float, float] | None:
    if near is None:
        return None
    point = (float(near[0]), float(near[1]))
    if not rules.valid_point(point):
        raise ValidationFailed("a position is (latitude, longitude) on the globe", field="near")
    return point


def _location_point(latitude: Any, longitude: Any) -> tuple[float, float] | None:
    if latitude is None or longitude is None:
        return None
    return float(latitude), float(longitude)


def _distance(near: tuple[float, float] | None, latitude: Any, longitude: Any) -> float | None:
    where = _location_point(latitude, longitude)
    if near is None or where is None:
        return None
    return rules.distance_km(near, where)


async def _lock_variant(session: AsyncSession, variant_id: uuid.UUID) -> None:
    """Serialise holds of one variant before reading its availability.

    PostgreSQL: lock the variant's levels in location order, so two buyers splitting over
    the same locations cannot each hold a row the other waits for (a deadlock).
    SQLite: make the transaction a writer before it reads: a reader that later writes fails
    at once if another writer committed in between, while a writer queues on busy_timeout."""
    if session.get_bind().dialect.name == "sqlite":
        await session.execute(
            update(StockLevel)
            .where(StockLevel.variant_id == variant_id, StockLevel.id.is_(None))
            .values(reserved=StockLevel.reserved)
            .execution_options(synchronize_session=False)
        )
        return
    await session.execute(
        select(StockLevel.id)
        .where(StockLevel.variant_id == variant_id)
        .order_by(StockLevel.location_id)
        .with_for_update()
    )


@dataclass(frozen=True)
class _Candidate:
    level_id: uuid.UUID
    location_id: uuid.UUID
    available: int


async def _candidates(
    session: AsyncSession,
    variant_id: uuid.UUID,
    channel: Channel,
    near: tuple[float, float] | None,
    location_id: uuid.UUID | None,
) -> list[_Candidate]:
    """Locations that can give some of the variant, in the channel's order of preference."""
    query = (
        select(
            StockLevel.id,
            StockLevel.location_id,
            AVAILABLE,
            Location.latitude,
            Location.longitude,
        )
        .join(Location, Location.id == StockLevel.location_id)
        .where(StockLevel.variant_id == variant_id, serves(channel.id), AVAILABLE > 0)
        .order_by(Location.priority, Location.code)
    )
    if location_id is not None:
        query = query.where(StockLevel.location_id == location_id)
    rows = list((await session.execute(query)).all())
    if channel.allocation_rule == AllocationRule.NEAREST and near is not None:
        # Stable sort: equal distances (and locations without coordinates, last) keep priority.
        def key(row: Any) -> tuple[bool, float]:
            d = _distance(near, row[3], row[4])
            return (d is None, d or 0.0)

        rows.sort(key=key)
    return [_Candidate(row[0], row[1], int(row[2])) for row in rows]


async def _take_at(session: AsyncSession, level_id: uuid.UUID, quantity: int) -> bool:
    done = await session.execute(
        update(StockLevel)
        .where(StockLevel.id == level_id, quantity <= AVAILABLE)
        .values(reserved=StockLevel.reserved + quantity)
        .execution_options(synchronize_session=False)
    )
    return bool(done.rowcount)  # type: ignore[attr-defined]


async def _hold_at_once(
    session: AsyncSession,
    variant_id: uuid.UUID,
    quantity: int,
    reference: str,
    channel: Channel,
    at: _Candidate,
    reservation_id: uuid.UUID | None,
) -> Reservation | None:
    """The common case: one location has it all. The hold, its ledger row and its event are
    written first and the contended stock row is updated last, so its row lock is held only
    until the caller commits, not across the other writes. No variant lock is needed: one
    row, one conditional UPDATE. None when a concurrent buyer won the units meanwhile."""
    async with session.begin_nested() as attempt:
        won = Reservation(
            id=reservation_id or ids.new_id(),
            variant_id=variant_id,
            location_id=at.location_id,
            quantity=quantity,
            reference=reference,
            channel_id=channel.id,
            expires_at=clock.now() + hold_ttl(channel),
        )
        session.add(won)
        move = Move(
            variant_id, at.location_id, MovementKind.RESERVE, "reserved", quantity,
            reference=reference, reason=f"hold {won.id}",
        )  # fmt: skip
        await ledger.record(session, [move])
        await outbox.emit(session, StockChanged(variant_id=variant_id, location_id=at.location_id))
        await session.flush()
        if await _take_at(session, at.level_id, quantity):
            return won
        await attempt.rollback()
    return None


async def hold(
    *,
    session: AsyncSession,
    variant_id: uuid.UUID,
    quantity: int,
    reference: str,
    channel: Channel,
    near: tuple[float, float] | None = None,
    location_id: uuid.UUID | None = None,
    reservation_id: uuid.UUID | None = None,
) -> list[Reservation]:
    """Hold ``quantity`` of a variant for ``reference`` (e.g. ``cart:<id>``) in a channel.

    One location that has it all is preferred (in the channel's order: priority, or nearest
    to ``near`` (latitude, longitude) under the "nearest" rule); otherwise the quantity is
    split over several locations, one reservation each. With ``location_id`` only that
    location is used (it must be active and serve the channel). The holds live
    ``hold_ttl(channel)``. Raises ``OutOfStock`` (409 ``out_of_stock``) when the total cannot
    be held; nothing is left taken then. ``reservation_id`` names the hold when one location
    takes it all (the caller can record it before the stock row is touched)."""
    if quantity <= 0 or quantity > MAX_QUANTITY:
        raise ValidationFailed(f"quantity must be from 1 to {MAX_QUANTITY:,}", field="quantity")
    point = _point(near)
    ttl = hold_ttl(channel)
    # Sold out is answered from a plain read, without queueing for the lock: in a flash
    # sale most buyers arrive after the last unit is held, and must not wait behind those
    # who hold it. (A unit released this very moment is missed: the same as arriving first.)
    seen = await _candidates(session, variant_id, channel, point, location_id)
    if sum(c.available for c in seen) < quantity:
        raise OutOfStock(variant_id, quantity)
    first = next((c for c in seen if c.available >= quantity), None)
    if first is not None:
        won = await _hold_at_once(
            session, variant_id, quantity, reference, channel, first, reservation_id
        )
        if won is not None:
            return [won]
    await _lock_variant(session, variant_id)
    taken: dict[uuid.UUID, int] = {}  # location -> units, in take order
    levels: dict[uuid.UUID, uuid.UUID] = {}  # location -> level
    remaining = quantity
    for _ in range(ATTEMPTS):
        candidates = await _candidates(session, variant_id, channel, point, location_id)
        by_location = {c.location_id: c for c in candidates}
        plan = rules.plan_takes(remaining, [(c.location_id, c.available) for c in candidates])
        if plan is None:
            break
        for where, n in plan:
            level_id = by_location[where].level_id
            if await _take_at(session, level_id, n):
                taken[where] = taken.get(where, 0) + n
                levels[where] = level_id
                remaining -= n
        if remaining == 0:
            break
    if remaining > 0:
        for where, n in taken.items():  # give back the partial takes: nothing was recorded
            await session.execute(
                update(StockLevel)
                .where(StockLevel.id == levels[where])
                .values(reserved=StockLevel.reserved - n)
                .execution_options(synchronize_session=False)
            )
        raise OutOfStock(variant_id, quantity)
    expires_at = clock.now() + ttl
    holds = [
        Reservation(
            variant_id=variant_id,
            location_id=where,
            quantity=n,
            reference=reference,
            channel_id=channel.id,
            expires_at=expires_at,
        )
        for where, n in taken.items()
    ]
    session.add_all(holds)
    await session.flush()
    await ledger.record(
        session,
        [
            Move(variant_id, h.location_id, MovementKind.RESERVE, "reserved", h.quantity,
                 reference=reference, reason=f"hold {h.id}")
            for h in holds
        ],
    )  # fmt: skip
    for where in sorted(taken):
        await outbox.emit(session, StockChanged(variant_id=variant_id, location_id=where))
    return holds


async def shrink(*, session: AsyncSession, reservation_id: uuid.UUID, quantity: int) -> None:
    """Lower an active hold to ``quantity`` (> 0), or release it (0); the difference is on
    sale again at once. Releasing an already released hold is a no-op; shrinking one raises
    ``HoldReleased`` (409 ``reservation_released``). A hold never grows here: take a new one."""
    if quantity < 0:
        raise ValidationFailed("quantity cannot be negative", field="quantity")
    if quantity == 0:
        await release(session=session, reservation_id=reservation_id)
        return
    # A no-op write locks the hold (a row lock on PostgreSQL, the write lock on SQLite), so
    # the quantity read next cannot change before the UPDATE that lowers it.
    locked = await session.execute(
        update(Reservation)
        .where(Reservation.id == reservation_id, Reservation.released_at.is_(None))
        .values(quantity=Reservation.quantity)
        .execution_options(synchronize_session=False)
    )
    row = (
        await session.execute(
            select(
                Reservation.variant_id,
                Reservation.location_id,
                Reservation.quantity,
                Reservation.reference,
            ).where(Reservation.id == reservation_id)
        )
    ).first()
    if row is None:
        raise NotFound("reservation not found", field="reservation_id")
    if not locked.rowcount:  # type: ignore[attr-defined]
        raise HoldReleased(f"reservation {reservation_id} was already released")
    variant_id, location_id, held, reference = row
    if quantity == held:
        return
    if quantity > held:
        raise ValidationFailed(
            f"a hold of {held} cannot grow to {quantity}; take a new hold", field="quantity"
        )
    gone = held - quantity
    await session.execute(
        update(Reservation)
        .where(Reservation.id == reservation_id)
        .values(quantity=quantity)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(StockLevel)
        .where(StockLevel.variant_id == variant_id, StockLevel.location_id == location_id)
        .values(reserved=StockLevel.reserved - gone)
        .execution_options(synchronize_session=False)
    )
    move = Move(
        variant_id, location_id, MovementKind.RELEASE, "reserved", -gone,
        reference=reference, reason=f"hold {reservation_id} lowered to {quantity}",
    )  # fmt: skip
    await ledger.record(session, [move])
    await outbox.emit(session, StockChanged(variant_id=variant_id, location_id=location_id))
    cached = session.identity_map.get(session.identity_key(Reservation, reservation_id))
    if cached is not None:
        await session.refresh(cached)


async def extend(*, session: AsyncSession, reference: str, channel: Channel) -> int:
    """Cart activity: every active hold of ``reference`` now lives ``hold_ttl(channel)``
    from now. Holds the worker has not released yet count, even if their time ran out (their
    stock is still reserved). Returns how many holds were extended."""
    done = await session.execute(
        update(Reservation)
        .where(Reservation.reference == reference, Reservation.released_at.is_(None))
        .values(expires_at=clock.now() + hold_ttl(channel))
        .execution_options(synchronize_session=False)
    )
    count = int(done.rowcount)  # type: ignore[attr-defined]
    if count:
        # The UPDATE bypassed the identity map: refresh loaded holds of this reference.
        for obj in list(session.identity_map.values()):
            if isinstance(obj, Reservation) and obj.__dict__.get("reference") == reference:
                await session.refresh(obj, ["expires_at"])
    return count


@dataclass(frozen=True)
class PickupOption:
    """A pickup location for a set of needs; ``missing`` is empty when it can give it all."""

    location_id: uuid.UUID
    code: str
    name: str
    address: str | None
    city: str | None
    latitude: float | None
    longitude: float | None
    opening_hours: dict[str, Any]
    timezone: str
    distance_km: float | None
    missing: dict[uuid.UUID, int]

    @property
    def complete(self) -> bool:
        return not self.missing


async def pickup_options(
    *,
    session: AsyncSession,
    channel: Channel,
    needs: dict[uuid.UUID, int],
    reference: str | None = None,
    near: tuple[float, float] | None = None,
) -> list[PickupOption]:
    """Active pickup locations serving the channel and what each lacks of ``needs``
    (variant → units). Holds already taken for ``reference`` at a location count as
    available there. Locations that can give everything come first, then by distance from
    ``near`` (unknown distances last), then by priority."""
    point = _point(near)
    if any(n < 0 for n in needs.values()):
        raise ValidationFailed("quantities cannot be negative", field="needs")
    locations = list(
        await session.scalars(
            select(Location)
            .where(serves(channel.id), Location.pickup.is_(True))
            .order_by(Location.priority, Location.code)
        )
    )
    if not locations:
        return []
    have: dict[uuid.UUID, dict[uuid.UUID, int]] = defaultdict(dict)
    variant_ids = list(needs)
    location_ids = [loc.id for loc in locations]
    if variant_ids:
        rows = await session.execute(
            select(StockLevel.location_id, StockLevel.variant_id, AVAILABLE).where(
                StockLevel.variant_id.in_(variant_ids), StockLevel.location_id.in_(location_ids)
            )
        )
        for where, variant_id, free in rows:
            have[where][variant_id] = max(int(free), 0)
        if reference is not None:
            held = await session.execute(
                select(
                    Reservation.location_id, Reservation.variant_id, func.sum(Reservation.quantity)
                )
                .where(
                    Reservation.reference == reference,
                    Reservation.released_at.is_(None),
                    Reservation.variant_id.in_(variant_ids),
                    Reservation.location_id.in_(location_ids),
                )
                .group_by(Reservation.location_id, Reservation.variant_id)
            )
            for where, variant_id, units in held:
                have[where][variant_id] = have[where].get(variant_id, 0) + int(units or 0)
    options = [
        PickupOption(
            location_id=loc.id,
            code=loc.code,
            name=loc.name,
            address=loc.address,
            city=loc.city,
            latitude=float(loc.latitude) if loc.latitude is not None else None,
            longitude=float(loc.longitude) if loc.longitude is not None else None,
            opening_hours=dict(loc.opening_hours or {}),
            timezone=loc.timezone,
            distance_km=_distance(point, loc.latitude, loc.longitude),
            missing=rules.missing_units(needs, have.get(loc.id, {})),
        )
        for loc in locations
    ]
    # Stable sort keeps priority order among equals.
    options.sort(key=lambda o: (bool(o.missing), o.distance_km is None, o.distance_km or 0.0))
    return options
