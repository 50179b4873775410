"""Shipments and tracking: committed stock leaves a location in a parcel, carriers (or staff)
report what happens to it, and the order follows: fulfilling, shipped, delivered."""

from __future__ import annotations

import uuid
from collections import defaultdict

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.inventory import fulfilment
from omnishop.kernel import clock, outbox
from omnishop.kernel.errors import NotFound
from omnishop.orders import loading, rules
from omnishop.orders.events import OrderDelivered, OrderShipped
from omnishop.orders.models import Allocation, Order, OrderHistory, Shipment, TrackingEvent
from omnishop.orders.rules import OrderStatus, TrackingStatus
from omnishop.orders.schemas import (
    ShipmentCreate,
    ShipmentInfo,
    TrackingEventCreate,
    TrackingResult,
)


async def create_shipment(
    *, session: AsyncSession, order_id: uuid.UUID, data: ShipmentCreate, actor: str = "staff"
) -> ShipmentInfo:
    """Ship units from one location (all unshipped ones when no lines are given): committed
    stock leaves the location, the order becomes fulfilling or shipped, ``order.shipped``."""
    order = await loading.lock(session, order_id)
    if order.status not in rules.SHIPPABLE:
        raise rules.InvalidOrderTransition(
            f"an order that is {order.status} cannot ship",
            field="order_id",
            order_status=order.status,
        )
    lines = {ln.id: ln for ln in await loading.lines_of(session, order.id)}
    allocations = await loading.allocations_of(session, list(lines))
    slots = [
        rules.Slot(a.id, a.order_line_id, a.location_id, a.quantity - a.shipped - a.released)
        for a in allocations
    ]
    wanted = None if data.lines is None else {ln.order_line_id: ln.quantity for ln in data.lines}
    takes = rules.pick_shipment(slots, wanted, data.location_id)

    leaving: dict[uuid.UUID, int] = defaultdict(int)
    for take in takes:
        done = await session.execute(
            update(Allocation)
            .where(
                Allocation.id == take.allocation_id,
                Allocation.shipped + Allocation.released + take.quantity <= Allocation.quantity,
            )
            .values(shipped=Allocation.shipped + take.quantity)
            .execution_options(synchronize_session=False)
        )
        if done.rowcount == 0:  # type: ignore[attr-defined]
            raise rules.NothingToShip("these units shipped meanwhile", field="lines")
        leaving[lines[take.order_line_id].variant_id] += take.quantity
    location_id = takes[0].location_id
    reference = f"order:{order.id}"
    for variant_id, quantity in leaving.items():
        await fulfilment.ship(
            session=session,
            variant_id=variant_id,
            location_id=location_id,
            quantity=quantity,
            reference=reference,
        )
    per_line: dict[uuid.UUID, int] = defaultdict(int)
    for take in takes:
        per_line[take.order_line_id] += take.quantity
    shipment = Shipment(
        order_id=order.id,
        location_id=location_id,
        # Pickup orders get a pickup shipment; its ready-for-pickup flow comes in issue 6.
        kind="pickup" if (order.delivery or {}).get("kind") == "pickup" else "shipping",
        carrier=data.carrier,
        tracking_number=data.tracking_number,
        status=TrackingStatus.SHIPPED,
        lines=[{"order_line_id": str(k), "quantity": v} for k, v in per_line.items()],
    )
    session.add(shipment)
    open_after = sum(s.open for s in slots) - sum(t.quantity for t in takes)
    new_status = rules.status_after_shipping(order.status, open_after)
    if new_status != order.status:
        session.add(
            OrderHistory(
                order_id=order.id,
                from_status=order.status,
                to_status=new_status,
                actor=actor,
                note=f"shipment {data.tracking_number or ''}".strip(),
            )
        )
        order.status = new_status
    await session.flush()
    await outbox.emit(
        session,
        OrderShipped(
            order_id=order.id,
            number=order.number,
            channel_id=order.channel_id,
            shipment_id=shipment.id,
            carrier=shipment.carrier,
            tracking_number=shipment.tracking_number,
            complete=open_after == 0,
        ),
    )
    return loading.shipment_info(shipment, [])


async def add_tracking_event(
    *, session: AsyncSession, shipment_id: uuid.UUID, data: TrackingEventCreate
) -> TrackingResult:
    """Record what the carrier reports. An ``external_id`` seen before changes nothing; a
    delivery marks the shipment delivered, and the order delivered once every unit is."""
    order_id = await session.scalar(select(Shipment.order_id).where(Shipment.id == shipment_id))
    if order_id is None:
        raise NotFound("shipment not found", field="shipment_id")
    order = await loading.lock(session, order_id)
    shipment = await session.get(Shipment, shipment_id, populate_existing=True)
    assert shipment is not None
    if data.external_id is not None and await _seen(session, shipment_id, data.external_id):
        return TrackingResult(created=False, shipment=await _shipment(session, shipment))
    latest = await session.scalar(
        select(func.max(TrackingEvent.occurred_at)).where(TrackingEvent.shipment_id == shipment_id)
    )
    try:
        async with session.begin_nested():
            session.add(
                TrackingEvent(
                    shipment_id=shipment_id,
                    status=data.status,
                    description=data.description,
                    location=data.location,
                    occurred_at=data.occurred_at,
                    external_id=data.external_id,
                )
            )
    except IntegrityError:  # the same carrier event, posted twice at once
        return TrackingResult(created=False, shipment=await _shipment(session, shipment))
    older = latest is not None and data.occurred_at < latest
    status = rules.shipment_status_after(shipment.status, older, data.status)
    if status == TrackingStatus.DELIVERED and shipment.delivered_at is None:
        shipment.delivered_at = data.occurred_at
    shipment.status = status
    await session.flush()
    if status == TrackingStatus.DELIVERED:
        await _deliver_if_done(session, order)
    return TrackingResult(created=True, shipment=await _shipment(session, shipment))


async def _seen(session: AsyncSession, shipment_id: uuid.UUID, external_id: str) -> bool:
    found = await session.scalar(
        select(TrackingEvent.id).where(
            TrackingEvent.shipment_id == shipment_id, TrackingEvent.external_id == external_id
        )
    )
    return found is not None


async def _shipment(session: AsyncSession, shipment: Shipment) -> ShipmentInfo:
    events = list(
        await session.scalars(
            select(TrackingEvent)
            .where(TrackingEvent.shipment_id == shipment.id)
            .order_by(TrackingEvent.occurred_at, TrackingEvent.created_at)
        )
    )
    return loading.shipment_info(shipment, events)


async def _deliver_if_done(session: AsyncSession, order: Order) -> None:
    statuses = list(
        await session.scalars(select(Shipment.status).where(Shipment.order_id == order.id))
    )
    if not rules.order_delivered(order.status, statuses):
        return
    session.add(
        OrderHistory(
            order_id=order.id,
            from_status=order.status,
            to_status=OrderStatus.DELIVERED,
            actor="carrier",
            note="every shipment delivered",
        )
    )
    order.status = rules.transition(order.status, OrderStatus.DELIVERED)
    order.delivered_at = clock.now()
    await session.flush()
    await outbox.emit(
        session,
        OrderDelivered(order_id=order.id, number=order.number, channel_id=order.channel_id),
    )
