"""The category and search filter panel: a price range in the channel's currency, attribute
checkboxes with counts (values of one attribute OR, attributes AND), removable chips, paging
that keeps the filters, forgiving parameters and the labels in ru, en and ka."""

from __future__ import annotations

import html
import re
from typing import Any

import httpx
import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from omnishop.catalog import service as catalog
from omnishop.catalog.models import Attribute
from omnishop.catalog.schemas import CategoryCreate, PublicationIn, TranslationIn
from omnishop.channels import service as channels
from omnishop.channels.schemas import ChannelCreate
from omnishop.inventory import service as inventory
from omnishop.inventory.schemas import LocationCreate
from omnishop.kernel import outbox
from omnishop.kernel.db import unit_of_work
from omnishop.pricing import service as pricing
from omnishop.search import facets
from omnishop.search import jobs as _jobs  # noqa: F401  (registers the handlers)
from tests.integration.test_search import _product

# slug, colour, brand, price (kopecks), stock
PHONES = [
    ("red-acme", "red", "acme", 100000, 3),
    ("red-zeta", "red", "zeta", 250050, 0),
    ("blue-acme", "blue", "acme", 300000, 1),
    ("green-zeta", "green", "zeta", 500000, 2),
    ("blue-zeta", "blue", "zeta", 80000, 4),
]


async def phone_shop(sessions: async_sessionmaker[AsyncSession]) -> None:
    """Channel "web" (RUB, ru) with a "phones" category of five phones, indexed."""
    async with unit_of_work(sessions) as session:
        web = await channels.create(
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
        phones = await catalog.create_category(
            session=session,
            data=CategoryCreate(
                slug="phones",
                translations={
                    "ru": TranslationIn(name="Телефоны"),
                    "en": TranslationIn(name="Phones"),
                },
            ),
        )
        location = await inventory.create_location(
            session=session,
            data=LocationCreate(code="main", name="Main", kind="warehouse", country="RU"),
        )
        for slug, colour, brand, price, stock in PHONES:
            attributes = {"color": colour, "brand": brand, "model": slug.upper()}
            pid, vid = await _product(session, slug, slug, slug, phones.id, attributes)
            await pricing.set_price(
                session=session, variant_id=vid, channel_id=web.id, amount=price
            )
            await inventory.set_on_hand(
                session=session, variant_id=vid, location_id=location.id, quantity=stock
            )
            await catalog.publish(
                session=session, product_id=pid, channel_id=web.id, data=PublicationIn()
            )
        # Named by staff: brand first; "model" is not offered as a filter.
        session.add_all(
            [
                Attribute(code="brand", names={"ru": "Бренд", "en": "Brand"}, position=0),
                Attribute(
                    code="color",
                    names={"ru": "Цвет", "en": "Colour", "ka": "ფერი"},
                    position=1,
                ),
                Attribute(code="model", names={"en": "Model"}, filterable=False),
            ]
        )
    await outbox.drain(sessions)
    facets.invalidate()


def cards(page: httpx.Response) -> set[str]:
    return set(re.findall(r'<li class="card"><a href="/p/([^"]+)"', page.text))


def next_link(page: httpx.Response) -> str | None:
    match = re.search(r'rel="next" href="([^"]+)"', page.text)
    return html.unescape(match.group(1)) if match else None


def checkbox(page: httpx.Response, code: str, value: str) -> str:
    match = re.search(
        rf'<label><input type="checkbox" name="a\.{code}" value="{value}"[^>]*>[^<]*'
        r'(?:<span class="n">\((\d+)\)</span>)?</label>',
        page.text,
    )
    assert match, f"no checkbox for {code}={value}"
    return match.group(0)


def chips(page: httpx.Response) -> list[str]:
    block = re.search(r'<ul class="chips chosen"[^>]*>(.*?)</ul>', page.text, re.S)
    if not block:
        return []
    return [html.unescape(h) for h in re.findall(r'<a href="([^"]+)"', block.group(1))]


async def test_a_price_range_in_roubles_filters_the_grid(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await phone_shop(sessions)

    page = await client.get("/c/phones", params={"price_min": "1 000", "price_max": "2500,50"})
    # min > max is swapped, not refused
    swapped = await client.get("/c/phones", params={"price_min": "3000", "price_max": "999.99"})

    assert page.status_code == 200
    assert cards(page) == {"red-acme", "red-zeta"}
    assert 'name="price_min" inputmode="decimal" size="7" value="1000"' in page.text
    assert 'name="price_max" inputmode="decimal" size="7" value="2500.5"' in page.text
    assert cards(swapped) == {"red-acme", "red-zeta", "blue-acme"}
    # without a price filter the inputs hint at the range of the listing
    everything = await client.get("/c/phones")
    assert 'value="" placeholder="800"' in everything.text
    assert 'value="" placeholder="5000"' in everything.text


async def test_an_attribute_checkbox_narrows_the_grid_and_shows_counts(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await phone_shop(sessions)

    everything = await client.get("/c/phones")
    blue = await client.get("/c/phones", params={"a.color": "blue"})
    blue_zeta = await client.get("/c/phones", params={"a.color": "blue", "a.brand": "zeta"})

    assert len(cards(everything)) == 5
    assert "(2)" in checkbox(everything, "color", "red")
    assert "(1)" in checkbox(everything, "color", "green")
    assert "(3)" in checkbox(everything, "brand", "zeta")
    assert cards(blue) == {"blue-acme", "blue-zeta"}
    assert "checked" in checkbox(blue, "color", "blue")
    assert "(1)" in checkbox(blue, "brand", "acme")
    assert 'value="green"' not in blue.text  # only values present in the result set
    # different attributes AND
    assert cards(blue_zeta) == {"blue-zeta"}


async def test_attributes_are_named_and_ordered_as_staff_set_them_up(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await phone_shop(sessions)

    en = await client.get("/c/phones", params={"lang": "en", "a.color": "red"})
    ka = await client.get("/c/phones", params={"lang": "ka"})

    legends = re.findall(r"<legend>([^<]+)</legend>", en.text)
    assert legends == ["Price, RUB", "Brand", "Colour"]
    assert 'name="a.model"' not in en.text  # not filterable
    assert "Colour: red" in en.text  # the chip
    assert "<legend>ფერი</legend>" in ka.text
    assert "<legend>Бренд</legend>" in ka.text  # no Georgian name: the channel's locale


async def test_two_values_of_one_attribute_widen_the_grid(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await phone_shop(sessions)

    page = await client.get("/c/phones?a.color=blue&a.color=green&lang=en")

    assert cards(page) == {"blue-acme", "blue-zeta", "green-zeta"}
    assert "checked" in checkbox(page, "color", "blue")
    assert "checked" in checkbox(page, "color", "green")
    # each chosen value is a chip that removes only itself (the language stays)
    links = chips(page)
    assert "/c/phones?a.color=green&lang=en" in links
    assert "/c/phones?a.color=blue&lang=en" in links
    assert "/c/phones?lang=en" in links  # clear all
    without_blue = await client.get("/c/phones?a.color=green&lang=en")
    assert cards(without_blue) == {"green-zeta"}


async def test_filters_survive_paging(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await phone_shop(sessions)
    seen: list[str] = []
    url: str | None = "/c/phones?a.brand=zeta&price_max=4000&in_stock=1&limit=1&sort=price_asc"

    while url:
        page = await client.get(url)
        assert page.status_code == 200
        seen += sorted(cards(page))
        url = next_link(page)
        if url:
            assert "a.brand=zeta" in url and "price_max=4000" in url and "in_stock=1" in url

    # zeta, at most 4 000 ₽, in stock: blue-zeta only (red-zeta has none)
    assert seen == ["blue-zeta"]
    seen = []
    url = "/c/phones?a.color=red&a.color=blue&limit=1&sort=price_asc"
    while url:
        page = await client.get(url)
        seen += sorted(cards(page))
        url = next_link(page)
        if url:
            # a later page has no counts but keeps the chosen boxes ticked
            later = await client.get(url)
            assert "checked" in checkbox(later, "color", "blue")
    assert seen == ["blue-zeta", "red-acme", "red-zeta", "blue-acme"]


@pytest.mark.parametrize(
    "query",
    [
        "price_min=abc&price_max=1e999",
        "price_min=-5&price_max=NaN",
        "price_min=Infinity&price_max=99999999999999999999999",
        "a.=x&a.%20bad=1&a.color=&a." + "x" * 61 + "=1",
        "a.color=" + "r" * 300,
        "&".join(f"a.c{i}=v" for i in range(40)),
        "&".join(f"a.color=v{i}" for i in range(40)),
        "a.color=%00%ff&price_min=%00",
        "price_min=1,2,3&price_max=1.2.3&in_stock=maybe&sort=__&limit=-1",
    ],
)
async def test_junk_filter_parameters_never_fail(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession], query: str
) -> None:
    await phone_shop(sessions)

    category = await client.get(f"/c/phones?{query}")
    search = await client.get(f"/search?q=zeta&{query}")

    assert category.status_code == 200
    assert search.status_code == 200


async def test_a_search_narrowed_to_nothing_keeps_its_chips_to_step_back(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await phone_shop(sessions)

    page = await client.get("/search", params={"q": "zeta", "a.color": "red", "price_min": "9000"})

    assert page.status_code == 200
    assert cards(page) == set()
    assert any("price_min" not in link and "a.color=red" in link for link in chips(page))


@pytest.mark.parametrize(
    ("lang", "labels"),
    [
        ("ru", ["Фильтры", "Цена, RUB", "Показать товары", "Сбросить все", "от 1000 RUB"]),
        ("en", ["Filters", "Price, RUB", "Show products", "Clear all", "from 1000 RUB"]),
        ("ka", ["ფილტრები", "ფასი, RUB", "პროდუქტების ჩვენება", "ყველას გასუფთავება"]),
    ],
)
async def test_the_panel_speaks_the_shoppers_language(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    lang: str,
    labels: list[str],
) -> None:
    await phone_shop(sessions)

    page = await client.get("/c/phones", params={"lang": lang, "price_min": "1000"})

    for label in labels:
        assert label in html.unescape(page.text)


async def statements(engine: AsyncEngine, client: httpx.AsyncClient, path: str) -> int:
    seen: list[str] = []

    def record(*args: Any) -> None:
        if not str(args[2]).startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            seen.append(str(args[2]))

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        response = await client.get(path)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
    assert response.status_code == 200
    return len(seen)


async def test_filters_cost_no_sql_beyond_the_facets(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession], engine: AsyncEngine
) -> None:
    await phone_shop(sessions)
    await client.get("/c/phones")  # warm whatever a first visit warms
    facets.invalidate()

    plain = await statements(engine, client, "/c/phones")
    filtered = await statements(
        engine, client, "/c/phones?a.color=red&a.color=blue&a.brand=zeta&price_min=500&in_stock=1"
    )

    assert filtered == plain
