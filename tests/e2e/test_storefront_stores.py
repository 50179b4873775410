"""The product page's "in stores" fragment: "3 left at Tverskaya st.", nearest first, in the
shopper's language, with a map link; a whole page without htmx."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.kernel.db import unit_of_work
from tests.integration.pickup_fixtures import open_shop

NEAR_ARBAT = {"lat": "55.7522", "lon": "37.5900"}


async def test_the_fragment_lists_stores_nearest_first_in_the_shoppers_language(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with unit_of_work(sessions) as session:
        shop = await open_shop(session, in_store=3)
    url = "/p/cc-kettle/stores"
    params = {"channel": "cc-web", "variant": str(shop.kettle), **NEAR_ARBAT}

    en = await client.get(url, params={**params, "lang": "en"}, headers={"HX-Request": "true"})
    assert en.status_code == 200, en.text
    assert "<html" not in en.text  # a fragment for htmx
    assert en.text.index("3 left at Арбат") < en.text.index("3 left at Тверская ул.")
    assert "openstreetmap.org/?mlat=55.752" in en.text

    ru = await client.get(url, params={**params, "lang": "ru"}, headers={"HX-Request": "true"})
    assert "Осталось 3 штуки: Арбат" in ru.text
    ka = await client.get(url, params={**params, "lang": "ka"}, headers={"HX-Request": "true"})
    assert "დარჩა 3 ცალი: Арбат" in ka.text

    page = await client.get(url, params={**params, "lang": "en"})
    assert "<html" in page.text and "In stores" in page.text


async def test_an_unknown_product_or_variant_is_not_a_500(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with unit_of_work(sessions) as session:
        await open_shop(session)
    missing = await client.get("/p/no-such/stores", params={"channel": "cc-web", "variant": "x"})
    assert missing.status_code == 404
    bad = await client.get("/p/cc-kettle/stores", params={"channel": "cc-web", "variant": "x"})
    assert bad.status_code == 400
