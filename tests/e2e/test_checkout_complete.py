"""Completing a cart through the HTTP API: orders, declines, 3-D Secure, retries, refusals."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.inventory.ledger import verify_ledger
from omnishop.inventory.models import StockLevel
from omnishop.kernel import outbox
from omnishop.kernel.db import unit_of_work
from omnishop.orders.models import Order
from omnishop.payments.jobs import deliver_sandbox_notifications
from omnishop.payments.models import Payment
from omnishop.pricing import service as pricing
from tests.e2e.test_cart_api import CARTS, new_cart, shop
from tests.integration.test_cart_fixtures import MOSCOW, Shop
from tests.payments_fixtures import (
    CHALLENGE_CARD,
    DECLINED_CARD,
    NO_FUNDS_CARD,
    card_token,
    psp_store,
)

__all__ = ["psp_store"]


async def ready_cart(client: httpx.AsyncClient, s: Shop, *, pickup: bool = False) -> str:
    token = await new_cart(client)
    added = await client.post(f"{CARTS}/{token}/lines", json={"variant_id": str(s.kettle)})
    assert added.status_code == 201, added.text
    delivery: dict[str, Any] = (
        {"kind": "pickup", "location_id": str(s.store)}
        if pickup
        else {"kind": "shipping", "method": "courier"}
    )
    if not pickup:
        moved = await client.patch(
            f"{CARTS}/{token}", json={"email": "anna@example.com", "shipping_address": MOSCOW}
        )
        assert moved.status_code == 200, moved.text
    chosen = await client.patch(
        f"{CARTS}/{token}", json={"email": "anna@example.com", "delivery": delivery}
    )
    assert chosen.status_code == 200, chosen.text
    return token


async def pay(
    client: httpx.AsyncClient, token: str, payment: dict[str, Any], key: str | None = None
) -> httpx.Response:
    headers = {"Idempotency-Key": key} if key else {}
    return await client.post(
        f"{CARTS}/{token}/complete", json={"payment": payment}, headers=headers
    )


async def count(sessions: async_sessionmaker[AsyncSession], model: Any) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_a_card_payment_places_the_order_once(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession], psp_store: str
) -> None:
    s = await shop(sessions)
    token = await ready_cart(client, s)
    card = {"method": "card", "token": await card_token()}

    first = await pay(client, token, card, key="k-1")
    replayed = await pay(client, token, card, key="k-1")
    again = await pay(client, token, card)  # a new key: the same order, no second charge
    cart = (await client.get(f"{CARTS}/{token}")).json()

    assert first.status_code == 200, first.text
    body = first.json()
    assert body["status"] == "completed"
    assert body["payment"]["status"] == "authorized"
    assert body["order"]["number"].startswith("WEB-")
    assert body["order"]["total"] == 250000 + 39000
    assert replayed.json() == body and replayed.headers["idempotent-replayed"] == "true"
    assert again.status_code == 200 and again.json()["order"]["id"] == body["order"]["id"]
    assert cart["state"] == "completed" and cart["order"]["number"] == body["order"]["number"]
    assert await count(sessions, Order) == 1 and await count(sessions, Payment) == 1
    async with sessions() as session:
        level = await session.scalar(
            select(StockLevel).where(
                StockLevel.variant_id == s.kettle, StockLevel.location_id == s.warehouse
            )
        )
        assert level is not None and (level.reserved, level.committed) == (0, 1)
        for location in (s.warehouse, s.store):
            check = await verify_ledger(session=session, variant_id=s.kettle, location_id=location)
            assert check.ok, check


async def test_the_worker_captures_and_marks_the_order_paid(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession], psp_store: str
) -> None:
    s = await shop(sessions)
    token = await ready_cart(client, s)
    placed = await pay(client, token, {"method": "card", "token": await card_token()})
    await outbox.drain(sessions)
    await outbox.drain(sessions)

    order = (await client.get(f"/api/v1/orders/{placed.json()['order']['token']}")).json()

    assert order["status"] == "paid", order
    assert order["payment_status"] == "paid"


async def test_a_declined_card_leaves_the_cart_open_and_held(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession], psp_store: str
) -> None:
    s = await shop(sessions)
    token = await ready_cart(client, s)

    declined = await pay(
        client, token, {"method": "card", "token": await card_token(DECLINED_CARD)}
    )
    broke = await pay(client, token, {"method": "card", "token": await card_token(NO_FUNDS_CARD)})
    cart = (await client.get(f"{CARTS}/{token}")).json()
    paid = await pay(client, token, {"method": "card", "token": await card_token()})

    assert (declined.status_code, declined.json()["code"]) == (402, "payment_declined")
    assert declined.json()["reason"] == "card_declined"
    assert broke.json()["reason"] == "insufficient_funds"
    assert cart["state"] == "open" and cart["lines"][0]["held"] == 1
    assert paid.status_code == 200 and paid.json()["status"] == "completed"
    assert await count(sessions, Order) == 1


async def test_three_d_secure_passes_through_the_challenge_page_and_the_webhook(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession], psp_store: str
) -> None:
    s = await shop(sessions)
    token = await ready_cart(client, s)
    challenge = {
        "method": "card",
        "token": await card_token(CHALLENGE_CARD),
        "return_url": "https://shop.example/return",
    }

    asked = await pay(client, token, challenge)
    url = asked.json()["next_action"]["url"]
    waiting = (await client.get(f"{CARTS}/{token}")).json()
    page = await client.get(url)
    answered = await client.post(url, data={"outcome": "pass"})
    await deliver_sandbox_notifications(sessions)  # the PSP's signed webhook reaches us
    await outbox.drain(sessions)  # payment.authorized → the waiting cart becomes an order
    cart = (await client.get(f"{CARTS}/{token}")).json()

    assert asked.status_code == 200 and asked.json()["status"] == "requires_action"
    assert waiting["state"] == "awaiting_payment" and waiting["next_action"]["url"] == url
    assert page.status_code == 200 and "Pass" in page.text
    assert answered.status_code == 303
    assert answered.headers["location"].startswith("https://shop.example/return")
    assert cart["state"] == "completed" and cart["order"] is not None
    assert await count(sessions, Order) == 1


async def test_a_failed_challenge_reopens_the_cart_for_another_card(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession], psp_store: str
) -> None:
    s = await shop(sessions)
    token = await ready_cart(client, s)
    asked = await pay(client, token, {"method": "card", "token": await card_token(CHALLENGE_CARD)})
    await client.post(asked.json()["next_action"]["url"], data={"outcome": "fail"})
    await deliver_sandbox_notifications(sessions)
    await outbox.drain(sessions)

    reopened = (await client.get(f"{CARTS}/{token}")).json()
    paid = await pay(client, token, {"method": "card", "token": await card_token()})

    assert reopened["state"] == "open"
    assert paid.status_code == 200 and paid.json()["status"] == "completed"


async def test_pay_at_pickup_places_the_order_without_a_provider(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession], psp_store: str
) -> None:
    s = await shop(sessions)
    token = await ready_cart(client, s, pickup=True)

    cod = await pay(client, token, {"method": "cod"})
    done = await pay(client, token, {"method": "pay_at_pickup"})

    assert (cod.status_code, cod.json()["code"]) == (409, "cart_not_ready")
    assert cod.json()["errors"][0]["field"] == "payment.method"
    assert done.status_code == 200, done.text
    assert done.json()["payment"]["status"] == "pending"
    assert done.json()["order"]["delivery"]["kind"] == "pickup"


async def test_a_changed_price_is_refused_naming_the_line_and_nothing_is_charged(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession], psp_store: str
) -> None:
    s = await shop(sessions)
    token = await ready_cart(client, s)
    async with unit_of_work(sessions) as session:
        await pricing.set_price(
            session=session, variant_id=s.kettle, channel_id=s.channel.id, amount=260000
        )

    refused = await pay(client, token, {"method": "card", "token": await card_token()})
    cart = (await client.get(f"{CARTS}/{token}")).json()

    assert refused.status_code == 409
    problem = refused.json()
    assert problem["code"] == "price_changed"
    assert problem["errors"][0]["field"] == "lines[0]"
    assert (problem["seen"], problem["current"]) == (250000, 260000)
    assert cart["state"] == "open"
    assert await count(sessions, Payment) == 0


async def test_bad_completions_are_refused_and_change_nothing(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession], psp_store: str
) -> None:
    s = await shop(sessions)
    token = await ready_cart(client, s)
    empty = await new_cart(client)
    url = f"{CARTS}/{token}/complete"

    cases = [
        (await client.post(url, json={"payment": {"method": "card", "number": "4242 4242 4242 4242"}}), 422, "card_number_not_accepted"),  # noqa: E501
        (await client.post(url, json={"card": "4000000000000002", "payment": {"method": "cod"}}), 422, "card_number_not_accepted"),  # noqa: E501
        (await client.post(url, json={"payment": {"method": "bitcoin"}}), 422, "validation_failed"),
        (await client.post(url, content=b"{not json"), 422, "validation_failed"),
        (await client.post(url, json={"payment": {"method": "card"}}), 422, "validation_failed"),
        (await client.post(f"{CARTS}/{'x' * 40}/complete", json={"payment": {"method": "cod"}}), 404, "not_found"),  # noqa: E501
        (await client.post(f"{CARTS}/{empty}/complete", json={"payment": {"method": "cod"}}), 409, "cart_not_ready"),  # noqa: E501
        (await client.post(f"{CARTS}/bad!/complete", json={"payment": {"method": "cod"}}), 422, "validation_failed"),  # noqa: E501
    ]  # fmt: skip

    for response, status, code in cases:
        assert (response.status_code, response.json()["code"]) == (status, code), response.text
    assert "4242" not in cases[0][0].text
    assert (await client.get(f"{CARTS}/{token}")).json()["state"] == "open"
    assert await count(sessions, Payment) == 0 and await count(sessions, Order) == 0


async def test_an_abandoned_cart_gives_its_stock_back_at_once(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession], psp_store: str
) -> None:
    s = await shop(sessions)
    token = await ready_cart(client, s)

    gone = await client.delete(f"{CARTS}/{token}")
    again = await client.delete(f"{CARTS}/{token}")
    refused = await pay(client, token, {"method": "card", "token": await card_token()})

    assert gone.status_code == 200 and gone.json()["state"] == "abandoned"
    assert gone.json()["lines"][0]["held"] == 0
    assert again.status_code == 200
    assert refused.status_code == 409
    async with sessions() as session:
        level = await session.scalar(
            select(StockLevel).where(
                StockLevel.variant_id == s.kettle, StockLevel.location_id == s.warehouse
            )
        )
        assert level is not None and level.reserved == 0
