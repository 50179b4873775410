"""Inventory API over HTTP: staff read levels, set counts with compare-and-set, adjust and
move stock; every answer that refuses is a problem naming the field."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.inventory import service
from omnishop.inventory.ledger import verify_ledger
from omnishop.inventory.models import LocationKind
from omnishop.inventory.schemas import LocationCreate
from omnishop.kernel.db import unit_of_work
from tests.e2e.conftest import MakeKey
from tests.e2e.test_catalog_api import product_body

LEVELS = "/api/v1/inventory/levels"


async def stocked(
    client: httpx.AsyncClient, api_key: MakeKey, sessions: async_sessionmaker[AsyncSession]
) -> tuple[dict[str, str], str, list[str]]:
    """Given a staff key, a kettle variant and two warehouses (main before spare)."""
    catalog = await api_key("catalog:write")
    product = (await client.post("/api/v1/products", json=product_body(), headers=catalog)).json()
    async with unit_of_work(sessions) as session:
        locations = [
            await service.create_location(
                session=session,
                data=LocationCreate(
                    code=code, name=code, kind=LocationKind.WAREHOUSE, country="RU", priority=p
                ),
            )
            for p, code in enumerate(("main", "spare"))
        ]
    headers = await api_key("inventory:read", "inventory:write")
    return headers, product["variants"][0]["id"], [str(loc.id) for loc in locations]


def body(variant: str, location: str, **extra: Any) -> dict[str, Any]:
    return {"variant_id": variant, "location_id": location, **extra}


async def test_staff_count_stock_and_read_it_back_per_location(
    client: httpx.AsyncClient, api_key: MakeKey, sessions: async_sessionmaker[AsyncSession]
) -> None:
    headers, variant, (main, spare) = await stocked(client, api_key, sessions)

    put = await client.put(LEVELS, json=body(variant, main, on_hand=7), headers=headers)
    await client.put(LEVELS, json=body(variant, spare, on_hand=2), headers=headers)
    listed = await client.get(LEVELS, params={"variant_id": variant}, headers=headers)

    assert put.status_code == 200, put.text
    assert put.json()["available"] == 7
    assert [(lv["location_code"], lv["on_hand"]) for lv in listed.json()["data"]] == [
        ("main", 7),
        ("spare", 2),
    ]


async def test_a_count_based_on_a_stale_number_is_a_409_and_changes_nothing(
    client: httpx.AsyncClient, api_key: MakeKey, sessions: async_sessionmaker[AsyncSession]
) -> None:
    headers, variant, (main, _) = await stocked(client, api_key, sessions)
    await client.put(LEVELS, json=body(variant, main, on_hand=5), headers=headers)

    stale = await client.put(
        LEVELS, json=body(variant, main, on_hand=9, expected_on_hand=4), headers=headers
    )
    fresh = await client.put(
        LEVELS, json=body(variant, main, on_hand=9, expected_on_hand=5), headers=headers
    )

    assert stale.status_code == 409
    assert stale.json()["current_on_hand"] == 5
    assert (stale.json()["code"], stale.json()["errors"][0]["field"]) == (
        "stock_mismatch",
        "expected_on_hand",
    )
    assert fresh.status_code == 200 and fresh.json()["on_hand"] == 9
    async with sessions() as session:
        check = await verify_ledger(
            session=session, variant_id=uuid.UUID(variant), location_id=uuid.UUID(main)
        )
    assert check.ok and check.level["on_hand"] == 9


async def test_adjustments_need_a_reason_and_cannot_go_below_zero(
    client: httpx.AsyncClient, api_key: MakeKey, sessions: async_sessionmaker[AsyncSession]
) -> None:
    headers, variant, (main, _) = await stocked(client, api_key, sessions)
    url = "/api/v1/inventory/adjust"

    received = await client.post(
        url, json=body(variant, main, delta=3, reason="PO-1"), headers=headers
    )
    too_many = await client.post(
        url, json=body(variant, main, delta=-4, reason="x"), headers=headers
    )
    no_reason = await client.post(url, json=body(variant, main, delta=-1), headers=headers)

    assert received.status_code == 200 and received.json()["on_hand"] == 3
    assert (too_many.status_code, too_many.json()["code"]) == (409, "out_of_stock")
    assert (no_reason.status_code, no_reason.json()["code"]) == (422, "validation_failed")


async def test_a_transfer_moves_stock_between_locations_or_refuses_entirely(
    client: httpx.AsyncClient, api_key: MakeKey, sessions: async_sessionmaker[AsyncSession]
) -> None:
    headers, variant, (main, spare) = await stocked(client, api_key, sessions)
    await client.put(LEVELS, json=body(variant, main, on_hand=4), headers=headers)
    url = "/api/v1/inventory/transfers"
    move = {"variant_id": variant, "from_location_id": main, "to_location_id": spare}

    refused = await client.post(url, json={**move, "quantity": 5}, headers=headers)
    moved = await client.post(url, json={**move, "quantity": 3}, headers=headers)
    listed = await client.get(LEVELS, params={"variant_id": variant}, headers=headers)

    assert (refused.status_code, refused.json()["code"]) == (409, "out_of_stock")
    assert moved.status_code == 201, moved.text
    assert moved.json()["reference"].startswith("transfer:")
    assert [lv["on_hand"] for lv in listed.json()["data"]] == [1, 3]


async def test_inventory_needs_the_inventory_scopes_and_known_variants(
    client: httpx.AsyncClient, api_key: MakeKey, sessions: async_sessionmaker[AsyncSession]
) -> None:
    headers, variant, (main, _) = await stocked(client, api_key, sessions)
    reader = await api_key("inventory:read")

    anonymous = await client.get(LEVELS, params={"variant_id": variant})
    read_only = await client.put(LEVELS, json=body(variant, main, on_hand=1), headers=reader)
    unknown = await client.put(
        LEVELS, json=body(str(uuid.uuid4()), main, on_hand=1), headers=headers
    )
    nowhere = await client.put(
        LEVELS, json=body(variant, str(uuid.uuid4()), on_hand=1), headers=headers
    )
    negative = await client.put(LEVELS, json=body(variant, main, on_hand=-1), headers=headers)

    assert anonymous.status_code == 401
    assert read_only.status_code == 403
    assert (unknown.status_code, unknown.json()["errors"][0]["field"]) == (404, "variant_id")
    assert (nowhere.status_code, nowhere.json()["errors"][0]["field"]) == (404, "location_id")
    assert (negative.status_code, negative.json()["code"]) == (422, "validation_failed")
