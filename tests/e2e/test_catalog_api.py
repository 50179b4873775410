"""Catalog API over HTTP: what buyers see per channel and locale, and staff edits."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from omnishop.catalog.models import Category, Product, ProductTranslation, Variant
from omnishop.inventory import service as inventory
from omnishop.inventory.schemas import LocationCreate
from omnishop.kernel import clock
from omnishop.kernel.db import unit_of_work
from omnishop.kernel.money import Money
from omnishop.kernel.outbox import OutboxEvent
from tests.e2e.conftest import MakeKey

STAFF = ("catalog:write", "channels:write", "pricing:write", "catalog:read")


def channel_body(code: str, currency: str, locale: str) -> dict[str, str]:
    return {
        "code": code,
        "name": code,
        "kind": "web",
        "currency": currency,
        "default_locale": locale,
        "country": "RU",
    }


def product_body(slug: str = "chainik", **extra: Any) -> dict[str, Any]:
    return {
        "slug": slug,
        "brand": "Teplo",
        "translations": {
            "ru": {"name": "Чайник стальной", "description": "Кипятит быстро."},
            "en": {"name": "Steel kettle"},
        },
        "variants": [
            {"sku": f"{slug}-1", "options": {"colour": "steel"}},
            {"sku": f"{slug}-2", "options": {"colour": "black"}, "gtin": "4601234567893"},
        ],
        **extra,
    }


async def staff(client: httpx.AsyncClient, api_key: MakeKey) -> dict[str, str]:
    """Given channels web (RUB, ru) and web-en (EUR, en) and a staff key for everything."""
    headers = await api_key(*STAFF)
    for body in (channel_body("web", "RUB", "ru"), channel_body("web-en", "EUR", "en")):
        assert (await client.post("/api/v1/channels", json=body, headers=headers)).is_success
    return headers


async def category(
    client: httpx.AsyncClient, headers: dict[str, str], slug: str, parent: str | None = None
) -> dict[str, Any]:
    body = {
        "slug": slug,
        "parent_id": parent,
        "translations": {"ru": {"name": f"ru-{slug}"}, "en": {"name": f"en-{slug}"}},
    }
    response = await client.post("/api/v1/categories", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def published_kettle(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    sessions: async_sessionmaker[AsyncSession],
    **publication: Any,
) -> dict[str, Any]:
    """Given a kettle in the kitchen, published in web, priced 1 299 ₽, 7 in stock (variant 1)."""
    kitchen = await category(client, headers, "kitchen")
    created = await client.post(
        "/api/v1/products", json=product_body(category_id=kitchen["id"]), headers=headers
    )
    assert created.status_code == 201, created.text
    product = dict(created.json())
    pid = product["id"]
    published = await client.put(
        f"/api/v1/products/{pid}/publications/web", json=publication, headers=headers
    )
    assert published.status_code == 200, published.text
    first, second = (v["id"] for v in product["variants"])
    for vid, amount in ((first, 129900), (second, 139900)):
        price = {"variant_id": vid, "channel": "web", "amount": amount}
        assert (await client.put("/api/v1/prices", json=price, headers=headers)).is_success
    async with unit_of_work(sessions) as session:
        location = await inventory.create_location(
            session=session,
            data=LocationCreate(code="msk", name="Moscow", kind="warehouse", country="RU"),
        )
        await inventory.set_on_hand(
            session=session, variant_id=uuid.UUID(first), location_id=location.id, quantity=7
        )
    return product


async def count(sessions: async_sessionmaker[AsyncSession], model: Any) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_published_product_shows_variants_with_channel_prices_and_stock(
    client: httpx.AsyncClient, api_key: MakeKey, sessions: async_sessionmaker[AsyncSession]
) -> None:
    headers = await staff(client, api_key)
    product = await published_kettle(client, headers, sessions)

    by_slug = await client.get("/api/v1/products/chainik?channel=web")
    by_id = await client.get(f"/api/v1/products/{product['id']}?channel=web")

    assert by_slug.status_code == 200, by_slug.text
    body = by_slug.json()
    assert by_id.json() == body
    assert (body["name"], body["description"], body["brand"]) == (
        "Чайник стальной",
        "Кипятит быстро.",
        "Teplo",
    )
    assert body["category"]["name"] == "ru-kitchen"
    assert body["category"]["path"] == "kitchen"
    assert body["purchasable"] is True
    first, second = body["variants"]
    assert first["price"]["amount"] == 129900
    assert first["price"]["currency"] == "RUB"
    assert first["price"]["formatted"] == Money(129900, "RUB").format("ru")
    assert first["availability"] == {"in_stock": True, "quantity": 7}
    assert second["availability"] == {"in_stock": False, "quantity": 0}
    assert second["gtin"] == "4601234567893"


async def test_accept_language_picks_translation_then_channel_locale(
    client: httpx.AsyncClient, api_key: MakeKey, sessions: async_sessionmaker[AsyncSession]
) -> None:
    headers = await staff(client, api_key)
    await published_kettle(client, headers, sessions)

    english = await client.get(
        "/api/v1/products/chainik?channel=web", headers={"Accept-Language": "en"}
    )
    georgian = await client.get(
        "/api/v1/products/chainik?channel=web", headers={"Accept-Language": "ka"}
    )

    assert english.json()["name"] == "Steel kettle"
    assert english.json()["category"]["name"] == "en-kitchen"
    # No English description: the channel's locale (ru) fills in rather than nothing.
    assert english.json()["description"] == "Кипятит быстро."
    assert english.json()["variants"][0]["price"]["formatted"] == Money(129900, "RUB").format("en")
    assert georgian.json()["name"] == "Чайник стальной"


async def test_product_is_hidden_unless_active_visible_and_its_time_has_come(
    client: httpx.AsyncClient, api_key: MakeKey, sessions: async_sessionmaker[AsyncSession]
) -> None:
    headers = await staff(client, api_key)
    launch = clock.now() + timedelta(days=1)
    product = await published_kettle(client, headers, sessions, published_at=launch.isoformat())
    url = "/api/v1/products/chainik?channel="

    before_launch = await client.get(url + "web")
    other_channel = await client.get(url + "web-en")
    unknown_channel = await client.get(url + "nope")
    clock.freeze(launch + timedelta(seconds=1))
    after_launch = await client.get(url + "web")
    await client.post(f"/api/v1/products/{product['id']}/archive", headers=headers)
    archived = await client.get(url + "web")

    assert (before_launch.status_code, before_launch.json()["code"]) == (404, "not_found")
    assert other_channel.status_code == 404
    assert unknown_channel.json()["errors"][0]["field"] == "channel"
    assert after_launch.status_code == 200
    assert archived.status_code == 404


async def test_invisible_or_draft_product_is_404_and_inactive_variants_are_left_out(
    client: httpx.AsyncClient, api_key: MakeKey, sessions: async_sessionmaker[AsyncSession]
) -> None:
    headers = await staff(client, api_key)
    product = await published_kettle(client, headers, sessions, purchasable=False)
    pid, second = product["id"], product["variants"][1]["id"]

    await client.patch(f"/api/v1/variants/{second}", json={"active": False}, headers=headers)
    shown = await client.get("/api/v1/products/chainik?channel=web")
    await client.patch(f"/api/v1/products/{pid}", json={"status": "draft"}, headers=headers)
    draft = await client.get("/api/v1/products/chainik?channel=web")
    await client.patch(f"/api/v1/products/{pid}", json={"status": "active"}, headers=headers)
    await client.put(
        f"/api/v1/products/{pid}/publications/web", json={"visible": False}, headers=headers
    )
    invisible = await client.get("/api/v1/products/chainik?channel=web")

    assert [v["sku"] for v in shown.json()["variants"]] == ["chainik-1"]
    assert shown.json()["purchasable"] is False
    assert draft.status_code == 404
    assert invisible.status_code == 404


async def test_product_detail_takes_the_same_number_of_queries_however_many_variants(
    client: httpx.AsyncClient,
    api_key: MakeKey,
    sessions: async_sessionmaker[AsyncSession],
    engine: AsyncEngine,
) -> None:
    headers = await staff(client, api_key)
    kettle = await published_kettle(client, headers, sessions)
    many = product_body(
        "big",
        category_id=kettle["category_id"],
        variants=[{"sku": f"big-{i}"} for i in range(12)],
    )
    big = (await client.post("/api/v1/products", json=many, headers=headers)).json()
    await client.put(f"/api/v1/products/{big['id']}/publications/web", json={}, headers=headers)
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(str(args[2]))

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        small_response = await client.get("/api/v1/products/chainik?channel=web")
        small = len(statements)
        statements.clear()
        big_response = await client.get("/api/v1/products/big?channel=web")
        large = len(statements)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)

    assert small_response.status_code == big_response.status_code == 200
    assert len(big_response.json()["variants"]) == 12
    assert small == large
    assert large <= 15


async def test_categories_page_through_the_tree_in_path_order(
    client: httpx.AsyncClient, api_key: MakeKey
) -> None:
    headers = await staff(client, api_key)
    games = await category(client, headers, "games")
    await category(client, headers, "ps4", games["id"])
    await category(client, headers, "xbox", games["id"])
    await category(client, headers, "books")
    hidden = await category(client, headers, "old")
    await client.patch(
        f"/api/v1/categories/{hidden['id']}", json={"active": False}, headers=headers
    )

    seen: list[dict[str, Any]] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, str | int] = {"channel": "web-en", "limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = (await client.get("/api/v1/categories", params=params)).json()
        seen += page["data"]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert [c["path"] for c in seen] == ["books", "games", "games/ps4", "games/xbox"]
    assert pages == 2
    assert seen[2]["name"] == "en-ps4"
    assert seen[2]["parent_id"] == games["id"]


async def test_categories_reject_bad_paging(client: httpx.AsyncClient, api_key: MakeKey) -> None:
    await staff(client, api_key)

    too_big = await client.get("/api/v1/categories?channel=web&limit=101")
    zero = await client.get("/api/v1/categories?channel=web&limit=0")
    garbage = await client.get("/api/v1/categories?channel=web&cursor=%%%")
    not_a_path = await client.get("/api/v1/categories?channel=web&cursor=eyJwYXRoIjoxfQ")

    assert too_big.status_code == zero.status_code == 422
    assert too_big.json()["errors"][0]["field"] == "limit"
    assert (garbage.status_code, garbage.json()["errors"][0]["field"]) == (422, "cursor")
    assert not_a_path.status_code == 422


async def test_staff_calls_need_a_key_with_the_scope(
    client: httpx.AsyncClient, api_key: MakeKey, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await staff(client, api_key)
    reader = await api_key("catalog:read")
    some_id = uuid.uuid4()

    calls = [
        ("POST", "/api/v1/products", product_body()),
        ("PATCH", f"/api/v1/products/{some_id}", {}),
        ("POST", f"/api/v1/products/{some_id}/archive", None),
        ("POST", f"/api/v1/products/{some_id}/variants", {"sku": "x"}),
        ("PATCH", f"/api/v1/variants/{some_id}", {}),
        ("POST", "/api/v1/categories", {"slug": "a", "translations": {"ru": {"name": "A"}}}),
        ("PATCH", f"/api/v1/categories/{some_id}", {}),
        ("PUT", f"/api/v1/products/{some_id}/publications/web", {}),
    ]
    for method, url, body in calls:
        anonymous = await client.request(method, url, json=body)
        wrong = await client.request(method, url, json=body, headers={"Authorization": "Bearer x"})
        no_scope = await client.request(method, url, json=body, headers=reader)
        assert anonymous.status_code == wrong.status_code == 401, (method, url)
        assert no_scope.status_code == 403, (method, url)
    assert await count(sessions, Product) == await count(sessions, Category) == 0


async def test_bad_product_input_is_a_problem_naming_the_field_and_changes_nothing(
    client: httpx.AsyncClient, api_key: MakeKey, sessions: async_sessionmaker[AsyncSession]
) -> None:
    headers = await staff(client, api_key)
    first = await client.post("/api/v1/products", json=product_body(), headers=headers)
    before = [await count(sessions, m) for m in (Product, Variant, ProductTranslation, OutboxEvent)]

    unknown_field = await client.post(
        "/api/v1/products", json=product_body("b", colour="red"), headers=headers
    )
    unknown_category = await client.post(
        "/api/v1/products", json=product_body("c", category_id=str(uuid.uuid4())), headers=headers
    )
    duplicate_sku = await client.post(
        "/api/v1/products",
        json={**product_body("d"), "variants": [{"sku": "chainik-1"}]},
        headers=headers,
    )
    duplicate_slug = await client.post(
        "/api/v1/products",
        json={**product_body(), "variants": [{"sku": "fresh-1"}]},
        headers=headers,
    )
    no_variants = await client.post(
        "/api/v1/products", json={**product_body("e"), "variants": []}, headers=headers
    )
    bad_locale = await client.post(
        "/api/v1/products",
        json={**product_body("f"), "translations": {"de": {"name": "Kessel"}}},
        headers=headers,
    )

    assert first.status_code == 201
    assert unknown_field.status_code == 422
    assert unknown_field.headers["content-type"] == "application/problem+json"
    assert unknown_field.json()["errors"][0]["field"] == "colour"
    assert unknown_category.status_code == 404
    assert unknown_category.json()["errors"][0]["field"] == "category_id"
    assert (duplicate_sku.status_code, duplicate_sku.json()["code"]) == (409, "conflict")
    assert (duplicate_slug.status_code, duplicate_slug.json()["errors"][0]["field"]) == (
        409,
        "slug",
    )
    assert no_variants.json()["errors"][0]["field"] == "variants"
    assert bad_locale.status_code == 422
    after = [await count(sessions, m) for m in (Product, Variant, ProductTranslation, OutboxEvent)]
    assert after == before


async def test_product_post_replayed_with_the_same_idempotency_key_creates_one_product(
    client: httpx.AsyncClient, api_key: MakeKey, sessions: async_sessionmaker[AsyncSession]
) -> None:
    headers = {**(await staff(client, api_key)), "Idempotency-Key": "create-chainik"}
    body = product_body()

    first = await client.post("/api/v1/products", json=body, headers=headers)
    again = await client.post("/api/v1/products", json=body, headers=headers)

    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["idempotent-replayed"] == "true"
    assert await count(sessions, Product) == 1
