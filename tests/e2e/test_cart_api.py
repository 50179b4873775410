"""Public cart API over HTTP: the token is the capability; stock is held as lines change;
every refusal is a problem with a stable code naming the field."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.checkout import service
from omnishop.customers import tokens
from omnishop.customers.models import Customer
from omnishop.kernel.db import unit_of_work
from tests.integration.test_cart_fixtures import MOSCOW, Shop, open_shop, russian_shipping

CARTS = "/api/v1/carts"


async def shop(
    sessions: async_sessionmaker[AsyncSession], *, in_warehouse: int = 10, in_store: int = 2
) -> Shop:
    async with unit_of_work(sessions) as session:
        opened = await open_shop(session, in_warehouse=in_warehouse, in_store=in_store)
        await russian_shipping(session)
    return opened


async def new_cart(client: httpx.AsyncClient, **body: Any) -> str:
    created = await client.post(CARTS, json={"channel": "web", **body})
    assert created.status_code == 201, created.text
    return str(created.json()["token"])


async def test_a_buyer_fills_a_cart_and_picks_a_delivery(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    s = await shop(sessions)
    token = await new_cart(client, locale="en")

    added = await client.post(
        f"{CARTS}/{token}/lines", json={"variant_id": str(s.kettle), "quantity": 2}
    )
    line = added.json()["lines"][0]
    patched = await client.patch(f"{CARTS}/{token}/lines/{line['id']}", json={"quantity": 1})
    contact = await client.patch(
        f"{CARTS}/{token}", json={"email": "anna@example.com", "shipping_address": MOSCOW}
    )
    options = await client.get(f"{CARTS}/{token}/delivery-options")
    chosen = await client.patch(
        f"{CARTS}/{token}", json={"delivery": {"kind": "shipping", "method": "courier"}}
    )
    read = await client.get(f"{CARTS}/{token}")

    assert added.status_code == 201, added.text
    assert (line["name"], line["quantity"], line["unit_price"]["formatted"]) == (
        "web-kettle",
        2,
        "RUB2,500.00",
    )
    assert patched.json()["lines"][0]["held"] == 1
    assert contact.status_code == 200, contact.text
    assert [o["method"] for o in options.json()["shipping"]] == ["courier", "post"]
    assert options.json()["pickup"][0]["complete"] is True
    assert chosen.status_code == 200, chosen.text
    body = read.json()
    assert (body["state"], body["channel"], body["email"]) == ("open", "web", "anna@example.com")
    assert (body["subtotal"]["amount"], body["shipping"]["amount"], body["total"]["amount"]) == (
        250000,
        39000,
        289000,
    )
    assert body["delivery"]["estimate"] == {"min_days": 1, "max_days": 2}
    assert (body["order"], body["order_id"], body["payment_id"]) == (None, None, None)


async def test_removing_a_line_returns_its_stock(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    s = await shop(sessions, in_warehouse=1, in_store=0)
    first, second = await new_cart(client), await new_cart(client)
    line = (await client.post(f"{CARTS}/{first}/lines", json={"variant_id": str(s.mug)})).json()[
        "lines"
    ][0]

    blocked = await client.post(f"{CARTS}/{second}/lines", json={"variant_id": str(s.mug)})
    removed = await client.delete(f"{CARTS}/{first}/lines/{line['id']}")
    allowed = await client.post(f"{CARTS}/{second}/lines", json={"variant_id": str(s.mug)})

    assert (blocked.status_code, blocked.json()["code"]) == (409, "out_of_stock")
    assert (removed.status_code, removed.json()["lines"]) == (200, [])
    assert allowed.status_code == 201


async def test_bad_input_is_a_problem_naming_the_field(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    s = await shop(sessions)
    token = await new_cart(client)
    lines = f"{CARTS}/{token}/lines"

    cases: list[tuple[httpx.Response, int, str, str | None]] = [
        (await client.post(CARTS, json={"channel": "nope"}), 404, "not_found", "channel"),
        (await client.post(CARTS, json={"channel": "web", "x": 1}), 422, "validation_failed", "x"),
        (
            await client.post(lines, json={"variant_id": str(s.kettle), "quantity": 0}),
            422,
            "validation_failed",
            "quantity",
        ),
        (
            await client.post(lines, json={"variant_id": str(s.kettle), "quantity": 13}),
            409,
            "out_of_stock",
            "quantity",
        ),
        (
            await client.post(lines, json={"variant_id": "not-a-uuid"}),
            422,
            "validation_failed",
            "variant_id",
        ),
        (
            await client.patch(f"{CARTS}/{token}", json={"phone": "12345"}),
            422,
            "validation_failed",
            "phone",
        ),
        (
            await client.patch(f"{CARTS}/{token}", json={"shipping_address": {"city": "Москва"}}),
            422,
            "validation_failed",
            "shipping_address.country",
        ),
        (
            await client.patch(
                f"{CARTS}/{token}", json={"delivery": {"kind": "courier", "method": "x"}}
            ),
            422,
            "validation_failed",
            None,
        ),
        (await client.get(f"{CARTS}/{'a' * 32}"), 404, "cart_not_found", "token"),
        (await client.get(f"{CARTS}/bad%20token!"), 422, "validation_failed", "token"),
        (
            await client.post(CARTS, json={"channel": "web"}, headers={"X-Customer-Token": "x"}),
            401,
            "",
            None,
        ),
    ]
    for response, status, code, field in cases:
        assert response.status_code == status, response.text
        problem = response.json()
        assert response.headers["content-type"] == "application/problem+json"
        if code:
            assert problem["code"] == code, problem
        if field:
            assert field in [e["field"] for e in problem["errors"]], problem
    assert (await client.get(f"{CARTS}/{token}")).json()["lines"] == []


async def test_delivery_options_without_an_address_ask_for_one(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    s = await shop(sessions, in_store=0)
    token = await new_cart(client)
    await client.post(f"{CARTS}/{token}/lines", json={"variant_id": str(s.kettle)})

    options = await client.get(f"{CARTS}/{token}/delivery-options")
    pickup = await client.patch(
        f"{CARTS}/{token}", json={"delivery": {"kind": "pickup", "location_id": str(s.store)}}
    )

    assert options.json()["shipping"] == []
    assert options.json()["needs"] == ["shipping_address"]
    (store,) = options.json()["pickup"]
    assert (store["complete"], [m["sku"] for m in store["missing"]]) == (False, ["web-kettle-1"])
    assert (pickup.status_code, pickup.json()["code"]) == (409, "pickup_unavailable")
    assert pickup.json()["missing"][0]["quantity"] == 1


async def test_a_customer_token_links_the_new_cart_to_the_customer(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await shop(sessions)
    async with unit_of_work(sessions) as session:
        customer = Customer(email="anna@example.com")
        session.add(customer)
        await session.flush()
        secret = await tokens.issue(session=session, customer_id=customer.id)

    linked = await client.post(CARTS, json={"channel": "web"}, headers={"X-Customer-Token": secret})
    refused = await client.post(
        CARTS, json={"channel": "web"}, headers={"X-Customer-Token": "cst_forged"}
    )

    assert linked.status_code == 201, linked.text
    async with unit_of_work(sessions) as session:
        cart, _ = await service.load_for_completion(session=session, token=linked.json()["token"])
        assert cart.customer_id == customer.id
    assert (refused.status_code, refused.json()["code"]) == (401, "invalid_customer_token")
