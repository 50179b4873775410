"""Staff edits of products, variants, categories and publications over HTTP."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.catalog.models import Category, Product, Publication, Variant
from omnishop.kernel.outbox import OutboxEvent
from tests.e2e.conftest import MakeKey
from tests.e2e.test_catalog_api import category, count, product_body, staff


async def make_product(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    response = await client.post("/api/v1/products", json=product_body(), headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def test_patch_changes_only_the_fields_sent_and_merges_translations(
    client: httpx.AsyncClient, api_key: MakeKey
) -> None:
    headers = await staff(client, api_key)
    kitchen = await category(client, headers, "kitchen")
    product = await make_product(client, headers)
    url = f"/api/v1/products/{product['id']}"

    moved = await client.patch(
        url,
        json={"category_id": kitchen["id"], "translations": {"ka": {"name": "ჩაიდანი"}}},
        headers=headers,
    )
    cleared = await client.patch(url, json={"brand": None, "slug": "kettle"}, headers=headers)

    assert moved.status_code == 200, moved.text
    assert moved.json()["category_id"] == kitchen["id"]
    assert moved.json()["translations"]["ka"]["name"] == "ჩაიდანი"
    assert moved.json()["translations"]["ru"]["name"] == "Чайник стальной"
    assert moved.json()["brand"] == "Teplo"
    assert cleared.json()["brand"] is None
    assert cleared.json()["slug"] == "kettle"
    assert cleared.json()["category_id"] == kitchen["id"]


async def test_bad_patches_name_the_field_and_change_nothing(
    client: httpx.AsyncClient, api_key: MakeKey, sessions: async_sessionmaker[AsyncSession]
) -> None:
    headers = await staff(client, api_key)
    product = await make_product(client, headers)
    other = await client.post(
        "/api/v1/products",
        json={**product_body("other"), "variants": [{"sku": "o-1"}]},
        headers=headers,
    )
    url = f"/api/v1/products/{product['id']}"
    events = await count(sessions, OutboxEvent)

    unknown_field = await client.patch(url, json={"price": 5}, headers=headers)
    unknown_category = await client.patch(
        url, json={"category_id": str(uuid.uuid4())}, headers=headers
    )
    taken_slug = await client.patch(url, json={"slug": "other"}, headers=headers)
    null_tax = await client.patch(url, json={"tax_class": None}, headers=headers)
    archive_by_patch = await client.patch(url, json={"status": "archived"}, headers=headers)
    unknown_product = await client.patch(
        f"/api/v1/products/{uuid.uuid4()}", json={"brand": "X"}, headers=headers
    )
    not_an_id = await client.patch("/api/v1/products/chainik", json={}, headers=headers)

    assert other.status_code == 201
    assert (unknown_field.status_code, unknown_field.json()["errors"][0]["field"]) == (422, "price")
    assert unknown_category.status_code == 404
    assert unknown_category.json()["errors"][0]["field"] == "category_id"
    assert (taken_slug.status_code, taken_slug.json()["errors"][0]["field"]) == (409, "slug")
    assert (null_tax.status_code, null_tax.json()["errors"][0]["field"]) == (422, "tax_class")
    assert archive_by_patch.status_code == 422
    assert unknown_product.status_code == 404
    assert not_an_id.status_code == 422
    assert await count(sessions, OutboxEvent) == events
    unchanged = await client.patch(url, json={}, headers=headers)
    assert (unchanged.json()["slug"], unchanged.json()["brand"]) == ("chainik", "Teplo")


async def test_archive_keeps_the_product_for_history(
    client: httpx.AsyncClient, api_key: MakeKey, sessions: async_sessionmaker[AsyncSession]
) -> None:
    headers = await staff(client, api_key)
    product = await make_product(client, headers)

    archived = await client.post(f"/api/v1/products/{product['id']}/archive", headers=headers)
    unknown = await client.post(f"/api/v1/products/{uuid.uuid4()}/archive", headers=headers)

    assert (archived.status_code, archived.json()["status"]) == (200, "archived")
    assert unknown.status_code == 404
    assert await count(sessions, Product) == 1


async def test_variants_are_added_and_edited_and_skus_stay_unique(
    client: httpx.AsyncClient, api_key: MakeKey, sessions: async_sessionmaker[AsyncSession]
) -> None:
    headers = await staff(client, api_key)
    product = await make_product(client, headers)
    url = f"/api/v1/products/{product['id']}/variants"

    added = await client.post(
        url, json={"sku": "chainik-3", "options": {"colour": "red"}}, headers=headers
    )
    duplicate = await client.post(url, json={"sku": "chainik-1"}, headers=headers)
    bad_gtin = await client.post(url, json={"sku": "chainik-4", "gtin": "12"}, headers=headers)
    unknown_product = await client.post(
        f"/api/v1/products/{uuid.uuid4()}/variants", json={"sku": "z-1"}, headers=headers
    )
    edited = await client.patch(
        f"/api/v1/variants/{added.json()['id']}",
        json={"weight_grams": 900, "gtin": "4601234567893"},
        headers=headers,
    )
    null_options = await client.patch(
        f"/api/v1/variants/{added.json()['id']}", json={"options": None}, headers=headers
    )
    unknown_variant = await client.patch(
        f"/api/v1/variants/{uuid.uuid4()}", json={"active": False}, headers=headers
    )

    assert added.status_code == 201, added.text
    assert added.json()["options"] == {"colour": "red"}
    assert (duplicate.status_code, duplicate.json()["errors"][0]["field"]) == (409, "sku")
    assert (bad_gtin.status_code, bad_gtin.json()["errors"][0]["field"]) == (422, "gtin")
    assert unknown_product.status_code == 404
    assert (edited.json()["weight_grams"], edited.json()["options"]) == (900, {"colour": "red"})
    assert null_options.status_code == 422
    assert unknown_variant.status_code == 404
    assert await count(sessions, Variant) == 3


async def test_moving_a_category_re_paths_its_subtree(
    client: httpx.AsyncClient, api_key: MakeKey
) -> None:
    headers = await staff(client, api_key)
    games = await category(client, headers, "games")
    consoles = await category(client, headers, "consoles", games["id"])
    await category(client, headers, "ps4", consoles["id"])
    electronics = await category(client, headers, "electronics")

    moved = await client.patch(
        f"/api/v1/categories/{consoles['id']}",
        json={"parent_id": electronics["id"], "translations": {"ka": {"name": "კონსოლები"}}},
        headers=headers,
    )
    to_root = await client.patch(
        f"/api/v1/categories/{games['id']}",
        json={"parent_id": None, "slug": "play"},
        headers=headers,
    )
    tree = (await client.get("/api/v1/categories?channel=web")).json()["data"]

    assert moved.status_code == 200, moved.text
    assert moved.json()["path"] == "electronics/consoles"
    assert moved.json()["names"] == {"ru": "ru-consoles", "en": "en-consoles", "ka": "კონსოლები"}
    assert to_root.json()["path"] == "play"
    assert [c["path"] for c in tree] == [
        "electronics",
        "electronics/consoles",
        "electronics/consoles/ps4",
        "play",
    ]


async def test_bad_category_edits_are_refused_and_change_nothing(
    client: httpx.AsyncClient, api_key: MakeKey, sessions: async_sessionmaker[AsyncSession]
) -> None:
    headers = await staff(client, api_key)
    games = await category(client, headers, "games")
    ps4 = await category(client, headers, "ps4", games["id"])
    await category(client, headers, "books")
    events = await count(sessions, OutboxEvent)
    url = f"/api/v1/categories/{games['id']}"

    under_itself = await client.patch(url, json={"parent_id": ps4["id"]}, headers=headers)
    unknown_parent = await client.patch(url, json={"parent_id": str(uuid.uuid4())}, headers=headers)
    taken_slug = await client.patch(url, json={"slug": "books"}, headers=headers)
    unknown_field = await client.patch(url, json={"colour": "red"}, headers=headers)
    unknown = await client.patch(f"/api/v1/categories/{uuid.uuid4()}", json={}, headers=headers)
    duplicate = await client.post(
        "/api/v1/categories",
        json={"slug": "books", "translations": {"ru": {"name": "Книги"}}},
        headers=headers,
    )
    orphan = await client.post(
        "/api/v1/categories",
        json={"slug": "x", "parent_id": str(uuid.uuid4()), "translations": {"ru": {"name": "X"}}},
        headers=headers,
    )

    assert (under_itself.status_code, under_itself.json()["errors"][0]["field"]) == (
        422,
        "parent_id",
    )
    assert (unknown_parent.status_code, unknown_parent.json()["errors"][0]["field"]) == (
        404,
        "parent_id",
    )
    assert (taken_slug.status_code, taken_slug.json()["errors"][0]["field"]) == (409, "slug")
    assert unknown_field.status_code == 422
    assert unknown.status_code == 404
    assert duplicate.status_code == 409
    assert orphan.status_code == 404
    assert await count(sessions, Category) == 3
    assert await count(sessions, OutboxEvent) == events
    paths = [c["path"] for c in (await client.get("/api/v1/categories?channel=web")).json()["data"]]
    assert paths == ["books", "games", "games/ps4"]


async def test_publication_is_set_per_channel_code(
    client: httpx.AsyncClient, api_key: MakeKey, sessions: async_sessionmaker[AsyncSession]
) -> None:
    headers = await staff(client, api_key)
    product = await make_product(client, headers)
    base = f"/api/v1/products/{product['id']}/publications"

    first = await client.put(f"{base}/web", json={"purchasable": False}, headers=headers)
    again = await client.put(f"{base}/web", json={"visible": True}, headers=headers)
    unknown_channel = await client.put(f"{base}/nope", json={}, headers=headers)
    unknown_product = await client.put(
        f"/api/v1/products/{uuid.uuid4()}/publications/web", json={}, headers=headers
    )
    naive_time = await client.put(
        f"{base}/web-en", json={"published_at": "2030-01-01T00:00:00"}, headers=headers
    )

    assert first.status_code == 200, first.text
    assert first.json()["purchasable"] is False
    assert again.json()["purchasable"] is True
    assert (unknown_channel.status_code, unknown_channel.json()["errors"][0]["field"]) == (
        404,
        "channel",
    )
    assert unknown_product.status_code == 404
    assert (naive_time.status_code, naive_time.json()["errors"][0]["field"]) == (
        422,
        "published_at",
    )
    assert await count(sessions, Publication) == 1
