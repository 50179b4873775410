"""Loyalty over HTTP: points earned in Telegram are spent on the web (burned exactly once with
the payment), a cancel brings them back; the buyer's balance and history; staff reads and
adjustments; refusals."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.customers import tokens
from omnishop.customers.models import Customer
from omnishop.kernel import outbox
from omnishop.kernel.db import unit_of_work
from omnishop.loyalty.models import EarnRule, LoyaltyEntry
from omnishop.payments.models import Payment
from tests.e2e.conftest import MakeKey
from tests.integration.test_cart_fixtures import MOSCOW, Shop, open_shop, russian_shipping
from tests.payments_fixtures import DECLINED_CARD, card_token, psp_store

__all__ = ["psp_store"]
CARTS = "/api/v1/carts"
Sessions = async_sessionmaker[AsyncSession]


async def programme(sessions: Sessions) -> tuple[Shop, Shop, str, Customer]:
    """Two channels (telegram and web) selling a 2 500 ₽ kettle, a 5% earn rule, and a
    signed-in customer's token."""
    async with unit_of_work(sessions) as session:
        telegram = await open_shop(session, code="telegram")
        web = await open_shop(session, code="web")
        await russian_shipping(session)
        session.add(EarnRule(name="5% cashback", kind="percent", percent=Decimal(5)))
        customer = Customer(email="anna@example.com")
        session.add(customer)
        await session.flush()
        token = await tokens.issue(session=session, customer_id=customer.id)
    return telegram, web, token, customer


async def cart_with_kettle(client: httpx.AsyncClient, s: Shop, customer_token: str) -> str:
    created = await client.post(
        CARTS,
        json={"channel": s.channel.code},
        headers={"X-Customer-Token": customer_token},
    )
    assert created.status_code == 201, created.text
    token = str(created.json()["token"])
    added = await client.post(f"{CARTS}/{token}/lines", json={"variant_id": str(s.kettle)})
    assert added.status_code == 201, added.text
    ready = await client.patch(
        f"{CARTS}/{token}",
        json={
            "email": "anna@example.com",
            "shipping_address": MOSCOW,
            "delivery": {"kind": "shipping", "method": "courier"},
        },
    )
    assert ready.status_code == 200, ready.text
    return token


async def pay(
    client: httpx.AsyncClient, token: str, *, card: str | None = None, key: str | None = None
) -> httpx.Response:
    if card is None or card.isdigit():
        card = await card_token(card or "4242424242424242")
    headers = {"Idempotency-Key": key} if key else {}
    return await client.post(
        f"{CARTS}/{token}/complete",
        json={"payment": {"method": "card", "token": card}},
        headers=headers,
    )


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def me(client: httpx.AsyncClient, token: str) -> dict[str, Any]:
    read = await client.get("/api/v1/loyalty/me", headers=bearer(token))
    assert read.status_code == 200, read.text
    body: dict[str, Any] = read.json()
    return body


async def burns(sessions: Sessions) -> int:
    async with sessions() as session:
        return int(
            await session.scalar(
                select(func.count()).select_from(LoyaltyEntry).where(LoyaltyEntry.kind == "burn")
            )
            or 0
        )


async def test_points_earned_in_telegram_are_spent_on_the_web_once_and_come_back_on_cancel(
    client: httpx.AsyncClient, sessions: Sessions, psp_store: str, api_key: MakeKey
) -> None:
    telegram, web, customer_token, _ = await programme(sessions)

    # Bought in Telegram: 2 500 ₽ kettle + 390 ₽ courier, paid by card and captured.
    in_telegram = await pay(client, await cart_with_kettle(client, telegram, customer_token))
    assert in_telegram.status_code == 200, in_telegram.text
    await outbox.drain(sessions)
    await outbox.drain(sessions)
    earned = await me(client, customer_token)
    assert earned["balance"] == 125  # 5% of the goods, shipping excluded

    # On the web: the same customer spends them.
    token = await cart_with_kettle(client, web, customer_token)
    chose = await client.post(
        f"{CARTS}/{token}/loyalty", json={"points": 125}, headers=bearer(customer_token)
    )
    assert chose.status_code == 200, chose.text
    cart = chose.json()
    assert cart["points"] == 125 and cart["points_amount"]["amount"] == 125_00
    assert cart["total"]["amount"] == 250_000 + 39_000 - 12_500

    card = await card_token()
    first = await pay(client, token, card=card, key="web-1")
    replayed = await pay(client, token, card=card, key="web-1")
    again = await pay(client, token, card=card)
    assert first.status_code == 200, first.text
    assert first.json()["payment"]["amount"] == 276_500
    assert (
        replayed.json() == first.json()
        and again.json()["order"]["id"] == first.json()["order"]["id"]
    )
    assert (await me(client, customer_token))["balance"] == 0
    assert await burns(sessions) == 1
    order_id = first.json()["order"]["id"]

    # Paid on the web: it earns on what was paid in money for the goods (2 375 ₽ → 118).
    await outbox.drain(sessions)
    await outbox.drain(sessions)
    assert (await me(client, customer_token))["balance"] == 118

    # Canceled: its earn is taken back and the 125 spent points return.
    staff = await api_key("orders:write")
    canceled = await client.post(
        f"/api/v1/staff/orders/{order_id}/cancel", json={"reason": "changed mind"}, headers=staff
    )
    assert canceled.status_code == 200, canceled.text
    await outbox.drain(sessions)
    await outbox.drain(sessions)

    back = await me(client, customer_token)
    assert back["balance"] == 125
    history = await client.get("/api/v1/loyalty/me/history", headers=bearer(customer_token))
    kinds = [(e["kind"], e["points"]) for e in reversed(history.json()["data"])]
    assert kinds == [
        ("earn", 125),
        ("burn", -125),
        ("earn", 118),
        ("reverse", -118),
        ("reverse", 125),
    ]
    channels = {e["kind"]: e["channel_id"] for e in history.json()["data"]}
    assert channels["burn"] == str(web.channel.id)


async def test_a_declined_payment_gives_the_points_back(
    client: httpx.AsyncClient, sessions: Sessions, psp_store: str
) -> None:
    _, web, customer_token, customer = await programme(sessions)
    staff_points = 400
    async with unit_of_work(sessions) as session:
        from omnishop.loyalty import service

        await service.adjust(
            session=session, customer_id=customer.id, points=staff_points, reason="welcome",
            actor="test",
        )  # fmt: skip
    token = await cart_with_kettle(client, web, customer_token)
    await client.post(
        f"{CARTS}/{token}/loyalty", json={"points": 300}, headers=bearer(customer_token)
    )

    declined = await pay(client, token, card=DECLINED_CARD)
    assert declined.status_code == 402, declined.text
    assert (await me(client, customer_token))["balance"] == staff_points

    paid = await pay(client, token)
    assert paid.status_code == 200, paid.text
    assert (await me(client, customer_token))["balance"] == staff_points - 300
    async with sessions() as session:
        amounts = sorted(a for a in await session.scalars(select(Payment.amount)))
    assert amounts == [289_000 - 30_000, 289_000 - 30_000]


async def test_points_need_the_carts_own_signed_in_customer(
    client: httpx.AsyncClient, sessions: Sessions
) -> None:
    _, web, customer_token, customer = await programme(sessions)
    async with unit_of_work(sessions) as session:
        other = Customer(email="boris@example.com")
        session.add(other)
        await session.flush()
        other_token = await tokens.issue(session=session, customer_id=other.id)
    token = await cart_with_kettle(client, web, customer_token)

    anonymous = await client.post(f"{CARTS}/{token}/loyalty", json={"points": 10})
    stranger = await client.post(
        f"{CARTS}/{token}/loyalty", json={"points": 10}, headers=bearer(other_token)
    )
    too_many = await client.post(
        f"{CARTS}/{token}/loyalty", json={"points": 10}, headers=bearer(customer_token)
    )
    bad = await client.post(
        f"{CARTS}/{token}/loyalty", json={"points": -1, "x": 1}, headers=bearer(customer_token)
    )
    dropped = await client.delete(f"{CARTS}/{token}/loyalty", headers=bearer(customer_token))

    assert anonymous.status_code == 401
    assert stranger.status_code == 403 and stranger.json()["code"] == "points_need_customer"
    assert too_many.status_code == 409 and too_many.json()["code"] == "insufficient_points"
    assert bad.status_code == 422
    assert dropped.status_code == 200 and dropped.json()["points"] == 0
    assert customer.id != other.id


async def test_staff_read_and_adjust_a_customers_points(
    client: httpx.AsyncClient, sessions: Sessions, api_key: MakeKey
) -> None:
    _, _, customer_token, customer = await programme(sessions)
    writer = await api_key("loyalty:write", "loyalty:read")
    reader = await api_key("loyalty:read")
    url = f"/api/v1/customers/{customer.id}/loyalty"

    added = await client.post(
        f"{url}/adjustments",
        json={"points": 500, "reason": "apology for a late parcel"},
        headers={**writer, "Idempotency-Key": "adj-1"},
    )
    replay = await client.post(
        f"{url}/adjustments",
        json={"points": 500, "reason": "apology for a late parcel"},
        headers={**writer, "Idempotency-Key": "adj-1"},
    )
    overdraw = await client.post(
        f"{url}/adjustments", json={"points": -501, "reason": "typo"}, headers=writer
    )
    zero = await client.post(
        f"{url}/adjustments", json={"points": 0, "reason": "x"}, headers=writer
    )
    forbidden = await client.post(
        f"{url}/adjustments", json={"points": 5, "reason": "x"}, headers=reader
    )
    summary = await client.get(url, headers=reader)
    history = await client.get(f"{url}/history", headers=reader)

    assert added.status_code == 201, added.text
    assert added.json()["balance"] == 500 and added.json()["entry"]["kind"] == "adjust"
    assert replay.json() == added.json()
    assert overdraw.status_code == 409 and overdraw.json()["code"] == "insufficient_points"
    assert zero.status_code == 422
    assert forbidden.status_code == 403
    assert summary.json()["balance"] == 500
    assert [e["reason"] for e in history.json()["data"]] == ["apology for a late parcel"]
    assert (await me(client, customer_token))["balance"] == 500


async def test_the_buyers_loyalty_needs_a_customer_token(client: httpx.AsyncClient) -> None:
    missing = await client.get("/api/v1/loyalty/me")
    wrong = await client.get("/api/v1/loyalty/me", headers=bearer("cst_nope"))

    assert missing.status_code == 401 and wrong.status_code == 401
