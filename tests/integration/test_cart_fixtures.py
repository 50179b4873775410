"""A small shop for cart tests (no tests here): one channel, two priced variants, a
warehouse and a pickup store, Russian shipping zones."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.catalog import service as catalog
from omnishop.catalog.schemas import ProductCreate, PublicationIn, TranslationIn, VariantCreate
from omnishop.channels import service as channels
from omnishop.channels.models import Channel
from omnishop.channels.schemas import ChannelCreate
from omnishop.checkout import shipping
from omnishop.checkout.schemas import MethodCreate, Tier, ZoneCreate
from omnishop.inventory import service as inventory
from omnishop.inventory.models import LocationKind
from omnishop.inventory.schemas import LocationCreate
from omnishop.pricing import service as pricing

MOSCOW = {"country": "RU", "city": "Москва", "postcode": "101000", "line1": "Тверская 1"}
KAZAN = {"country": "RU", "city": "Казань", "postcode": "420000", "line1": "Баумана 1"}


@dataclass
class Shop:
    channel: Channel
    kettle: uuid.UUID  # 2 500 ₽, 1 200 g
    mug: uuid.UUID  # 990 ₽, 300 g
    warehouse: uuid.UUID
    store: uuid.UUID  # a pickup point


async def product(
    session: AsyncSession, channel: Channel, slug: str, name: str, weight: int, price: int
) -> uuid.UUID:
    created = await catalog.create_product(
        session=session,
        data=ProductCreate(
            slug=slug,
            translations={"ru": TranslationIn(name=name), "en": TranslationIn(name=slug)},
            variants=[VariantCreate(sku=f"{slug}-1", weight_grams=weight)],
        ),
    )
    await catalog.publish(
        session=session, product_id=created.id, channel_id=channel.id, data=PublicationIn()
    )
    bundle = await catalog.get_bundle(session=session, id_or_slug=str(created.id))
    variant_id = bundle.variants[0].id
    await pricing.set_price(
        session=session, variant_id=variant_id, channel_id=channel.id, amount=price
    )
    return variant_id


async def open_shop(
    session: AsyncSession, *, in_warehouse: int = 10, in_store: int = 2, code: str = "web"
) -> Shop:
    channel = await channels.create(
        session=session,
        data=ChannelCreate(
            code=code, name="Web", kind="web", currency="RUB", default_locale="ru", country="RU"
        ),
    )
    kettle = await product(session, channel, f"{code}-kettle", "Чайник", 1200, 250000)
    mug = await product(session, channel, f"{code}-mug", "Кружка", 300, 99000)
    warehouse = await inventory.create_location(
        session=session,
        data=LocationCreate(
            code=f"{code}-wh", name="Склад", kind=LocationKind.WAREHOUSE, country="RU", priority=0
        ),
    )
    store = await inventory.create_location(
        session=session,
        data=LocationCreate(
            code=f"{code}-store", name="Магазин на Арбате", kind=LocationKind.STORE,
            country="RU", city="Москва", address="Арбат 1", pickup=True, priority=10,
            latitude=Decimal("55.75"), longitude=Decimal("37.59"),
        ),
    )  # fmt: skip
    for variant_id in (kettle, mug):
        await inventory.set_on_hand(
            session=session, variant_id=variant_id, location_id=warehouse.id, quantity=in_warehouse
        )
        await inventory.set_on_hand(
            session=session, variant_id=variant_id, location_id=store.id, quantity=in_store
        )
    return Shop(channel, kettle, mug, warehouse.id, store.id)


async def russian_shipping(session: AsyncSession) -> None:
    """Moscow courier 390 ₽ (free from 5 000 ₽), Russian Post by weight."""
    moscow = await shipping.create_zone(
        session=session,
        data=ZoneCreate(name="Москва", countries=["RU"], postcodes=["101000-135999"]),
    )
    russia = await shipping.create_zone(
        session=session, data=ZoneCreate(name="Россия", countries=["RU"])
    )
    await shipping.create_method(
        session=session,
        data=MethodCreate(
            zone_id=moscow.id, code="courier", names={"ru": "Курьер", "en": "Courier"},
            currency="RUB", tiers=[Tier(amount=39000)], free_over=500000, min_days=1, max_days=2,
        ),
    )  # fmt: skip
    await shipping.create_method(
        session=session,
        data=MethodCreate(
            zone_id=russia.id, code="post", names={"ru": "Почта"}, rate_kind="weight",
            currency="RUB", tiers=[Tier(up_to=1000, amount=29000), Tier(up_to=3000, amount=44000)],
            min_days=3, max_days=10, position=10,
        ),
    )  # fmt: skip
