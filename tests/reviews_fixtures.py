"""Customers who bought and received a product, the way the reviews tests need them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.catalog import service as catalog
from omnishop.customers.models import Customer
from omnishop.kernel import clock
from omnishop.orders import service as orders
from omnishop.orders.schemas import ShipmentCreate, TrackingEventCreate
from tests.integration.test_orders_service import Shop, make_draft, shop


@dataclass(frozen=True)
class Purchase:
    shop: Shop
    customer_id: uuid.UUID
    product_id: uuid.UUID  # the kettle, received
    other_product_id: uuid.UUID  # the mug, never bought by this customer
    kettle_slug: str
    order_id: uuid.UUID
    channel_id: uuid.UUID


async def new_customer(
    session: AsyncSession, first: str = "Anna", last: str = "Kareli"
) -> Customer:
    row = Customer(
        email=f"{uuid.uuid4().hex[:10]}@example.com", first_name=first, last_name=last, locale="ka"
    )
    session.add(row)
    await session.flush()
    return row


async def order_kettle(
    session: AsyncSession, s: Shop, customer_id: uuid.UUID, *, delivered: bool = True
) -> uuid.UUID:
    """One kettle ordered by the customer, shipped and delivered (unless told otherwise)."""
    draft = await make_draft(session, s, kettles=1, mugs=0, customer_id=customer_id)
    order = await orders.place(session=session, draft=draft)
    if delivered:
        shipment = await orders.create_shipment(
            session=session, order_id=order.id, data=ShipmentCreate()
        )
        await orders.add_tracking_event(
            session=session,
            shipment_id=shipment.id,
            data=TrackingEventCreate(status="delivered", occurred_at=clock.now(), external_id="d"),
        )
    return order.id


async def purchase(
    session: AsyncSession, code: str = "web-rv", *, delivered: bool = True
) -> Purchase:
    """Given a shop, a customer who ordered a kettle and (when ``delivered``) received it."""
    s = await shop(session, code)
    buyer = await new_customer(session)
    order_id = await order_kettle(session, s, buyer.id, delivered=delivered)
    kettle = await catalog.find_product_id(session=session, id_or_slug=f"kettle-{code}")
    mug = await catalog.find_product_id(session=session, id_or_slug=f"mug-{code}")
    return Purchase(s, buyer.id, kettle, mug, f"kettle-{code}", order_id, s.channel_id)


async def more_buyers(session: AsyncSession, p: Purchase, count: int) -> list[uuid.UUID]:
    """``count`` more customers who received the same kettle."""
    found = []
    for i in range(count):
        buyer = await new_customer(session, f"Buyer{i}", "")
        await order_kettle(session, p.shop, buyer.id)
        found.append(buyer.id)
    return found
