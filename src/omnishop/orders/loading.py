"""Reading orders: load the rows of one order (or a page) once, then build the info shapes.

Also the row lock every change of an order starts with."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.channels import service as channels
from omnishop.kernel import clock
from omnishop.kernel.errors import NotFound
from omnishop.orders.models import (
    Allocation,
    Order,
    OrderHistory,
    OrderLine,
    Shipment,
    TrackingEvent,
)
from omnishop.orders.return_rules import fully_returned
from omnishop.orders.returns_reading import returned_units
from omnishop.orders.schemas import (
    AllocationInfo,
    HistoryInfo,
    OrderInfo,
    OrderLineInfo,
    OrderSummary,
    ShipmentInfo,
    ShipmentLineInfo,
    TrackingEventInfo,
)


async def lock(session: AsyncSession, order_id: uuid.UUID) -> Order:
    """The order, fresh, after taking its row for this transaction. Every change of an order
    starts here, so a cancel and a shipment of one order run one after the other (a row lock
    on PostgreSQL, the write lock on SQLite) and each sees what the other committed."""
    touched = await session.execute(
        update(Order)
        .where(Order.id == order_id)
        .values(updated_at=clock.now())
        .returning(Order.id)
        .execution_options(synchronize_session=False)
    )
    if touched.scalar() is None:
        raise NotFound("order not found", field="order_id")
    order = await session.get(Order, order_id, populate_existing=True)
    assert order is not None
    return order


async def lines_of(session: AsyncSession, order_id: uuid.UUID) -> list[OrderLine]:
    return list(
        await session.scalars(
            select(OrderLine).where(OrderLine.order_id == order_id).order_by(OrderLine.position)
        )
    )


async def allocations_of(session: AsyncSession, line_ids: Sequence[uuid.UUID]) -> list[Allocation]:
    if not line_ids:
        return []
    return list(
        await session.scalars(
            select(Allocation)
            .where(Allocation.order_line_id.in_(line_ids))
            .order_by(Allocation.order_line_id, Allocation.id)
            .execution_options(populate_existing=True)
        )
    )


def shipment_info(shipment: Shipment, events: Sequence[TrackingEvent]) -> ShipmentInfo:
    return ShipmentInfo(
        id=shipment.id,
        order_id=shipment.order_id,
        kind=shipment.kind,
        location_id=shipment.location_id,
        carrier=shipment.carrier,
        tracking_number=shipment.tracking_number,
        status=shipment.status,
        lines=[
            ShipmentLineInfo(
                order_line_id=uuid.UUID(str(ln["order_line_id"])), quantity=ln["quantity"]
            )
            for ln in shipment.lines
        ],
        shipped_at=shipment.shipped_at,
        delivered_at=shipment.delivered_at,
        events=[
            TrackingEventInfo(
                id=e.id,
                status=e.status,
                description=e.description,
                location=e.location,
                occurred_at=e.occurred_at,
                external_id=e.external_id,
            )
            for e in events
        ],
    )


async def shipments_of(session: AsyncSession, order_id: uuid.UUID) -> list[ShipmentInfo]:
    shipments = list(
        await session.scalars(
            select(Shipment)
            .where(Shipment.order_id == order_id)
            .order_by(Shipment.shipped_at, Shipment.id)
            .execution_options(populate_existing=True)
        )
    )
    events: dict[uuid.UUID, list[TrackingEvent]] = defaultdict(list)
    if shipments:
        for e in await session.scalars(
            select(TrackingEvent)
            .where(TrackingEvent.shipment_id.in_([s.id for s in shipments]))
            .order_by(TrackingEvent.occurred_at, TrackingEvent.created_at)
        ):
            events[e.shipment_id].append(e)
    return [shipment_info(s, events[s.id]) for s in shipments]


async def history_of(session: AsyncSession, order_id: uuid.UUID) -> list[HistoryInfo]:
    rows = await session.scalars(
        select(OrderHistory)
        .where(OrderHistory.order_id == order_id)
        .order_by(OrderHistory.at, OrderHistory.id)
    )
    return [HistoryInfo(h.from_status, h.to_status, h.actor, h.note, h.at) for h in rows]


async def info(session: AsyncSession, order: Order, *, with_history: bool = False) -> OrderInfo:
    """Everything about one order, loaded in a handful of queries."""
    channel = await channels.get(session=session, channel_id=order.channel_id)
    lines = await lines_of(session, order.id)
    return build(
        order,
        channel.code,
        lines,
        await allocations_of(session, [ln.id for ln in lines]),
        shipments=await shipments_of(session, order.id),
        history=await history_of(session, order.id) if with_history else [],
        returned=await returned_units(session=session, order_id=order.id, received_only=True),
    )


def build(
    order: Order,
    channel_code: str,
    lines: Sequence[OrderLine],
    allocations: Sequence[Allocation],
    *,
    shipments: Sequence[ShipmentInfo] = (),
    history: Sequence[HistoryInfo] = (),
    returned: Mapping[uuid.UUID, int] | None = None,
) -> OrderInfo:
    """The info shape of an order from its rows (``lines`` in position order); no query, so
    an order just written is described without reading it back."""
    back = returned or {}
    per_line: dict[uuid.UUID, list[Allocation]] = defaultdict(list)
    for a in sorted(allocations, key=lambda a: (a.order_line_id, a.id)):
        per_line[a.order_line_id].append(a)
    return OrderInfo(
        id=order.id,
        number=order.number,
        token=order.token,
        status=order.status,
        payment_status=order.payment_status,
        channel_id=order.channel_id,
        channel_code=channel_code,
        cart_id=order.cart_id,
        customer_id=order.customer_id,
        email=order.email,
        phone=order.phone,
        locale=order.locale,
        currency=order.currency,
        subtotal=order.subtotal,
        shipping_amount=order.shipping_amount,
        total=order.total,
        payment_id=order.payment_id,
        payment_method=order.payment_method,
        delivery=dict(order.delivery or {}),
        lines=[
            OrderLineInfo(
                id=ln.id,
                variant_id=ln.variant_id,
                sku=ln.sku,
                name=ln.name,
                quantity=ln.quantity,
                unit_amount=ln.unit_amount,
                total=ln.total,
                shipped=sum(a.shipped for a in per_line[ln.id]),
                canceled=sum(a.released for a in per_line[ln.id]),
                allocations=[
                    AllocationInfo(a.location_id, a.quantity, a.shipped, a.released)
                    for a in per_line[ln.id]
                ],
                discount_amount=ln.discount_amount or 0,
                tax_amount=ln.tax_amount or 0,
                returned=back.get(ln.id, 0),
            )
            for ln in lines
        ],
        shipments=list(shipments),
        placed_at=order.placed_at,
        canceled_at=order.canceled_at,
        cancel_reason=order.cancel_reason,
        history=list(history),
        discount_amount=order.discount_amount or 0,
        tax_amount=order.tax_amount or 0,
        tax_included=bool(order.tax_included),
        duty_amount=order.duty_amount or 0,
        points_spent=order.points_spent or 0,
        points_amount=order.points_amount or 0,
        adjustments=list(order.adjustments or []),
        fully_returned=fully_returned({ln.id: ln.quantity for ln in lines}, back),
    )


async def summaries(session: AsyncSession, orders: Sequence[Order]) -> list[OrderSummary]:
    """List rows for a page of orders: channel codes and unit counts in two queries."""
    if not orders:
        return []
    codes = await channels.codes(session=session, channel_ids={o.channel_id for o in orders})
    rows = await session.execute(
        select(OrderLine.order_id, func.sum(OrderLine.quantity))
        .where(OrderLine.order_id.in_([o.id for o in orders]))
        .group_by(OrderLine.order_id)
    )
    units = {order_id: int(n or 0) for order_id, n in rows}
    return [
        OrderSummary(
            id=o.id,
            number=o.number,
            token=o.token,
            status=o.status,
            payment_status=o.payment_status,
            channel_code=codes[o.channel_id],
            email=o.email,
            currency=o.currency,
            total=o.total,
            items=units.get(o.id, 0),
            placed_at=o.placed_at,
        )
        for o in orders
    ]
