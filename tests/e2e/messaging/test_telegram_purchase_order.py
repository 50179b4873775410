"""A Telegram purchase that ends in a placed order, driven by webhook updates alone (POST
/webhooks/telegram/telegram with the secret header): search → product card → add (a
callback query) → checkout → sendInvoice → pre_checkout_query → answerPreCheckoutQuery ok
→ successful_payment → the order placed through the checkout's completion on a captured
``telegram`` payment (stock committed at the pickup store) → a status message with the
order number and its link. A redelivered successful_payment changes nothing; a payment that
does not match the cart is recorded for a refund by staff and handed to a person.

Every outbound call goes through the outbox and the Telegram sender to the local fake Bot
API (tests/e2e/messaging/conftest.py), which records it."""

from __future__ import annotations

import itertools
import json
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.channels import service as channels
from omnishop.conversations.models import QUEUED, Conversation
from omnishop.inventory import service as inventory
from omnishop.inventory.models import LocationKind, StockLevel
from omnishop.inventory.schemas import LocationCreate
from omnishop.kernel import outbox
from omnishop.kernel.db import unit_of_work
from omnishop.orders.models import Order
from omnishop.payments.models import Payment
from omnishop.search import index as search_index
from tests.e2e.conftest import MakeKey
from tests.e2e.messaging.conftest import RECORDED_AT, FakePlatforms
from tests.integration.test_cart_fixtures import product

Sessions = async_sessionmaker[AsyncSession]
HEADERS = {"X-Telegram-Bot-Api-Secret-Token": "tg-secret-for-tests"}
URL = "/webhooks/telegram/telegram"  # the demo's channel code
USER = {"id": 555000222, "is_bot": False, "first_name": "Оля", "language_code": "ru"}
CHAT = {"id": 555000222, "type": "private", "first_name": "Оля"}
DATE = int(RECORDED_AT.timestamp())
_ids = itertools.count(1)


async def stock_the_bot(
    sessions: Sessions, *, in_store: int = 3, in_warehouse: int = 0
) -> tuple[Any, Any]:
    """The ``telegram`` channel sells a kettle (2 500 ₽): 3 at the Arbat pickup store (and,
    when asked, some in a warehouse, which is no pickup point)."""
    async with unit_of_work(sessions) as session:
        channel = await channels.get_by_code(session=session, code="telegram")
        kettle = await product(session, channel, "tg-kettle", "Чайник", 1200, 250000)
        store = await inventory.create_location(
            session=session,
            data=LocationCreate(
                code="tg-arbat", name="Магазин на Арбате", kind=LocationKind.STORE,
                country="RU", city="Москва", address="Арбат 1", pickup=True, priority=10,
                latitude=Decimal("55.75"), longitude=Decimal("37.59"),
            ),
        )  # fmt: skip
        await inventory.set_on_hand(
            session=session, variant_id=kettle, location_id=store.id, quantity=in_store
        )
        if in_warehouse:
            warehouse = await inventory.create_location(
                session=session,
                data=LocationCreate(
                    code="tg-wh", name="Склад", kind=LocationKind.WAREHOUSE, country="RU",
                    priority=0,
                ),
            )  # fmt: skip
            await inventory.set_on_hand(
                session=session, variant_id=kettle, location_id=warehouse.id,
                quantity=in_warehouse,
            )  # fmt: skip
        await search_index.reindex_all(session)
    await outbox.drain(sessions)
    return kettle, store.id


def text_update(text: str) -> dict[str, Any]:
    n = next(_ids)
    message = {"message_id": n, "from": USER, "chat": CHAT, "date": DATE, "text": text}
    return {"update_id": 7000 + n, "message": message}


def button_update(data: str) -> dict[str, Any]:
    n = next(_ids)
    origin = {"message_id": n, "chat": CHAT, "date": DATE, "text": "…"}
    query = {"id": f"cbq-{n}", "from": USER, "chat_instance": "1", "data": data, "message": origin}
    return {"update_id": 7000 + n, "callback_query": query}


def payment_update(update_id: int, paid: dict[str, Any]) -> dict[str, Any]:
    message = {
        "message_id": update_id, "from": USER, "chat": CHAT, "date": DATE,
        "successful_payment": paid,
    }  # fmt: skip
    return {"update_id": update_id, "message": message}


async def deliver(chat: httpx.AsyncClient, sessions: Sessions, update: dict[str, Any]) -> Any:
    response = await chat.post(URL, content=json.dumps(update).encode(), headers=HEADERS)
    assert response.status_code == 200, response.text
    for _ in range(4):  # the bot's turn, then the sends it queued
        await outbox.drain(sessions)
    return response.json()


def callback_data(platforms: FakePlatforms, since: int) -> list[str]:
    out = []
    for call in platforms.calls[since:]:
        markup = (call.json or {}).get("reply_markup") or {}
        for row in markup.get("inline_keyboard", []):
            out += [b["callback_data"] for b in row if "callback_data" in b]
    return out


def texts(platforms: FakePlatforms, since: int) -> list[str]:
    return [
        str((c.json or {}).get("text"))
        for c in platforms.calls[since:]
        if c.path.endswith("/sendMessage")
    ]


async def invoice_for_a_kettle(
    chat: httpx.AsyncClient, sessions: Sessions, platforms: FakePlatforms, total: int = 250000
) -> dict[str, Any]:
    """search → card → add → checkout: the sendInvoice Telegram received."""
    mark = len(platforms.calls)
    await deliver(chat, sessions, text_update("покажите чайник"))
    pick = next(d for d in callback_data(platforms, mark) if d.startswith("bot:pick:"))
    mark = len(platforms.calls)
    answered = await deliver(chat, sessions, button_update(pick))
    assert answered["method"] == "answerCallbackQuery"
    assert "bot:checkout" in callback_data(platforms, mark)
    mark = len(platforms.calls)
    await deliver(chat, sessions, button_update("bot:checkout"))
    invoice = next(c.json for c in platforms.calls[mark:] if c.path.endswith("/sendInvoice"))
    assert invoice["chat_id"] == str(USER["id"]) and invoice["currency"] == "RUB"
    assert sum(p["amount"] for p in invoice["prices"]) == total
    return dict(invoice)


async def pre_checkout(
    chat: httpx.AsyncClient,
    sessions: Sessions,
    platforms: FakePlatforms,
    invoice: dict[str, Any],
    total: int = 250000,
) -> None:
    mark = len(platforms.calls)
    query = {
        "id": "pcq-order-1", "from": USER, "currency": "RUB", "total_amount": total,
        "invoice_payload": invoice["payload"],
    }  # fmt: skip
    await deliver(chat, sessions, {"update_id": 7800, "pre_checkout_query": query})
    answer = next(c for c in platforms.calls[mark:] if c.path.endswith("/answerPreCheckoutQuery"))
    assert answer.json == {"pre_checkout_query_id": "pcq-order-1", "ok": True}


async def test_a_telegram_purchase_places_the_order_once(
    chat: httpx.AsyncClient, sessions: Sessions, platforms: FakePlatforms, api_key: MakeKey
) -> None:
    kettle, store = await stock_the_bot(sessions)
    invoice = await invoice_for_a_kettle(chat, sessions, platforms)
    await pre_checkout(chat, sessions, platforms, invoice)

    paid = {
        "currency": "RUB", "total_amount": 250000, "invoice_payload": invoice["payload"],
        "telegram_payment_charge_id": "tg-charge-order-1",
        "provider_payment_charge_id": "psp-order-1",
    }  # fmt: skip
    mark = len(platforms.calls)
    await deliver(chat, sessions, payment_update(7901, paid))

    # The order is placed, on a captured telegram payment, and shown by the orders API.
    reader = await api_key("orders:read")
    listed = await chat.get("/api/v1/staff/orders", params={"channel": "telegram"}, headers=reader)
    assert listed.status_code == 200, listed.text
    assert len(listed.json()["data"]) == 1
    order = listed.json()["data"][0]
    shown = (await chat.get(f"/api/v1/staff/orders/{order['id']}", headers=reader)).json()
    assert shown["payment_method"] == "telegram"
    assert (shown["payment_status"], shown["status"]) == ("paid", "paid")  # via PaymentCaptured
    assert shown["total"] == 250000 and shown["currency"] == "RUB"
    assert shown["delivery"]["kind"] == "pickup"
    assert shown["delivery"]["pickup_location_id"] == str(store)
    assert [(x["variant_id"], x["quantity"]) for x in shown["lines"]] == [(str(kettle), 1)]
    async with sessions() as session:
        payment = await session.scalar(select(Payment).where(Payment.provider == "telegram"))
        assert payment is not None
        assert (payment.status, payment.token) == ("captured", "tg-charge-order-1")
        assert payment.captured_amount == 250000 and str(payment.order_id) == order["id"]
        level = await session.scalar(
            select(StockLevel).where(
                StockLevel.variant_id == kettle, StockLevel.location_id == store
            )
        )
        assert level is not None and (level.on_hand, level.committed) == (3, 1)
        assert level.reserved == 0

    # The status message: the order number and its tracking link, in the customer's chat.
    said = texts(platforms, mark)
    assert len(said) == 1, said
    assert shown["number"] in said[0] and f"/order/{shown['token']}" in said[0]
    assert "Магазин на Арбате" in said[0]
    status = next(c.json for c in platforms.calls[mark:] if c.path.endswith("/sendMessage"))
    assert status["chat_id"] == str(USER["id"])

    # Telegram redelivers the payment (same update, then a new update id): nothing changes.
    mark = len(platforms.calls)
    await deliver(chat, sessions, payment_update(7901, paid))
    await deliver(chat, sessions, payment_update(7902, paid))
    assert platforms.calls[mark:] == []
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Order)) == 1
        assert await session.scalar(select(func.count()).select_from(Payment)) == 1
        level = await session.scalar(
            select(StockLevel).where(
                StockLevel.variant_id == kettle, StockLevel.location_id == store
            )
        )
        assert level is not None and level.committed == 1

    # The same invoice paid a second time (another charge): no second order; the money is
    # recorded for a refund by staff and the chat goes to a person.
    mark = len(platforms.calls)
    twice = paid | {"telegram_payment_charge_id": "tg-charge-order-2"}
    await deliver(chat, sessions, payment_update(7903, twice))
    assert any("не удалось" in x for x in texts(platforms, mark))
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Order)) == 1
        second = await session.scalar(select(Payment).where(Payment.token == "tg-charge-order-2"))
        assert second is not None and second.failure_code == "refund_required"
        assert second.order_id is None
        conversation = await session.scalar(
            select(Conversation).where(Conversation.external_sender_id == str(USER["id"]))
        )
        assert conversation is not None and conversation.status == QUEUED
        assert "tg-charge-order-2" in (conversation.handoff_summary or "")


async def test_a_payment_for_an_unknown_cart_is_recorded_and_handed_on(
    chat: httpx.AsyncClient, sessions: Sessions, platforms: FakePlatforms
) -> None:
    paid = {
        "currency": "RUB", "total_amount": 250000, "invoice_payload": "no-such-cart-token",
        "telegram_payment_charge_id": "tg-charge-lost", "provider_payment_charge_id": "psp-3",
    }  # fmt: skip
    await deliver(chat, sessions, payment_update(7921, paid))
    async with sessions() as session:
        recorded = await session.scalar(select(Payment).where(Payment.token == "tg-charge-lost"))
        assert recorded is not None and recorded.failure_code == "refund_required"
        assert recorded.amount == 250000 and "not_found" in (recorded.failure_message or "")
        assert await session.scalar(select(func.count()).select_from(Order)) == 0


async def test_a_payment_that_does_not_match_the_cart_is_flagged_for_a_refund(
    chat: httpx.AsyncClient, sessions: Sessions, platforms: FakePlatforms
) -> None:
    kettle, store = await stock_the_bot(sessions)
    invoice = await invoice_for_a_kettle(chat, sessions, platforms)
    paid = {
        "currency": "RUB", "total_amount": 100, "invoice_payload": invoice["payload"],
        "telegram_payment_charge_id": "tg-charge-short", "provider_payment_charge_id": "psp-2",
    }  # fmt: skip
    mark = len(platforms.calls)
    await deliver(chat, sessions, payment_update(7911, paid))
    await deliver(chat, sessions, payment_update(7912, paid))  # redelivered: ignored

    said = texts(platforms, mark)
    assert len(said) == 1 and "не удалось" in said[0], said
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Order)) == 0
        payments = list(await session.scalars(select(Payment)))
        assert len(payments) == 1
        recorded = payments[0]
        assert (recorded.status, recorded.failure_code) == ("canceled", "refund_required")
        assert (recorded.token, recorded.order_id) == ("tg-charge-short", None)
        assert "paid_amount_mismatch" in (recorded.failure_message or "")
        assert "psp-2" in (recorded.failure_message or "")
        conversation = await session.scalar(
            select(Conversation).where(Conversation.external_sender_id == str(USER["id"]))
        )
        assert conversation is not None and conversation.status == QUEUED
        level = await session.scalar(
            select(StockLevel).where(
                StockLevel.variant_id == kettle, StockLevel.location_id == store
            )
        )
        assert level is not None and level.committed == 0

    # The public checkout cannot claim a Telegram charge for the (still open) cart.
    forged = {"payment": {"method": "telegram", "token": "tg-charge-forged"}}
    refused = await chat.post(f"/api/v1/carts/{invoice['payload']}/complete", json=forged)
    assert refused.status_code == 422, refused.text
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Order)) == 0


async def test_no_pickup_point_holding_the_items_refuses_the_payment_before_it_is_taken(
    chat: httpx.AsyncClient, sessions: Sessions, platforms: FakePlatforms
) -> None:
    await stock_the_bot(sessions, in_store=0, in_warehouse=5)
    invoice = await invoice_for_a_kettle(chat, sessions, platforms)
    mark = len(platforms.calls)
    query = {
        "id": "pcq-no-store", "from": USER, "currency": "RUB", "total_amount": 250000,
        "invoice_payload": invoice["payload"],
    }  # fmt: skip
    await deliver(chat, sessions, {"update_id": 7930, "pre_checkout_query": query})
    answer = next(c for c in platforms.calls[mark:] if c.path.endswith("/answerPreCheckoutQuery"))
    assert answer.json is not None
    assert (answer.json["pre_checkout_query_id"], answer.json["ok"]) == ("pcq-no-store", False)
    assert answer.json["error_message"]
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Payment)) == 0


async def test_a_discounted_cart_is_invoiced_at_its_discounted_total_and_placed(
    chat: httpx.AsyncClient, sessions: Sessions, platforms: FakePlatforms, api_key: MakeKey
) -> None:
    """A 10 % Telegram promotion: the invoice bills what completion charges (the kettle and
    a negative discount component), so the paid amount places the order."""
    await stock_the_bot(sessions)
    staff = await api_key("pricing:write", "catalog:read")
    made = await chat.post(
        "/api/v1/promotions",
        json={"name": "TG10", "reward": "percent_order", "value": "10", "channels": ["telegram"]},
        headers=staff,
    )
    assert made.status_code == 201, made.text

    invoice = await invoice_for_a_kettle(chat, sessions, platforms, total=225000)
    await pre_checkout(chat, sessions, platforms, invoice, total=225000)
    paid = {
        "currency": "RUB", "total_amount": 225000, "invoice_payload": invoice["payload"],
        "telegram_payment_charge_id": "tg-charge-discounted",
        "provider_payment_charge_id": "psp-discounted",
    }  # fmt: skip
    await deliver(chat, sessions, payment_update(7950, paid))

    assert [p["amount"] for p in invoice["prices"]] == [250000, -25000]
    reader = await api_key("orders:read")
    listed = await chat.get("/api/v1/staff/orders", params={"channel": "telegram"}, headers=reader)
    orders = listed.json()["data"]
    assert len(orders) == 1
    shown = (await chat.get(f"/api/v1/staff/orders/{orders[0]['id']}", headers=reader)).json()
    assert (shown["total"], shown["discount_amount"]) == (225000, 25000)
    assert shown["payment_status"] == "paid"
