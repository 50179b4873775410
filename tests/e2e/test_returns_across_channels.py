"""Returns across channels over HTTP: bought online and returned at a store counter (restocked
there, refunded to the card once even when retried); bought in a store and returned by chat
for store credit; bad requests refused with nothing written."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.catalog import service as catalog
from omnishop.catalog.models import Product
from omnishop.catalog.schemas import PublicationIn
from omnishop.channels import service as channels
from omnishop.channels.schemas import ChannelCreate
from omnishop.customers import tokens
from omnishop.customers.models import Customer
from omnishop.inventory.ledger import verify_ledger
from omnishop.inventory.models import StockLevel, StockMovement
from omnishop.kernel import clock, outbox
from omnishop.kernel.db import unit_of_work
from omnishop.kernel.errors import DomainError
from omnishop.kernel.outbox import OutboxEvent
from omnishop.orders import returns_settle
from omnishop.orders.returns_models import ReturnLine, ReturnRefund, ReturnRequest
from omnishop.payments import service as payments
from omnishop.payments.models import Payment, Refund
from omnishop.pricing import service as pricing
from tests.e2e.conftest import MakeKey
from tests.e2e.test_cart_api import CARTS, shop
from tests.e2e.test_checkout_complete import pay, ready_cart
from tests.integration.pickup_fixtures import open_shop as pickup_shop
from tests.integration.test_cart_fixtures import Shop
from tests.payments_fixtures import card_token, psp_store

__all__ = ["psp_store"]
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


async def _store_and_chat_channels(sessions: async_sessionmaker[AsyncSession], s: Shop) -> None:
    """A `store` channel selling the shop's kettle, and a `telegram` chat channel."""
    async with unit_of_work(sessions) as session:
        for code, kind in (("store", "store"), ("telegram", "telegram")):
            channel = await channels.create(
                session=session,
                data=ChannelCreate(
                    code=code, name=code, kind=kind, currency="RUB", default_locale="ru",
                    country="RU",
                ),
            )  # fmt: skip
            bundle = await catalog.get_bundle(session=session, id_or_slug="web-kettle")
            await catalog.publish(
                session=session, product_id=bundle.id, channel_id=channel.id, data=PublicationIn()
            )
            await pricing.set_price(
                session=session, variant_id=s.kettle, channel_id=channel.id, amount=250000
            )


async def _deliver(client: httpx.AsyncClient, staff: dict[str, str], order_id: str) -> None:
    """Staff ship every unit and the carrier (or the store counter) reports it delivered."""
    url = f"/api/v1/staff/orders/{order_id}/shipments"
    shipped = await client.post(url, json={}, headers=staff)
    assert shipped.status_code == 201, shipped.text
    delivered = await client.post(
        f"/api/v1/staff/shipments/{shipped.json()['id']}/events",
        json={"status": "delivered", "occurred_at": clock.now().isoformat()},
        headers=staff,
    )
    assert delivered.status_code == 201, delivered.text


async def _web_order(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    s: Shop,
    staff: dict[str, str],
) -> dict[str, Any]:
    """Two kettles bought on the web with a card, captured, shipped and delivered."""
    token = await ready_cart(client, s)
    cart = (await client.get(f"{CARTS}/{token}")).json()
    grown = await client.patch(
        f"{CARTS}/{token}/lines/{cart['lines'][0]['id']}", json={"quantity": 2}
    )
    assert grown.status_code == 200, grown.text
    placed = await pay(client, token, {"method": "card", "token": await card_token()})
    assert placed.status_code == 200, placed.text
    await outbox.drain(sessions)  # order.placed → capture
    await outbox.drain(sessions)
    order: dict[str, Any] = placed.json()["order"]
    await _deliver(client, staff, order["id"])
    return order


async def _movements(
    sessions: async_sessionmaker[AsyncSession], reference: str
) -> list[StockMovement]:
    async with sessions() as session:
        return list(
            await session.scalars(select(StockMovement).where(StockMovement.reference == reference))
        )


async def _events(sessions: async_sessionmaker[AsyncSession], topic: str) -> list[dict[str, Any]]:
    async with sessions() as session:
        rows = await session.scalars(select(OutboxEvent).where(OutboxEvent.topic == topic))
        return [r.payload for r in rows]


async def _count(sessions: async_sessionmaker[AsyncSession], model: Any) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_bought_online_returned_at_a_store_counter_refunded_to_the_card_once(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    psp_store: str,
    api_key: MakeKey,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock.freeze(T0)
    s = await shop(sessions)
    await _store_and_chat_channels(sessions, s)
    staff = await api_key("orders:read", "orders:write")
    order = await _web_order(client, sessions, s, staff)
    clock.freeze(T0 + timedelta(days=3))
    async with sessions() as session:
        store_before = await session.scalar(
            select(StockLevel.on_hand).where(
                StockLevel.variant_id == s.kettle, StockLevel.location_id == s.store
            )
        )

    # Given the buyer brings one kettle to the store counter
    opened = await client.post(
        "/api/v1/returns",
        json={
            "order_number": order["number"],
            "channel": "store",
            "method": "drop_off",
            "location_id": str(s.store),
            "refund_to": "original",
            "reason": "did not need two",
            "lines": [
                {"order_line_id": order["lines"][0]["id"], "quantity": 1, "reason": "changed_mind"}
            ],
        },
        headers=staff,
    )
    assert opened.status_code == 201, opened.text
    ret = opened.json()
    assert ret["number"] == f"R-{order['number']}-1"
    assert (ret["status"], ret["requested_channel"], ret["lines_amount"]) == (
        "requested",
        "store",
        250000,
    )
    assert ret["shipping_amount"] == 0  # shipping goes back only on a full return
    url = f"/api/v1/returns/{ret['id']}"
    approved = await client.post(f"{url}/approve", headers=staff)
    received = await client.post(f"{url}/receive", json={}, headers=staff)
    assert approved.json()["status"] == "approved", approved.text
    assert received.json()["status"] == "received", received.text
    assert received.json()["lines"][0]["restock_location_id"] == str(s.store)

    # When the refund is asked, the process dies after the PSP refunded, and it is retried
    real_finish = returns_settle._finish
    crashes = iter([True])

    async def crash_once(*args: Any, **kwargs: Any) -> None:
        if next(crashes, False):
            raise DomainError("the process died")
        await real_finish(*args, **kwargs)

    monkeypatch.setattr(returns_settle, "_finish", crash_once)
    crashed = await client.post(f"{url}/refund", headers=staff)
    retried = await client.post(f"{url}/refund", headers=staff)
    again = await client.post(f"{url}/refund", headers=staff)
    await outbox.drain(sessions)  # payment.refunded → the order's payment status follows
    await outbox.drain(sessions)

    # Then the card got 2 500 ₽ back exactly once, and the store has the kettle on hand
    assert crashed.status_code == 400, crashed.text
    assert retried.status_code == 200, retried.text
    body = retried.json()
    assert body["status"] == "refunded"
    assert body["refund"]["kind"] == "payment" and body["refund"]["amount"] == 250000
    assert body["refund"]["payment_refund_id"] is not None
    assert again.json()["refund"] == body["refund"]
    async with sessions() as session:
        payment = await session.get(Payment, uuid.UUID(order["payment_id"]))
        assert payment is not None
        assert (payment.status, payment.refunded_amount) == ("partially_refunded", 250000)
        refunds = list(await session.scalars(select(Refund).where(Refund.payment_id == payment.id)))
        assert [(r.amount, r.status) for r in refunds] == [(250000, "succeeded")]
        store_after = await session.scalar(
            select(StockLevel.on_hand).where(
                StockLevel.variant_id == s.kettle, StockLevel.location_id == s.store
            )
        )
        assert store_after == (store_before or 0) + 1
        check = await verify_ledger(session=session, variant_id=s.kettle, location_id=s.store)
        assert check.ok, check
    moves = await _movements(sessions, f"return:{ret['number']}")
    assert [(m.kind, m.quantity, m.delta, m.location_id) for m in moves] == [
        ("receive", "on_hand", 1, s.store)
    ]
    status = (await client.get(f"/api/v1/orders/{order['token']}")).json()
    assert status["payment_status"] == "partially_refunded"
    assert [ln["returned"] for ln in status["lines"]] == [1]
    assert status["fully_returned"] is False
    refunded = await _events(sessions, "orders.return_refunded")
    assert len(refunded) == 1 and refunded[0]["store_credit"] is False
    assert await _count(sessions, ReturnRefund) == 1
    listed = await client.get("/api/v1/returns?status=refunded", headers=staff)
    assert [r["number"] for r in listed.json()] == [ret["number"]]


async def test_bought_in_a_store_returned_by_chat_for_store_credit(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    psp_store: str,
    api_key: MakeKey,
) -> None:
    clock.freeze(T0)
    s = await shop(sessions)
    await _store_and_chat_channels(sessions, s)
    staff = await api_key("orders:read", "orders:write")
    async with unit_of_work(sessions) as session:
        customer = Customer(email="boris@example.com")
        session.add(customer)
        await session.flush()
        secret = await tokens.issue(session=session, customer_id=customer.id)
    who = {"X-Customer-Token": secret}
    # Given a kettle bought at the store counter, paid in cash at pickup and handed over
    created = await client.post(CARTS, json={"channel": "store"}, headers=who)
    token = created.json()["token"]
    await client.post(f"{CARTS}/{token}/lines", json={"variant_id": str(s.kettle)})
    chosen = await client.patch(
        f"{CARTS}/{token}",
        json={
            "email": "boris@example.com",
            "delivery": {"kind": "pickup", "location_id": str(s.store)},
        },
    )
    assert chosen.status_code == 200, chosen.text
    placed = await pay(client, token, {"method": "pay_at_pickup"})
    assert placed.status_code == 200, placed.text
    order = placed.json()["order"]
    assert order["number"].startswith("STORE-")
    async with unit_of_work(sessions) as session:
        await payments.mark_collected(session=session, payment_id=uuid.UUID(order["payment_id"]))
    await _deliver(client, staff, order["id"])
    clock.freeze(T0 + timedelta(days=10))  # in person: 14 days in Russia

    # When the buyer asks in the Telegram chat for store credit, and the store takes it back
    asked = await client.post(
        f"/api/v1/orders/{order['token']}/returns",
        json={
            "channel": "telegram",
            "method": "drop_off",
            "location_id": str(s.store),
            "refund_to": "store_credit",
            "lines": [
                {"order_line_id": order["lines"][0]["id"], "quantity": 1, "reason": "wrong_size"}
            ],
        },
        headers=who,
    )
    assert asked.status_code == 201, asked.text
    ret = asked.json()
    url = f"/api/v1/returns/{ret['id']}"
    await client.post(f"{url}/approve", headers=staff)
    await client.post(f"{url}/receive", json={}, headers=staff)
    credited = await client.post(f"{url}/refund", headers=staff)
    mine = await client.get(f"/api/v1/orders/{order['token']}/returns")
    listed = await client.get("/api/v1/customer/returns", headers=who)

    # Then store credit is announced once for loyalty, from the chat channel, to the customer
    assert credited.status_code == 200, credited.text
    assert credited.json()["status"] == "credited"
    assert credited.json()["refund"]["kind"] == "store_credit"
    assert credited.json()["order_fully_returned"] is True
    assert [r["status"] for r in mine.json()] == ["credited"]
    assert [r["number"] for r in listed.json()] == [ret["number"]]
    events = await _events(sessions, "orders.return_refunded")
    async with sessions() as session:
        telegram = await channels.get_by_code(session=session, code="telegram")
    assert len(events) == 1
    assert events[0]["store_credit"] is True
    assert (events[0]["amount"], events[0]["currency"]) == (250000, "RUB")
    assert events[0]["customer_id"] == str(customer.id)
    assert events[0]["channel_id"] == str(telegram.id)
    assert [e["number"] for e in await _events(sessions, "orders.return_requested")] == [
        ret["number"]
    ]
    async with sessions() as session:  # the cash payment is untouched by store credit
        payment = await session.get(Payment, uuid.UUID(order["payment_id"]))
        assert payment is not None and payment.refunded_amount == 0


async def test_bad_return_requests_are_refused_and_write_nothing(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    psp_store: str,
    api_key: MakeKey,
) -> None:
    clock.freeze(T0)
    s = await shop(sessions)
    staff = await api_key("orders:read", "orders:write")
    not_yet = await ready_cart(client, s)
    pending = (await pay(client, not_yet, {"method": "card", "token": await card_token()})).json()
    order = await _web_order(client, sessions, s, staff)
    line = order["lines"][0]["id"]
    url = f"/api/v1/orders/{order['token']}/returns"

    def body(**changes: Any) -> dict[str, Any]:
        base: dict[str, Any] = {
            "method": "drop_off",
            "location_id": str(s.store),
            "lines": [{"order_line_id": line, "quantity": 1}],
        }
        return {**base, **changes}

    too_many = await client.post(url, json=body(lines=[{"order_line_id": line, "quantity": 3}]))
    unknown = await client.post(
        url, json=body(lines=[{"order_line_id": str(uuid.uuid4()), "quantity": 1}])
    )
    no_store = await client.post(url, json=body(location_id=None))
    no_credit = await client.post(url, json=body(refund_to="store_credit"))
    undelivered = await client.post(
        f"/api/v1/orders/{pending['order']['token']}/returns", json=body()
    )
    async with unit_of_work(sessions) as session:
        await session.execute(update(Product).values(attributes={"non_returnable": True}))
    barred = await client.post(url, json=body())
    async with unit_of_work(sessions) as session:
        await session.execute(update(Product).values(attributes={}))
    clock.freeze(T0 + timedelta(days=8))  # a distance sale in Russia: 7 days
    late = await client.post(url, json=body())

    cases = [
        (too_many, 422, "return_quantity_exceeded", "lines[0].quantity"),
        (unknown, 422, "validation_failed", "lines[0].order_line_id"),
        (no_store, 422, "validation_failed", None),
        (no_credit, 422, "validation_failed", "refund_to"),
        (undelivered, 422, "return_window_closed", "order"),
        (barred, 422, "not_returnable", "lines[0]"),
        (late, 422, "return_window_closed", "order"),
    ]
    for response, status, code, field in cases:
        problem = response.json()
        assert (response.status_code, problem["code"]) == (status, code), response.text
        if field is not None:
            assert problem["errors"][0]["field"] == field, problem
    assert "web-kettle-1" in too_many.json()["detail"]
    assert too_many.json()["returnable_quantity"] == 2
    assert await _count(sessions, ReturnRequest) == 0
    assert await _count(sessions, ReturnLine) == 0
    assert await _events(sessions, "orders.return_requested") == []


async def test_a_pos_sale_returned_by_chat_is_refunded_through_the_in_person_payment(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    api_key: MakeKey,
) -> None:
    clock.freeze(T0)
    async with unit_of_work(sessions) as session:
        cc = await pickup_shop(session)
        await channels.create(
            session=session,
            data=ChannelCreate(
                code="telegram", name="Telegram", kind="telegram", currency="RUB",
                default_locale="ru", country="RU",
            ),
        )  # fmt: skip
    cashier = await api_key("pos:write")
    staff = await api_key("orders:read", "orders:write")
    # Given two kettles sold at the Tverskaya till for cash, to a known phone number
    sold = await client.post(
        "/api/v1/pos/sales",
        json={
            "location": "cc-tverskaya",
            "lines": [{"sku": cc.kettle_sku, "quantity": 2}],
            "payment": {"method": "cash"},
            "customer": {"phone": "+79161234567"},
        },
        headers=cashier,
    )
    assert sold.status_code == 201, sold.text
    order = sold.json()["order"]
    clock.freeze(T0 + timedelta(days=13))  # in person: 14 days

    # When the buyer asks in Telegram to return one, and brings it to the Arbat store
    asked = await client.post(
        f"/api/v1/orders/{order['token']}/returns",
        json={
            "channel": "telegram",
            "location_id": str(cc.arbat),
            "lines": [{"order_line_id": order["lines"][0]["id"], "quantity": 1}],
        },
    )
    assert asked.status_code == 201, asked.text
    url = f"/api/v1/returns/{asked.json()['id']}"
    await client.post(f"{url}/approve", headers=staff)
    await client.post(f"{url}/receive", headers=staff)
    refunded = await client.post(f"{url}/refund", headers=staff)
    await outbox.drain(sessions)

    # Then the in-person payment records the refund (cash handed back at the counter), the
    # unit is on hand at Arbat, and the order's payment follows
    assert refunded.status_code == 200, refunded.text
    assert refunded.json()["refund"]["kind"] == "payment"
    async with sessions() as session:
        payment = await session.get(Payment, uuid.UUID(sold.json()["payment"]["id"]))
        assert payment is not None
        assert (payment.status, payment.refunded_amount) == ("partially_refunded", 250000)
        check = await verify_ledger(session=session, variant_id=cc.kettle, location_id=cc.arbat)
        assert check.ok, check
    moves = await _movements(sessions, f"return:{asked.json()['number']}")
    assert [(m.kind, m.location_id) for m in moves] == [("receive", cc.arbat)]
    status = (await client.get(f"/api/v1/orders/{order['token']}")).json()
    assert status["payment_status"] == "partially_refunded"
    assert [e["channel_id"] for e in await _events(sessions, "orders.return_requested")] == [
        asked.json()["requested_channel"] and str(await _channel_id(sessions, "telegram"))
    ]


async def _channel_id(sessions: async_sessionmaker[AsyncSession], code: str) -> uuid.UUID:
    async with sessions() as session:
        return (await channels.get_by_code(session=session, code=code)).id
