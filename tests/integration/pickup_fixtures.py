"""A small omnichannel shop for click & collect and in-store sale tests (no tests here): a
web channel and a store channel, a kettle sold in both, a warehouse and two stores (pickup
points) in different time zones."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.catalog import service as catalog
from omnishop.catalog.schemas import PublicationIn
from omnishop.channels import service as channels
from omnishop.channels.models import Channel
from omnishop.channels.schemas import ChannelCreate
from omnishop.checkout import completion
from omnishop.checkout import service as carts
from omnishop.checkout.schemas import CartUpdate
from omnishop.inventory import service as inventory
from omnishop.inventory.models import LocationKind
from omnishop.inventory.schemas import LocationCreate
from omnishop.kernel.db import unit_of_work
from omnishop.orders.schemas import OrderInfo
from omnishop.payments.schemas import PaymentInput
from omnishop.pricing import service as pricing
from tests.integration.test_cart_fixtures import product

EVERY_DAY = {d: [["10:00", "22:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


@dataclass
class Shop:
    web: Channel
    store_channel: Channel
    kettle: uuid.UUID  # 2 500 ₽
    kettle_sku: str
    warehouse: uuid.UUID
    tverskaya: uuid.UUID  # Moscow store, pickup point
    arbat: uuid.UUID  # Moscow store, pickup point


async def open_shop(session: AsyncSession, *, in_store: int = 3, prefix: str = "cc") -> Shop:
    web = await channels.create(
        session=session,
        data=ChannelCreate(
            code=f"{prefix}-web", name="Web", kind="web", currency="RUB",
            default_locale="ru", country="RU",
        ),
    )  # fmt: skip
    store_channel = await channels.create(
        session=session,
        data=ChannelCreate(
            code=f"{prefix}-store", name="Stores", kind="store", currency="RUB",
            default_locale="ru", country="RU",
        ),
    )  # fmt: skip
    kettle = await product(session, web, f"{prefix}-kettle", "Чайник", 1200, 250000)
    await catalog.publish(
        session=session,
        product_id=(await catalog.find_product_id(session=session, id_or_slug=f"{prefix}-kettle")),
        channel_id=store_channel.id,
        data=PublicationIn(),
    )
    await pricing.set_price(
        session=session, variant_id=kettle, channel_id=store_channel.id, amount=250000
    )
    warehouse = await inventory.create_location(
        session=session,
        data=LocationCreate(
            code=f"{prefix}-wh", name="Склад", kind=LocationKind.WAREHOUSE, country="RU",
            priority=0,
        ),
    )  # fmt: skip
    tverskaya = await inventory.create_location(
        session=session,
        data=LocationCreate(
            code=f"{prefix}-tverskaya", name="Тверская ул.", kind=LocationKind.STORE,
            country="RU", city="Москва", address="Тверская 7", pickup=True, priority=10,
            latitude=Decimal("55.7585"), longitude=Decimal("37.6132"),
            timezone="Europe/Moscow", opening_hours=EVERY_DAY,
        ),
    )  # fmt: skip
    arbat = await inventory.create_location(
        session=session,
        data=LocationCreate(
            code=f"{prefix}-arbat", name="Арбат", kind=LocationKind.STORE,
            country="RU", city="Москва", address="Арбат 1", pickup=True, priority=20,
            latitude=Decimal("55.7520"), longitude=Decimal("37.5925"),
            timezone="Europe/Moscow", opening_hours=EVERY_DAY,
        ),
    )  # fmt: skip
    await inventory.set_on_hand(
        session=session, variant_id=kettle, location_id=warehouse.id, quantity=10
    )
    for store in (tverskaya, arbat):
        await inventory.set_on_hand(
            session=session, variant_id=kettle, location_id=store.id, quantity=in_store
        )
    return Shop(web, store_channel, kettle, f"{prefix}-kettle-1", warehouse.id, tverskaya.id,
                arbat.id)  # fmt: skip


async def pickup_order(
    sessions: async_sessionmaker[AsyncSession],
    shop: Shop,
    *,
    payment: PaymentInput,
    quantity: int = 1,
) -> OrderInfo:
    """A web order of kettles to collect at Tverskaya, completed through checkout."""
    async with unit_of_work(sessions) as session:
        cart = await carts.create_cart(session=session, channel=shop.web)
        await carts.add_line(
            session=session, token=cart.token, variant_id=shop.kettle, quantity=quantity
        )
        await carts.update_cart(
            session=session,
            token=cart.token,
            data=CartUpdate.model_validate(
                {
                    "email": "anna@example.com",
                    "delivery": {"kind": "pickup", "location_id": str(shop.tverskaya)},
                }
            ),
        )
    done = await completion.complete(sessions, token=cart.token, payment=payment)
    assert done.order is not None
    order: OrderInfo = done.order
    return order
