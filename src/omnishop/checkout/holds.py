"""The stock behind cart lines: growing, shrinking and moving a line's inventory holds.

Every hold of a cart carries the reference ``cart:<cart_id>``; a line keeps the ids of its
own holds in ``CartLine.hold_ids`` (a line may be split over several locations).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.channels.models import Channel
from omnishop.checkout import rules
from omnishop.checkout.models import Cart, CartLine
from omnishop.inventory import allocation
from omnishop.inventory.models import Reservation
from omnishop.inventory.reservations import holds_for


def reference_of(cart_id: uuid.UUID) -> str:
    """The reservation reference of a cart's holds."""
    return f"cart:{cart_id}"


async def active(session: AsyncSession, cart: Cart) -> dict[uuid.UUID, Reservation]:
    """The cart's holds that still hold stock, by id (a lapsed hold released by the worker
    is absent)."""
    return {h.id: h for h in await holds_for(session=session, reference=reference_of(cart.id))}


def of_line(line: CartLine, holds: Mapping[uuid.UUID, Reservation]) -> list[Reservation]:
    """The line's active holds, oldest first."""
    out = []
    for raw in line.hold_ids:
        hold = holds.get(uuid.UUID(str(raw)))
        if hold is not None:
            out.append(hold)
    return out


def near_of(cart: Cart) -> tuple[float, float] | None:
    """The buyer's position from the shipping address, for the "nearest" allocation rule."""
    address = cart.shipping_address or {}
    lat, lon = address.get("latitude"), address.get("longitude")
    return (float(lat), float(lon)) if lat is not None and lon is not None else None


def pickup_location(cart: Cart) -> uuid.UUID | None:
    delivery = cart.delivery or {}
    raw = delivery.get("pickup_location_id") if delivery.get("kind") == "pickup" else None
    return uuid.UUID(str(raw)) if raw else None


async def resize(
    session: AsyncSession,
    *,
    cart: Cart,
    channel: Channel,
    line: CartLine,
    quantity: int,
    holds: Mapping[uuid.UUID, Reservation],
    reservation_id: uuid.UUID | None = None,
) -> None:
    """Make the line hold exactly ``quantity`` units: growing holds the difference (at the
    chosen pickup location if any), shrinking gives units back at once, newest holds first.
    A hold that lapsed meanwhile is taken again. Raises ``OutOfStock`` when stock is short."""
    mine = of_line(line, holds)
    held = sum(h.quantity for h in mine)
    kept = [h.id for h in mine]
    if quantity > held:
        taken = await allocation.hold(
            session=session,
            variant_id=line.variant_id,
            quantity=quantity - held,
            reference=reference_of(cart.id),
            channel=channel,
            near=near_of(cart),
            location_id=pickup_location(cart),
            reservation_id=reservation_id,
        )
        kept += [h.id for h in taken]
    elif quantity < held:
        plan = rules.shrink_plan([(h.id, h.quantity) for h in mine], quantity)
        for hold_id, left in plan:
            await allocation.shrink(session=session, reservation_id=hold_id, quantity=left)
        gone = {hold_id for hold_id, left in plan if left == 0}
        kept = [h for h in kept if h not in gone]
    line.quantity = quantity
    line.hold_ids = [str(h) for h in kept]


async def release_line(
    session: AsyncSession, *, line: CartLine, holds: Mapping[uuid.UUID, Reservation]
) -> None:
    """Give all of a line's stock back to sale."""
    for hold in of_line(line, holds):
        await allocation.shrink(session=session, reservation_id=hold.id, quantity=0)
    line.hold_ids = []


async def move_to(
    session: AsyncSession,
    *,
    cart: Cart,
    channel: Channel,
    line: CartLine,
    location_id: uuid.UUID,
    holds: Mapping[uuid.UUID, Reservation],
) -> None:
    """Hold the whole line at one location (pickup): what is already held there stays, the
    rest is held there first and only then released elsewhere, so the buyer never loses
    stock in between. Raises ``OutOfStock`` when the location cannot give it."""
    mine = of_line(line, holds)
    there = [h for h in mine if h.location_id == location_id]
    elsewhere = [h for h in mine if h.location_id != location_id]
    held_there = sum(h.quantity for h in there)
    kept = [h.id for h in there]
    if line.quantity > held_there:
        taken = await allocation.hold(
            session=session,
            variant_id=line.variant_id,
            quantity=line.quantity - held_there,
            reference=reference_of(cart.id),
            channel=channel,
            location_id=location_id,
        )
        kept += [h.id for h in taken]
    elif line.quantity < held_there:
        plan = rules.shrink_plan([(h.id, h.quantity) for h in there], line.quantity)
        for hold_id, left in plan:
            await allocation.shrink(session=session, reservation_id=hold_id, quantity=left)
        kept = [h for h in kept if (h, 0) not in plan]
    for hold in elsewhere:
        await allocation.shrink(session=session, reservation_id=hold.id, quantity=0)
    line.hold_ids = [str(h) for h in kept]
