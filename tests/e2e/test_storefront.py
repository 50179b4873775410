"""Storefront pages over HTTP: prices, translations, structured data and 404s."""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from datetime import timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.catalog import service as catalog
from omnishop.catalog.schemas import (
    CategoryCreate,
    ProductCreate,
    PublicationIn,
    TranslationIn,
    VariantCreate,
)
from omnishop.channels import service as channels
from omnishop.channels.schemas import ChannelCreate
from omnishop.inventory import service as inventory
from omnishop.inventory.schemas import LocationCreate
from omnishop.kernel import clock, outbox
from omnishop.kernel.db import unit_of_work
from omnishop.kernel.errors import NotFound
from omnishop.pricing import service as pricing
from omnishop.search import jobs as _jobs  # noqa: F401  (registers the indexing handlers)


@dataclass
class Shop:
    channel_id: uuid.UUID
    product_slug: str


async def make_shop(
    sessions: async_sessionmaker[AsyncSession],
    *,
    slug: str = "chainik",
    visible: bool = True,
    on_hand: int = 7,
) -> Shop:
    """Given a web channel (RUB, ru) with a category and a priced, stocked, published kettle."""
    async with unit_of_work(sessions) as session:
        try:
            channel = await channels.get_by_code(session=session, code="web")
        except NotFound:
            channel = await channels.create(
                session=session,
                data=ChannelCreate(
                    code="web",
                    name="Web",
                    kind="web",
                    currency="RUB",
                    default_locale="ru",
                    country="RU",
                ),
            )
        category = await catalog.create_category(
            session=session,
            data=CategoryCreate(
                slug=f"kitchen-{slug}",
                translations={
                    "ru": TranslationIn(name="Кухня"),
                    "en": TranslationIn(name="Kitchen"),
                    "ka": TranslationIn(name="სამზარეულო"),
                },
            ),
        )
        product = await catalog.create_product(
            session=session,
            data=ProductCreate(
                slug=slug,
                category_id=category.id,
                brand="Teplo",
                translations={
                    "ru": TranslationIn(name="Чайник стальной", description="Кипятит быстро."),
                    "en": TranslationIn(name="Steel kettle", description="Boils fast."),
                    "ka": TranslationIn(name="ფოლადის ჩაიდანი", description="სწრაფად ადუღებს."),
                },
                variants=[VariantCreate(sku=f"KET-{slug}", options={"colour": "silver"})],
            ),
        )
        bundle = await catalog.get_bundle(session=session, id_or_slug=product.slug)
        variant_id = bundle.variants[0].id
        await catalog.publish(
            session=session,
            product_id=product.id,
            channel_id=channel.id,
            data=PublicationIn(visible=visible),
        )
        await pricing.set_price(
            session=session,
            variant_id=variant_id,
            channel_id=channel.id,
            amount=129_900,
            compare_at_amount=159_900,
        )
        location = await inventory.create_location(
            session=session,
            data=LocationCreate(
                code=f"wh-{slug}", name="Warehouse", kind="warehouse", country="RU"
            ),
        )
        await inventory.set_on_hand(
            session=session, variant_id=variant_id, location_id=location.id, quantity=on_hand
        )
    await outbox.drain(sessions)  # the grids read the search index, fed by outbox events
    return Shop(channel.id, product.slug)


def jsonld(html: str) -> dict[str, object]:
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert match, "no JSON-LD on the page"
    data: dict[str, object] = json.loads(match.group(1))
    return data


async def test_home_lists_a_published_product_with_its_formatted_price(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await make_shop(sessions)

    page = await client.get("/")

    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert '<html lang="ru">' in page.text
    assert "Чайник стальной" in page.text
    assert "1\xa0299,00\xa0₽" in page.text  # Babel's ru format: NBSP thousands, comma decimals
    assert "Кухня" in page.text
    assert 'href="/p/chainik"' in page.text


async def test_product_page_speaks_the_negotiated_language(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await make_shop(sessions)

    ru = await client.get("/p/chainik")
    en = await client.get("/p/chainik", headers={"Accept-Language": "en-US,en;q=0.9"})
    ka = await client.get("/p/chainik", headers={"Accept-Language": "ka-GE,ka;q=0.9"})

    assert ru.status_code == en.status_code == ka.status_code == 200
    assert "Чайник стальной" in ru.text and "В наличии" in ru.text and "Кухня" in ru.text
    assert "Steel kettle" in en.text and "In stock" in en.text and "Kitchen" in en.text
    assert "ფოლადის ჩაიდანი" in ka.text and "მარაგშია" in ka.text and "ფასი" in ka.text
    assert '<html lang="ka">' in ka.text
    assert ka.headers["content-language"] == "ka"


async def test_lang_query_beats_accept_language_and_is_remembered(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await make_shop(sessions)

    chosen = await client.get("/p/chainik?lang=ka", headers={"Accept-Language": "en"})
    later = await client.get("/p/chainik", headers={"Accept-Language": "en"})

    assert "ფოლადის ჩაიდანი" in chosen.text
    assert chosen.cookies.get("lang") == "ka"
    assert "ფოლადის ჩაიდანი" in later.text  # the cookie now outranks Accept-Language


async def test_product_page_carries_jsonld_canonical_and_hreflang(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await make_shop(sessions)

    page = await client.get("/p/chainik?lang=en")

    data = jsonld(page.text)
    offers = data["offers"]
    assert isinstance(offers, list)
    assert data["@type"] == "Product" and data["name"] == "Steel kettle"
    assert offers[0]["price"] == "1299.00" and offers[0]["priceCurrency"] == "RUB"
    assert offers[0]["availability"] == "https://schema.org/InStock"
    assert '<link rel="canonical" href="http://testserver/p/chainik?lang=en">' in page.text
    for lang in ("ru", "en", "ka", "x-default"):
        assert f'hreflang="{lang}"' in page.text
    assert "<del>" in page.text and "1,599.00" in page.text  # compare-at struck through


async def test_out_of_stock_variant_says_so(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await make_shop(sessions, on_hand=0)

    page = await client.get("/p/chainik?lang=ka")

    assert "არ არის მარაგში" in page.text
    assert jsonld(page.text)["offers"] == [
        {
            "@type": "Offer",
            "sku": "KET-chainik",
            "price": "1299.00",
            "priceCurrency": "RUB",
            "availability": "https://schema.org/OutOfStock",
            "url": "http://testserver/p/chainik?lang=ka",
        }
    ]


async def test_unknown_slug_is_a_friendly_404_page(client: httpx.AsyncClient) -> None:
    page = await client.get("/p/no-such-thing", headers={"Accept-Language": "en"})

    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "Page not found" in page.text and 'href="/"' in page.text


async def test_unpublished_or_future_product_is_not_found(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    shop = await make_shop(sessions, slug="hidden", visible=False)
    future = await make_shop(sessions, slug="soon")
    async with unit_of_work(sessions) as session:
        product_id = await catalog.find_product_id(session=session, id_or_slug=future.product_slug)
        await catalog.publish(
            session=session,
            product_id=product_id,
            channel_id=future.channel_id,
            data=PublicationIn(published_at=clock.now() + timedelta(days=1)),
        )
    await outbox.drain(sessions)

    hidden = await client.get(f"/p/{shop.product_slug}")
    not_yet = await client.get("/p/soon")
    home = await client.get("/")

    assert hidden.status_code == 404 and not_yet.status_code == 404
    assert "Страница не найдена" in hidden.text
    assert "/p/hidden" not in home.text and "/p/soon" not in home.text


async def test_unknown_channel_is_a_404_page_not_a_500(client: httpx.AsyncClient) -> None:
    page = await client.get("/?channel=nope")

    assert page.status_code == 404
    assert "<html" in page.text


async def test_category_page_lists_products_of_its_subtree(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await make_shop(sessions)

    page = await client.get("/c/kitchen-chainik?lang=en")
    missing = await client.get("/c/nowhere")

    assert page.status_code == 200
    assert "<h1>Kitchen</h1>" in page.text and "Steel kettle" in page.text
    assert "1 product" in page.text
    assert missing.status_code == 404
