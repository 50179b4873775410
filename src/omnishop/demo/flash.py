"""A one-product shop for races: a flash sale of ``units`` units sold through one channel.

Used by the checkout race tests, the crash test and the flash-sale and checkout benchmarks,
so all of them buy the same thing the same way.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any, Protocol

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


@dataclass(frozen=True)
class Outcome:
    """One buyer's race: how far they got and what the shop said."""

    buyer: int
    step: str  # the last step tried: cart, line, contact, token, complete
    status: int  # its HTTP status
    code: str | None  # the problem code when it failed
    order_number: str | None
    seconds: float  # the whole path
    complete_seconds: float | None  # the completion call alone


class Reply(Protocol):
    @property
    def status_code(self) -> int: ...
    @property
    def is_success(self) -> bool: ...
    def json(self) -> Any: ...


class Client(Protocol):
    """What a buyer needs of an HTTP client (httpx's AsyncClient is one; a benchmark may
    bring a lighter one)."""

    async def post(
        self, url: str, *, json: Any = None, headers: dict[str, str] | None = None
    ) -> Reply: ...

    async def patch(
        self, url: str, *, json: Any = None, headers: dict[str, str] | None = None
    ) -> Reply: ...


async def buy(
    client: Client,
    sale: FlashSale,
    buyer: int,
    *,
    card: str = "4242424242424242",
    publishable_key: str = "pk_sandbox_demo",
) -> Outcome:
    """A buyer's whole path through the public HTTP API: cart → line → contact and pickup →
    card tokenised at the sandbox PSP → completion. Stops at the first refusal."""
    started = time.perf_counter()

    def done(step: str, response: Reply, order: str | None = None) -> Outcome:
        code = None
        if response.status_code >= 400:
            try:
                code = response.json().get("code")
            except ValueError:
                code = None
        return Outcome(
            buyer, step, response.status_code, code, order, time.perf_counter() - started, took
        )

    took: float | None = None
    cart = await client.post("/api/v1/carts", json={"channel": sale.channel_code})
    if cart.status_code != 201:
        return done("cart", cart)
    token = cart.json()["token"]
    line = await client.post(
        f"/api/v1/carts/{token}/lines", json={"variant_id": str(sale.variant_id), "quantity": 1}
    )
    if line.status_code != 201:
        return done("line", line)
    contact = await client.patch(
        f"/api/v1/carts/{token}",
        json={
            "email": f"buyer{buyer}@example.com",
            "delivery": {"kind": "pickup", "location_id": str(sale.location_id)},
        },
    )
    if contact.status_code != 200:
        return done("contact", contact)
    tokenised = await client.post(
        "/sandbox-psp/v1/tokens",
        json={"number": card, "exp_month": 12, "exp_year": 2031, "cvc": "123"},
        headers={"Authorization": f"Bearer {publishable_key}"},
    )
    if tokenised.status_code != 200:
        return done("token", tokenised)
    before = time.perf_counter()
    completed = await client.post(
        f"/api/v1/carts/{token}/complete",
        json={"payment": {"method": "card", "token": tokenised.json()["id"]}},
        headers={"Idempotency-Key": f"buyer-{buyer}-{token[:8]}"},
    )
    took = time.perf_counter() - before
    number = completed.json().get("order", {}).get("number") if completed.is_success else None
    return done("complete", completed, number)
