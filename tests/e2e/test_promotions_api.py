"""Promotions and vouchers through HTTP: staff set them up, the cart shows what applied and
why another did not, completion charges the discounted total, the order keeps each line's
share, voucher uses are exact and given back when a payment fails; flash-sale prices."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.inventory.models import StockLevel
from omnishop.kernel import clock, outbox
from omnishop.orders.models import Order
from omnishop.payments.models import Payment
from omnishop.pricing.promotion_models import Voucher
from tests.e2e.conftest import MakeKey
from tests.e2e.test_cart_api import CARTS, new_cart, shop
from tests.e2e.test_checkout_complete import count, pay, ready_cart
from tests.payments_fixtures import DECLINED_CARD, card_token, psp_store

__all__ = ["psp_store"]
PROMOS = "/api/v1/promotions"
STAFF = ("pricing:write", "catalog:read")


async def promotion(client: httpx.AsyncClient, headers: dict[str, str], **body: Any) -> str:
    made = await client.post(PROMOS, json=body, headers=headers)
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


async def voucher(
    client: httpx.AsyncClient, headers: dict[str, str], promotion_id: str, **body: Any
) -> dict[str, Any]:
    made = await client.post(f"{PROMOS}/{promotion_id}/vouchers", json=body, headers=headers)
    assert made.status_code == 201, made.text
    return dict(made.json())


async def used(sessions: async_sessionmaker[AsyncSession], code: str) -> int:
    async with sessions() as session:
        return int(
            await session.scalar(select(Voucher.used_count).where(Voucher.code == code)) or 0
        )


async def test_a_voucher_discounts_the_cart_the_payment_and_the_order_lines(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    psp_store: str,
    api_key: MakeKey,
) -> None:
    staff = await api_key(*STAFF)
    s = await shop(sessions)
    welcome = await promotion(
        client, staff, name="Welcome", labels={"en": "Welcome 10%"}, reward="percent_order",
        value="10", needs_voucher=True,
    )  # fmt: skip
    await voucher(client, staff, welcome, code="Welcome10", usage_limit=1)
    await promotion(client, staff, name="Big spender", reward="fixed_order", value="5000",
                    min_subtotal=1_000_000, currency="RUB")  # fmt: skip
    token = await ready_cart(client, s)

    unknown = await client.post(f"{CARTS}/{token}/vouchers", json={"code": "NOPE"})
    applied = await client.post(f"{CARTS}/{token}/vouchers", json={"code": " welcome10 "})
    cart = applied.json()
    paid = await pay(client, token, {"method": "card", "token": await card_token()})
    order = (await client.get(f"/api/v1/orders/{paid.json()['order']['token']}")).json()
    other = await ready_cart(client, s)
    late = await client.post(f"{CARTS}/{other}/vouchers", json={"code": "WELCOME10"})

    assert (unknown.status_code, unknown.json()["code"]) == (404, "voucher_not_found")
    assert applied.status_code == 200, applied.text
    assert cart["vouchers"] == ["WELCOME10"]
    assert cart["discount"]["amount"] == 25_000  # 10% of the 2 500 ₽ kettle
    assert cart["total"]["amount"] == 250_000 - 25_000 + 39_000
    assert [(p["name"], p["code"]) for p in cart["promotions"]] == [("Welcome", "WELCOME10")]
    big = [p for p in cart["promotions_rejected"] if p["name"] == "Big spender"]
    # said in the cart's language (ru), the amount in its currency
    assert big and big[0]["reason"] == "товары должны стоить не меньше 10\u00a0000,00\u00a0₽"
    assert cart["lines"][0]["discount"]["amount"] == 25_000
    assert paid.status_code == 200, paid.text
    assert order["total"] == 264_000 and order["discount_amount"] == 25_000
    assert order["lines"][0]["discount_amount"] == 25_000
    assert order["adjustments"][0]["code"] == "WELCOME10"
    async with sessions() as session:
        payment = await session.scalar(select(Payment))
        assert payment is not None and payment.amount == 264_000
    assert (late.status_code, late.json()["code"]) == (409, "voucher_unavailable")
    assert "used up" in late.json()["detail"]
    assert await used(sessions, "WELCOME10") == 1


async def test_a_declined_payment_gives_the_voucher_use_back(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    psp_store: str,
    api_key: MakeKey,
) -> None:
    staff = await api_key(*STAFF)
    s = await shop(sessions)
    once = await promotion(client, staff, name="Once", reward="fixed_order", value="10000",
                           needs_voucher=True, currency="RUB")  # fmt: skip
    await voucher(client, staff, once, code="ONCE", usage_limit=1)
    token = await ready_cart(client, s)
    await client.post(f"{CARTS}/{token}/vouchers", json={"code": "once"})

    declined = await pay(
        client, token, {"method": "card", "token": await card_token(DECLINED_CARD)}
    )
    after_decline = await used(sessions, "ONCE")
    paid = await pay(client, token, {"method": "card", "token": await card_token()})

    assert declined.status_code == 402
    assert after_decline == 0
    assert paid.status_code == 200, paid.text
    assert paid.json()["order"]["discount_amount"] == 10_000
    assert await used(sessions, "ONCE") == 1


async def test_a_canceled_order_gives_its_voucher_use_back_once(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    psp_store: str,
    api_key: MakeKey,
) -> None:
    staff = await api_key(*STAFF, "orders:write")
    s = await shop(sessions)
    once = await promotion(client, staff, name="Once", reward="fixed_order", value="10000",
                           needs_voucher=True, currency="RUB")  # fmt: skip
    await voucher(client, staff, once, code="ONCE", usage_limit=1, per_customer_limit=1)
    token = await ready_cart(client, s)
    await client.post(f"{CARTS}/{token}/vouchers", json={"code": "once"})
    paid = await pay(client, token, {"method": "card", "token": await card_token()})
    assert paid.status_code == 200, paid.text
    order_id = paid.json()["order"]["id"]
    used_by_order = await used(sessions, "ONCE")

    for _ in range(2):  # a second cancel (and a redelivered event) gives nothing back twice
        canceled = await client.post(
            f"/api/v1/staff/orders/{order_id}/cancel", json={"reason": "changed mind"},
            headers=staff,
        )  # fmt: skip
        assert canceled.status_code == 200, canceled.text
        await outbox.drain(sessions)
        await outbox.drain(sessions)
    after_cancel = await used(sessions, "ONCE")
    again = await ready_cart(client, s)  # the same buyer (anna@) may use it again
    retyped = await client.post(f"{CARTS}/{again}/vouchers", json={"code": "ONCE"})

    assert used_by_order == 1
    assert after_cancel == 0
    assert retyped.status_code == 200, retyped.text
    assert retyped.json()["discount"]["amount"] == 10_000


async def test_a_promotion_that_ended_since_the_cart_was_shown_is_refused_not_dropped(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    psp_store: str,
    api_key: MakeKey,
) -> None:
    staff = await api_key(*STAFF)
    s = await shop(sessions)
    ends = clock.now() + timedelta(hours=1)
    await promotion(client, staff, name="Weekend", reward="percent_items", value="20",
                    ends_at=ends.isoformat())  # fmt: skip
    token = await ready_cart(client, s)
    shown = (await client.get(f"{CARTS}/{token}")).json()
    clock.freeze(ends + timedelta(seconds=1))
    try:
        refused = await pay(client, token, {"method": "card", "token": await card_token()})
        reshown = (await client.get(f"{CARTS}/{token}")).json()
        paid = await pay(client, token, {"method": "card", "token": await card_token()})
    finally:
        clock.freeze(None)

    assert shown["discount"]["amount"] == 50_000
    assert (refused.status_code, refused.json()["code"]) == (409, "promotion_changed")
    assert "Weekend" in refused.json()["detail"]
    assert reshown["discount"]["amount"] == 0 and reshown["state"] == "open"
    assert paid.status_code == 200, paid.text  # once seen, the new total is paid
    assert await count(sessions, Order) == 1


async def test_staff_generate_unguessable_codes_and_list_them(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession], api_key: MakeKey
) -> None:
    staff = await api_key(*STAFF)
    reader = await api_key("catalog:read")
    promo = await promotion(client, staff, name="Bulk", reward="free_shipping", needs_voucher=True)

    bulk = await client.post(
        f"{PROMOS}/{promo}/vouchers/bulk", json={"count": 25, "prefix": "tg"}, headers=staff
    )
    listed = await client.get(f"{PROMOS}/{promo}/vouchers?limit=10", headers=reader)
    rest = await client.get(
        f"{PROMOS}/{promo}/vouchers?limit=100&cursor={listed.json()['next_cursor']}",
        headers=reader,
    )
    taken = await client.post(
        f"{PROMOS}/{promo}/vouchers", json={"code": bulk.json()["codes"][0].lower()},
        headers=staff,
    )  # fmt: skip
    denied = await client.post(PROMOS, json={"name": "x", "reward": "free_shipping"},
                               headers=reader)  # fmt: skip
    no_currency = await client.post(
        PROMOS, json={"name": "x", "reward": "fixed_order", "value": "100"}, headers=staff
    )
    bad = await client.post(PROMOS, json={"name": "x", "reward": "percent_order", "value": "150"},
                            headers=staff)  # fmt: skip

    codes = bulk.json()["codes"]
    assert bulk.status_code == 201 and len(set(codes)) == 25
    assert all(c.startswith("TG") and len(c) == 14 for c in codes)
    assert len(listed.json()["data"]) + len(rest.json()["data"]) == 25
    assert (taken.status_code, denied.status_code, bad.status_code) == (409, 403, 422)
    assert no_currency.status_code == 422 and "currency" in no_currency.text


async def test_a_flash_sale_price_applies_in_its_window_and_then_is_refused(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    psp_store: str,
    api_key: MakeKey,
) -> None:
    staff = await api_key(*STAFF)
    s = await shop(sessions)
    now = clock.now()
    sale = await client.post(
        "/api/v1/sale-prices",
        json={
            "variant_id": str(s.kettle), "channel": "web", "amount": 199_000,
            "starts_at": (now - timedelta(minutes=1)).isoformat(),
            "ends_at": (now + timedelta(hours=1)).isoformat(),
        },
        headers=staff,
    )  # fmt: skip
    overlap = await client.post(
        "/api/v1/sale-prices",
        json={
            "variant_id": str(s.kettle), "channel": "web", "amount": 99_000,
            "starts_at": now.isoformat(), "ends_at": (now + timedelta(hours=2)).isoformat(),
        },
        headers=staff,
    )  # fmt: skip
    token = await ready_cart(client, s)
    cart = (await client.get(f"{CARTS}/{token}")).json()
    clock.freeze(now + timedelta(hours=2))
    try:
        after = await pay(client, token, {"method": "card", "token": await card_token()})
    finally:
        clock.freeze(None)

    assert sale.status_code == 201, sale.text
    assert overlap.status_code == 409
    assert cart["lines"][0]["unit_price"]["amount"] == 199_000
    assert (after.status_code, after.json()["code"]) == (409, "price_changed")


async def test_a_gift_is_held_like_a_line_and_placed_at_zero_price(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    psp_store: str,
    api_key: MakeKey,
) -> None:
    staff = await api_key(*STAFF)
    s = await shop(sessions, in_warehouse=2, in_store=0)  # two kettles, two mugs
    await promotion(client, staff, name="Free mug", reward="gift_item",
                    gift_variant_id=str(s.mug), product_ids=[])  # fmt: skip
    token = await ready_cart(client, s)
    cart = (await client.get(f"{CARTS}/{token}")).json()
    taker = await new_cart(client)  # buys the last mug
    took = await client.post(f"{CARTS}/{taker}/lines", json={"variant_id": str(s.mug)})
    other = await ready_cart(client, s)
    second = (await client.get(f"{CARTS}/{other}")).json()
    paid = await pay(client, token, {"method": "card", "token": await card_token()})
    order = (await client.get(f"/api/v1/orders/{paid.json()['order']['token']}")).json()

    assert took.status_code == 201, took.text
    assert [g["sku"] for g in cart["gifts"]] == ["web-mug-1"]
    assert cart["total"]["amount"] == 250_000 + 39_000  # the gift costs nothing
    assert second["gifts"] == []
    assert [(p["name"], p["reason"]) for p in second["promotions_rejected"]] == [
        ("Free mug", "подарок закончился")
    ]
    assert paid.status_code == 200, paid.text
    mug = [ln for ln in order["lines"] if ln["sku"] == "web-mug-1"]
    assert mug and (mug[0]["quantity"], mug[0]["unit_amount"]) == (1, 0)
    async with sessions() as session:
        level = await session.scalar(
            select(StockLevel).where(
                StockLevel.variant_id == s.mug, StockLevel.location_id == s.warehouse
            )
        )
        assert level is not None and (level.reserved, level.committed) == (1, 1)


async def test_a_returning_buyer_promotion_waits_for_the_first_kept_order(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    psp_store: str,
    api_key: MakeKey,
) -> None:
    staff = await api_key(*STAFF)
    s = await shop(sessions)
    await promotion(
        client, staff, name="Welcome back", reward="percent_order", value="5",
        segments=["returning"],
    )  # fmt: skip
    unknown = await client.post(
        PROMOS, json={"name": "VIP", "reward": "percent_order", "value": "5", "segments": ["vip"]},
        headers=staff,
    )  # fmt: skip
    first = await ready_cart(client, s)  # anna@example.com, no earlier order
    before = (await client.get(f"{CARTS}/{first}")).json()
    paid = await pay(client, first, {"method": "card", "token": await card_token()})
    second = await ready_cart(client, s)
    after = (await client.get(f"{CARTS}/{second}")).json()

    assert (unknown.status_code, unknown.json()["code"]) == (422, "validation_failed")
    assert before["discount"]["amount"] == 0
    rejected = [p["name"] for p in before["promotions_rejected"]]
    assert "Welcome back" in rejected
    assert paid.status_code == 200, paid.text
    assert [p["name"] for p in after["promotions"]] == ["Welcome back"]
    assert after["discount"]["amount"] == 12_500  # 5% of the 2 500 ₽ kettle
