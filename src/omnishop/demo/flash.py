"""A one-product shop for races: a flash sale of ``units`` units sold through one channel.

Used by the checkout race tests, the crash test and the flash-sale and checkout benchmarks,
so all of them buy the same thing the same way.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.catalog import service as catalog
from omnishop.catalog.schemas import ProductCreate, PublicationIn, TranslationIn, VariantCreate
from omnishop.channels import service as channels
from omnishop.channels.models import ChannelKind
from omnishop.channels.schemas import ChannelCreate
from omnishop.inventory import service as inventory
from omnishop.inventory.models import LocationKind
from omnishop.inventory.schemas import LocationCreate
from omnishop.pricing import service as pricing

PRICE = 1_990_00  # 1990.00 RUB


@dataclass(frozen=True)
class FlashSale:
    channel_code: str
    channel_id: uuid.UUID
    variant_id: uuid.UUID
    location_id: uuid.UUID
    units: int
    price: int


async def seed_flash_sale(*, session: AsyncSession, units: int, tag: str = "flash") -> FlashSale:
    """One channel, one purchasable variant priced in RUB, ``units`` of it at one store that
    offers pickup (so a buyer needs no shipping address)."""
    channel = await channels.create(
        session=session,
        data=ChannelCreate(
            code=f"{tag}-web",
            name=f"{tag} web",
            kind=ChannelKind.WEB,
            currency="RUB",
            default_locale="ru",
            country="RU",
        ),
    )
    product = await catalog.create_product(
        session=session,
        data=ProductCreate(
            slug=f"{tag}-sneaker",
            translations={"ru": TranslationIn(name="Кроссовки: лимитированная серия")},
            variants=[VariantCreate(sku=f"{tag}-sneaker-42", weight_grams=900)],
        ),
    )
    bundle = await catalog.get_bundle(session=session, id_or_slug=str(product.id))
    variant_id = bundle.variants[0].id
    await catalog.publish(
        session=session,
        product_id=product.id,
        channel_id=channel.id,
        data=PublicationIn(visible=True, purchasable=True),
    )
    await pricing.set_price(
        session=session, variant_id=variant_id, channel_id=channel.id, amount=PRICE
    )
    location = await inventory.create_location(
        session=session,
        data=LocationCreate(
            code=f"{tag}-store",
            name="Flagship store",
            kind=LocationKind.STORE,
            country="RU",
            city="Москва",
            address="Тверская ул., 1",
            pickup=True,
        ),
    )
    await inventory.set_on_hand(
        session=session, variant_id=variant_id, location_id=location.id, quantity=units
    )
    return FlashSale(channel.code, channel.id, variant_id, location.id, units, PRICE)
