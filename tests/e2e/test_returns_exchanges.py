"""Returns beyond the happy path: exchanges for a dearer or cheaper variant (the difference
charged or refunded), damaged units written off, rejections, full returns with shipping,
concurrent refunds of one return, and the back-office list."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from omnishop.inventory.ledger import verify_ledger
from omnishop.inventory.models import StockLevel
from omnishop.kernel import clock, outbox
from omnishop.kernel.db import make_sessionmaker, unit_of_work
from omnishop.orders import returns_settle
from omnishop.orders.models import Order, OrderLine
from omnishop.orders.returns_models import ReturnRefund
from omnishop.payments import service as payments
from omnishop.payments.models import Payment, Refund
from tests.e2e.conftest import MakeKey
from tests.e2e.test_admin import MakeStaff, make_staff, sign_in
from tests.e2e.test_cart_api import shop
from tests.e2e.test_checkout_complete import pay, ready_cart
from tests.e2e.test_returns_across_channels import T0, _deliver, _web_order
from tests.integration.test_cart_fixtures import Shop
from tests.payments_fixtures import DECLINED_CARD, card_token, psp_store

__all__ = ["make_staff", "psp_store"]


def _ask(s: Shop, order: dict[str, Any], quantity: int = 1, **line: Any) -> dict[str, Any]:
    return {
        "order_id": order["id"],
        "channel": "web",
        "method": "drop_off",
        "location_id": str(s.store),
        "lines": [{"order_line_id": order["lines"][0]["id"], "quantity": quantity, **line}],
    }


async def _through(
    client: httpx.AsyncClient, staff: dict[str, str], ret: dict[str, Any], receive: Any = None
) -> str:
    url = f"/api/v1/returns/{ret['id']}"
    assert (await client.post(f"{url}/approve", headers=staff)).status_code == 200
    received = await client.post(f"{url}/receive", json=receive or {}, headers=staff)
    assert received.status_code == 200, received.text
    return url


async def _payment(sessions: async_sessionmaker[AsyncSession], payment_id: Any) -> Payment:
    async with sessions() as session:
        found = await session.get(Payment, uuid.UUID(str(payment_id)))
        assert found is not None
        return found


async def _level(sessions: async_sessionmaker[AsyncSession], variant: Any, location: Any) -> int:
    async with sessions() as session:
        level = await session.scalar(
            select(StockLevel).where(
                StockLevel.variant_id == variant, StockLevel.location_id == location
            )
        )
        return 0 if level is None else level.on_hand - level.reserved - level.committed


async def test_an_exchange_for_a_cheaper_variant_refunds_the_difference_and_hands_it_over(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    psp_store: str,
    api_key: MakeKey,
) -> None:
    clock.freeze(T0)
    s = await shop(sessions)
    staff = await api_key("orders:read", "orders:write")
    order = await _web_order(client, sessions, s, staff)
    mugs_before = await _level(sessions, s.mug, s.warehouse)

    not_one = await client.post("/api/v1/exchanges", json=_ask(s, order), headers=staff)
    opened = await client.post(
        "/api/v1/exchanges",
        json=_ask(s, order, exchange_variant_id=str(s.mug), reason="wrong_item"),
        headers=staff,
    )
    assert not_one.json()["errors"][0]["field"] == "lines[0].exchange_variant_id"
    assert opened.status_code == 201, opened.text
    held = await _level(sessions, s.mug, s.warehouse)
    url = await _through(client, staff, opened.json())
    settled = await client.post(f"{url}/refund", headers=staff)

    body = settled.json()
    assert settled.status_code == 200, settled.text
    assert body["exchange_difference"] == 99000 - 250000
    assert (body["refund"]["kind"], body["refund"]["amount"]) == ("payment", 151000)
    assert (await _payment(sessions, order["payment_id"])).refunded_amount == 151000
    assert held == mugs_before - 1  # the mug was held for the customer at once
    async with sessions() as session:
        level = await session.scalar(
            select(StockLevel).where(
                StockLevel.variant_id == s.mug, StockLevel.location_id == s.warehouse
            )
        )
        assert level is not None and (level.reserved, level.committed) == (0, 0)
        assert level.on_hand == 10 - 1  # handed over: it left the location
        assert (await verify_ledger(session=session, variant_id=s.mug, location_id=s.warehouse)).ok


async def test_an_exchange_for_a_dearer_variant_charges_the_difference_to_a_card(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    psp_store: str,
    api_key: MakeKey,
) -> None:
    clock.freeze(T0)
    s = await shop(sessions)
    staff = await api_key("orders:read", "orders:write")
    order = await _web_order(client, sessions, s, staff)
    # the same price: nothing to pay either way
    opened = await client.post(
        "/api/v1/returns",
        json=_ask(s, order, quantity=1, exchange_variant_id=str(s.kettle)),
        headers=staff,
    )
    assert opened.status_code == 201, opened.text
    assert opened.json()["exchange_difference"] == 0
    url = await _through(client, staff, opened.json())
    even = await client.post(f"{url}/refund", headers=staff)
    assert even.json()["refund"]["kind"] == "none" and even.json()["refund"]["amount"] == 0

    mug_cart = await _web_order_of_mugs(client, sessions, s, staff)
    dearer = await client.post(
        "/api/v1/returns",
        json=_ask(s, mug_cart, exchange_variant_id=str(s.kettle)),
        headers=staff,
    )
    url = await _through(client, staff, dearer.json())
    no_card = await client.post(f"{url}/refund", headers=staff)
    declined = await client.post(
        f"{url}/refund", json={"payment_token": await card_token(DECLINED_CARD)}, headers=staff
    )
    charged = await client.post(
        f"{url}/refund", json={"payment_token": await card_token()}, headers=staff
    )

    assert (no_card.status_code, no_card.json()["errors"][0]["field"]) == (422, "payment_token")
    assert (declined.status_code, declined.json()["code"]) == (409, "payment_operation_failed")
    assert charged.status_code == 200, charged.text
    refund = charged.json()["refund"]
    assert (refund["amount"], refund["status"]) == (0, "succeeded")
    charge = await _payment(sessions, refund["charge_payment_id"])
    assert (charge.status, charge.captured_amount) == ("captured", 250000 - 99000)
    assert (await _payment(sessions, mug_cart["payment_id"])).refunded_amount == 0


async def _web_order_of_mugs(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    s: Shop,
    staff: dict[str, str],
) -> dict[str, Any]:
    from tests.e2e.test_cart_api import CARTS, new_cart
    from tests.e2e.test_checkout_complete import pay
    from tests.integration.test_cart_fixtures import MOSCOW

    token = await new_cart(client)
    await client.post(f"{CARTS}/{token}/lines", json={"variant_id": str(s.mug)})
    await client.patch(
        f"{CARTS}/{token}",
        json={
            "email": "anna@example.com",
            "shipping_address": MOSCOW,
            "delivery": {"kind": "shipping", "method": "courier"},
        },
    )
    placed = await pay(client, token, {"method": "card", "token": await card_token()})
    assert placed.status_code == 200, placed.text
    await outbox.drain(sessions)
    await outbox.drain(sessions)
    order: dict[str, Any] = placed.json()["order"]
    await _deliver(client, staff, order["id"])
    return order


async def test_damaged_units_are_written_off_and_a_full_return_refunds_shipping(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    psp_store: str,
    api_key: MakeKey,
) -> None:
    clock.freeze(T0)
    s = await shop(sessions)
    staff = await api_key("orders:read", "orders:write")
    order = await _web_order_of_mugs(client, sessions, s, staff)  # 990 ₽ + 390 ₽ shipping
    line = order["lines"][0]["id"]
    store_before = await _level(sessions, s.mug, s.store)

    first = await client.post("/api/v1/returns", json=_ask(s, order), headers=staff)
    rejected = await client.post(
        f"/api/v1/returns/{first.json()['id']}/reject",
        json={"reason": "no receipt"},
        headers=staff,
    )
    both = await client.post("/api/v1/returns", json=_ask(s, order), headers=staff)
    assert both.status_code == 201, both.text  # a rejected return gives its units back
    assert both.json()["shipping_amount"] == 39000
    url = await _through(
        client,
        staff,
        both.json(),
        {"lines": [{"order_line_id": line, "condition": "damaged"}]},
    )
    refunded = await client.post(f"{url}/refund", headers=staff)
    await outbox.drain(sessions)
    await outbox.drain(sessions)

    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["rejection_reason"] == "no receipt"
    body = refunded.json()
    assert body["lines"][0]["written_off"] is True
    assert body["lines"][0]["restock_location_id"] is None
    assert await _level(sessions, s.mug, s.store) == store_before  # nothing came back
    assert body["refund"]["amount"] == 99000 + 39000
    assert body["order_fully_returned"] is True
    payment = await _payment(sessions, order["payment_id"])
    assert (payment.status, payment.refunded_amount) == ("refunded", 138000)
    status = (await client.get(f"/api/v1/orders/{order['token']}")).json()
    assert status["payment_status"] == "refunded"
    assert status["lines"][0]["returned"] == 1 and status["fully_returned"] is True
    again = await client.post("/api/v1/returns", json=_ask(s, order), headers=staff)
    assert again.json()["code"] == "return_quantity_exceeded"


async def test_skipped_steps_and_strangers_are_refused_and_change_nothing(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    psp_store: str,
    api_key: MakeKey,
) -> None:
    clock.freeze(T0)
    s = await shop(sessions)
    staff = await api_key("orders:read", "orders:write")
    order = await _web_order(client, sessions, s, staff)
    opened = (await client.post("/api/v1/returns", json=_ask(s, order), headers=staff)).json()
    url = f"/api/v1/returns/{opened['id']}"

    early_receive = await client.post(f"{url}/receive", json={}, headers=staff)
    early_refund = await client.post(f"{url}/refund", headers=staff)
    anonymous = await client.post(f"{url}/approve")
    unknown = await client.post(f"/api/v1/returns/{uuid.uuid4()}/approve", headers=staff)

    assert (early_receive.status_code, early_receive.json()["code"]) == (
        409,
        "invalid_return_transition",
    )
    assert early_refund.status_code == 409
    assert anonymous.status_code == 401
    assert unknown.status_code == 404
    assert (await client.get(url, headers=staff)).json()["status"] == "requested"


async def test_two_concurrent_refunds_of_one_return_pay_once(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    psp_store: str,
    api_key: MakeKey,
    fresh_engine: AsyncEngine,
) -> None:
    """Real connections: two staff members press refund at the same moment."""
    from omnishop.app import create_app
    from omnishop.kernel.runtime import Database
    from omnishop.kernel.settings import Settings

    factory = make_sessionmaker(fresh_engine)
    app = create_app(
        Settings(worker_in_process=False, api_cache_seconds=0),
        database=Database(engine=fresh_engine, sessions=factory),
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as real:
        from omnishop.customers import apikeys

        async with unit_of_work(factory) as session:
            issued = await apikeys.create(
                session=session, name="t", scopes=["orders:read", "orders:write"]
            )
        staff = {"Authorization": f"Bearer {issued.secret}"}
        clock.freeze(T0)
        s = await shop(factory)
        order = await _web_order(real, factory, s, staff)
        opened = (await real.post("/api/v1/returns", json=_ask(s, order), headers=staff)).json()
        url = await _through(real, staff, opened)

        results = await asyncio.gather(
            real.post(f"{url}/refund", headers=staff),
            real.post(f"{url}/refund", headers=staff),
            returns_settle.refund(factory, return_id=uuid.UUID(opened["id"]), actor="test"),
            return_exceptions=True,
        )

        ok = [r for r in results if isinstance(r, httpx.Response) and r.status_code == 200]
        assert ok, results
        async with factory() as session:
            refunds = list(await session.scalars(select(Refund)))
            assert [r.amount for r in refunds] == [250000]
            assert await session.scalar(select(func.count()).select_from(ReturnRefund)) == 1
            payment = await session.get(Payment, uuid.UUID(order["payment_id"]))
            assert payment is not None and payment.refunded_amount == 250000


async def test_staff_see_returns_in_the_back_office_but_cannot_edit_them(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    psp_store: str,
    api_key: MakeKey,
    make_staff: MakeStaff,
) -> None:
    clock.freeze(T0)
    s = await shop(sessions)
    staff = await api_key("orders:read", "orders:write")
    order = await _web_order(client, sessions, s, staff)
    opened = (await client.post("/api/v1/returns", json=_ask(s, order), headers=staff)).json()
    await sign_in(client, await make_staff("owner"))

    listed = await client.get("/admin/return-request/list")
    details = await client.get(f"/admin/return-request/details/{opened['id']}")
    create = await client.get("/admin/return-request/create")

    assert listed.status_code == 200 and opened["number"] in listed.text
    assert details.status_code == 200
    assert create.status_code in (403, 404)


async def test_a_return_gives_back_the_lines_paid_share_after_discounts_tax_and_points(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    psp_store: str,
    api_key: MakeKey,
) -> None:
    clock.freeze(T0)
    s = await shop(sessions)
    staff = await api_key("orders:read", "orders:write")
    order = await _web_order(client, sessions, s, staff)
    # As the totals pipeline records them: 1 000 ₽ off the line, 200 ₽ tax on top (a US-style
    # channel), and 1 200 ₽ of the remaining 5 200 ₽ paid with points.
    async with unit_of_work(sessions) as session:
        await session.execute(
            update(OrderLine)
            .where(OrderLine.id == uuid.UUID(order["lines"][0]["id"]))
            .values(discount_amount=100000, tax_amount=20000)
        )
        await session.execute(
            update(Order)
            .where(Order.id == uuid.UUID(order["id"]))
            .values(tax_included=False, total=400000, points_amount=120000)
        )

    one = await client.post("/api/v1/returns", json=_ask(s, order), headers=staff)

    # paid for the line: 5 000 - 1 000 + 200 = 4 200 ₽, of which 4 000/5 200 in money
    money = 420000 * 400000 // 520000
    assert one.status_code == 201, one.text
    assert one.json()["lines_amount"] == money // 2


async def test_a_pay_at_pickup_order_is_refunded_in_cash_at_the_counter(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    psp_store: str,
    api_key: MakeKey,
) -> None:
    clock.freeze(T0)
    s = await shop(sessions)
    staff = await api_key("orders:read", "orders:write")
    token = await ready_cart(client, s, pickup=True)
    placed = await pay(client, token, {"method": "pay_at_pickup"})
    order = placed.json()["order"]
    async with unit_of_work(sessions) as session:
        await payments.mark_collected(session=session, payment_id=uuid.UUID(order["payment_id"]))
    await _deliver(client, staff, order["id"])

    opened = await client.post("/api/v1/returns", json=_ask(s, order), headers=staff)
    url = await _through(client, staff, opened.json())
    refunded = await client.post(f"{url}/refund", headers=staff)

    body = refunded.json()
    assert refunded.status_code == 200, refunded.text
    assert (body["status"], body["refund"]["kind"], body["refund"]["amount"]) == (
        "refunded",
        "cash",
        250000,
    )
    # no provider holds cash: the payment record is left as collected
    payment = await _payment(sessions, order["payment_id"])
    assert (payment.status, payment.refunded_amount) == ("captured", 0)
    closed = await client.post(f"{url}/close", headers=staff)
    again = await client.post(f"{url}/close", headers=staff)
    assert closed.json()["status"] == again.json()["status"] == "closed"
    assert (await client.post(f"{url}/refund", headers=staff)).json()["refund"] == body["refund"]
