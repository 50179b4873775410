"""Shipments and tracking on SQLite and PostgreSQL: stock leaves the right location, partial
shipments, one location per parcel, deduped and out-of-order carrier events."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.inventory.ledger import verify_ledger
from omnishop.kernel import clock
from omnishop.orders import service
from omnishop.orders.drafts import DraftLine
from omnishop.orders.rules import SeveralLocations
from omnishop.orders.schemas import ShipmentCreate, ShipmentLineIn, TrackingEventCreate
from tests.integration.test_orders_service import hold, level, make_draft, shop, topics


async def test_shipping_takes_committed_stock_off_the_shelf(session: AsyncSession) -> None:
    s = await shop(session)
    order = await service.place(session=session, draft=await make_draft(session, s, kettles=2))
    kettle = order.lines[0]

    first = await service.create_shipment(
        session=session,
        order_id=order.id,
        data=ShipmentCreate(
            carrier="cdek", lines=[ShipmentLineIn(order_line_id=kettle.id, quantity=1)]
        ),
    )
    partial = await service.get(session=session, order_id=order.id)
    await service.create_shipment(session=session, order_id=order.id, data=ShipmentCreate())
    done = await service.get(session=session, order_id=order.id)

    assert (first.kind, first.status, first.location_id) == ("shipping", "shipped", s.main)
    assert partial.status == "fulfilling"
    assert await level(session, s.kettle, s.main) == (3, 0, 0)
    assert await level(session, s.mug, s.main) == (4, 0, 0)
    assert done.status == "shipped"
    assert [ln.shipped for ln in done.lines] == [2, 1]
    assert (await verify_ledger(session=session, variant_id=s.kettle, location_id=s.main)).ok
    assert await topics(session) == ["orders.placed", "orders.shipped", "orders.shipped"]


async def test_a_parcel_leaves_from_one_location(session: AsyncSession) -> None:
    s = await shop(session)
    base = await make_draft(session, s, kettles=1, mugs=0)
    holds = (
        base.lines[0].hold_ids[0],
        await hold(session, s, s.kettle, 2, s.spare),
    )
    draft = replace(base, lines=(DraftLine(s.kettle, "kettle-1", "Kettle", 3, 100, holds),))
    order = await service.place(session=session, draft=draft)

    with pytest.raises(SeveralLocations):
        await service.create_shipment(session=session, order_id=order.id, data=ShipmentCreate())
    spare = await service.create_shipment(
        session=session, order_id=order.id, data=ShipmentCreate(location_id=s.spare)
    )
    after_spare = await service.get(session=session, order_id=order.id)
    main = await service.create_shipment(session=session, order_id=order.id, data=ShipmentCreate())

    assert (spare.location_id, spare.lines[0].quantity) == (s.spare, 2)
    assert after_spare.status == "fulfilling"
    assert (main.location_id, main.lines[0].quantity) == (s.main, 1)
    assert await level(session, s.kettle, s.spare) == (3, 0, 0)


async def test_a_pickup_order_gets_a_pickup_shipment(session: AsyncSession) -> None:
    s = await shop(session)
    draft = await make_draft(
        session, s, delivery={"kind": "pickup", "pickup_location_id": str(s.main)}
    )
    order = await service.place(session=session, draft=draft)

    shipment = await service.create_shipment(
        session=session, order_id=order.id, data=ShipmentCreate()
    )

    assert shipment.kind == "pickup"


async def test_tracking_is_deduped_and_a_late_event_does_not_undo_a_newer_one(
    session: AsyncSession,
) -> None:
    s = await shop(session)
    order = await service.place(session=session, draft=await make_draft(session, s))
    shipment = await service.create_shipment(
        session=session, order_id=order.id, data=ShipmentCreate()
    )
    t0 = clock.now()

    async def post(status: str, minutes: int, external_id: str) -> bool:
        data = TrackingEventCreate(
            status=status, occurred_at=t0 + timedelta(minutes=minutes), external_id=external_id
        )
        result = await service.add_tracking_event(
            session=session, shipment_id=shipment.id, data=data
        )
        return result.created

    created = [
        await post("out_for_delivery", 30, "e2"),
        await post("in_transit", 10, "e1"),  # arrives late
        await post("out_for_delivery", 30, "e2"),  # redelivered
    ]
    between = await service.get(session=session, order_id=order.id)
    await post("delivered", 60, "e3")
    delivered = await service.get(session=session, order_id=order.id)

    assert created == [True, True, False]
    assert between.shipments[0].status == "out_for_delivery"
    assert [e.status for e in between.shipments[0].events] == ["in_transit", "out_for_delivery"]
    assert delivered.status == "delivered"
    assert delivered.shipments[0].delivered_at == t0 + timedelta(minutes=60)
    assert (await topics(session))[-1] == "orders.delivered"
