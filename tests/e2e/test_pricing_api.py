"""Pricing API over HTTP: per-channel prices in the channel currency, and FX rates."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.kernel.money import Money
from omnishop.pricing.models import FxRate, Price
from tests.e2e.conftest import MakeKey
from tests.e2e.test_catalog_api import count, product_body, staff


async def variant_ids(client: httpx.AsyncClient, headers: dict[str, str]) -> list[str]:
    """Given a kettle with two variants, published in web-en."""
    product = (await client.post("/api/v1/products", json=product_body(), headers=headers)).json()
    await client.put(
        f"/api/v1/products/{product['id']}/publications/web-en", json={}, headers=headers
    )
    return [v["id"] for v in product["variants"]]


def price(variant_id: str, channel: str = "web-en", **extra: Any) -> dict[str, Any]:
    return {"variant_id": variant_id, "channel": channel, "amount": 1299, **extra}


async def test_price_is_set_in_the_channel_currency_and_shown_to_buyers(
    client: httpx.AsyncClient, api_key: MakeKey
) -> None:
    headers = await staff(client, api_key)
    first, _ = await variant_ids(client, headers)

    put = await client.put(
        "/api/v1/prices", json=price(first, compare_at_amount=1599), headers=headers
    )
    await client.put("/api/v1/prices", json=price(first, "web", amount=129900), headers=headers)
    listed = await client.get(f"/api/v1/prices?variant_id={first}", headers=headers)
    shown = await client.get("/api/v1/products/chainik?channel=web-en")

    assert put.status_code == 200, put.text
    assert put.json() == {
        "variant_id": first,
        "channel": "web-en",
        "currency": "EUR",
        "amount": 1299,
        "compare_at_amount": 1599,
    }
    assert [(p["channel"], p["currency"], p["amount"]) for p in listed.json()["data"]] == [
        ("web", "RUB", 129900),
        ("web-en", "EUR", 1299),
    ]
    offer = shown.json()["variants"][0]["price"]
    assert offer["formatted"] == Money(1299, "EUR").format("en") == "€12.99"
    assert offer["compare_at_formatted"] == "€15.99"
    assert shown.json()["variants"][1]["price"] is None


async def test_setting_a_price_again_replaces_it(
    client: httpx.AsyncClient, api_key: MakeKey, sessions: async_sessionmaker[AsyncSession]
) -> None:
    headers = await staff(client, api_key)
    first, _ = await variant_ids(client, headers)

    await client.put("/api/v1/prices", json=price(first, compare_at_amount=1599), headers=headers)
    again = await client.put("/api/v1/prices", json=price(first, amount=999), headers=headers)

    assert (again.json()["amount"], again.json()["compare_at_amount"]) == (999, None)
    assert await count(sessions, Price) == 1


async def test_bad_prices_name_the_field_and_change_nothing(
    client: httpx.AsyncClient, api_key: MakeKey, sessions: async_sessionmaker[AsyncSession]
) -> None:
    headers = await staff(client, api_key)
    first, _ = await variant_ids(client, headers)
    await client.put("/api/v1/prices", json=price(first), headers=headers)

    cases = {
        "variant_id": (404, price(str(uuid.uuid4()))),
        "channel": (404, price(first, "nope")),
        "compare_at_amount": (422, price(first, compare_at_amount=1000)),
        "amount": (422, price(first, amount=-1)),
        "discount": (422, price(first, discount=5)),
    }
    for field, (status, body) in cases.items():
        response = await client.put("/api/v1/prices", json=body, headers=headers)
        assert (response.status_code, response.json()["errors"][0]["field"]) == (status, field)
    fractional = await client.put("/api/v1/prices", json=price(first, amount=12.5), headers=headers)

    assert fractional.status_code == 422
    listed = (await client.get(f"/api/v1/prices?variant_id={first}", headers=headers)).json()
    assert [p["amount"] for p in listed["data"]] == [1299]
    assert await count(sessions, Price) == 1


async def test_prices_need_the_right_scope(client: httpx.AsyncClient, api_key: MakeKey) -> None:
    headers = await staff(client, api_key)
    first, _ = await variant_ids(client, headers)
    catalog_writer = await api_key("catalog:write")

    anonymous_put = await client.put("/api/v1/prices", json=price(first))
    wrong_scope_put = await client.put("/api/v1/prices", json=price(first), headers=catalog_writer)
    anonymous_list = await client.get(f"/api/v1/prices?variant_id={first}")
    wrong_scope_list = await client.get(
        f"/api/v1/prices?variant_id={first}", headers=catalog_writer
    )
    unknown_variant = await client.get(f"/api/v1/prices?variant_id={uuid.uuid4()}", headers=headers)
    missing_variant = await client.get("/api/v1/prices", headers=headers)

    assert anonymous_put.status_code == anonymous_list.status_code == 401
    assert wrong_scope_put.status_code == wrong_scope_list.status_code == 403
    assert unknown_variant.status_code == 404
    assert (missing_variant.status_code, missing_variant.json()["errors"][0]["field"]) == (
        422,
        "variant_id",
    )


async def test_fx_rates_are_recorded_and_listed_newest_first(
    client: httpx.AsyncClient, api_key: MakeKey
) -> None:
    headers = await staff(client, api_key)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    for day in range(5):
        body = {
            "base": "EUR",
            "quote": "RUB",
            "rate": f"100.{day}5",
            "as_of": (start + timedelta(days=day)).isoformat(),
        }
        created = await client.post("/api/v1/fx-rates", json=body, headers=headers)
        assert created.status_code == 201, created.text
    await client.post(
        "/api/v1/fx-rates", json={"base": "EUR", "quote": "GEL", "rate": "2.9"}, headers=headers
    )

    rates: list[str] = []
    cursor = None
    while True:
        params = {
            "base": "EUR",
            "quote": "RUB",
            "limit": "2",
            **({"cursor": cursor} if cursor else {}),
        }
        page = (await client.get("/api/v1/fx-rates", params=params, headers=headers)).json()
        rates += [r["rate"] for r in page["data"]]
        if (cursor := page["next_cursor"]) is None:
            break
    everything = (await client.get("/api/v1/fx-rates", headers=headers)).json()["data"]

    # Rates are strings, never binary floats, and exact.
    assert rates == ["100.45", "100.35", "100.25", "100.15", "100.05"]
    assert len(everything) == 6
    assert everything[0]["quote"] == "GEL"


async def test_bad_fx_rates_are_refused(
    client: httpx.AsyncClient, api_key: MakeKey, sessions: async_sessionmaker[AsyncSession]
) -> None:
    headers = await staff(client, api_key)
    good = {"base": "EUR", "quote": "RUB", "rate": "100"}
    cases = {
        "base": {**good, "base": "ZZZ"},
        "quote": {**good, "quote": "EUR"},
        "rate": {**good, "rate": "0"},
        "as_of": {**good, "as_of": "2025-01-01T00:00:00"},
        "spread": {**good, "spread": 1},
    }

    for field, body in cases.items():
        response = await client.post("/api/v1/fx-rates", json=body, headers=headers)
        assert (response.status_code, response.json()["errors"][0]["field"]) == (422, field)
    no_scope = await client.post(
        "/api/v1/fx-rates", json=good, headers=await api_key("catalog:write")
    )
    anonymous_list = await client.get("/api/v1/fx-rates")
    bad_cursor = await client.get("/api/v1/fx-rates?cursor=eyJhIjoxfQ", headers=headers)

    assert no_scope.status_code == 403
    assert anonymous_list.status_code == 401
    assert (bad_cursor.status_code, bad_cursor.json()["errors"][0]["field"]) == (422, "cursor")
    assert await count(sessions, FxRate) == 0
