"""A Telegram purchase delivered to an address, driven by webhook updates alone: search → add
→ "check out with delivery" → sendInvoice asking for name, phone and address (flexible) →
shipping_query → answerShippingQuery with the shipping options checkout offers there, priced
in → pre_checkout_query with the chosen option and order_info → ok → successful_payment →
the order placed with the address and the shipping line; an address we do not ship to is
answered ok=false; the shipping query stores nothing on the cart.

Every call goes through the outbox and the Telegram sender to the fake Bot API, which checks
each payments call against the Bot API's rules (conftest.bot_api_problem)."""

from __future__ import annotations

import itertools
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.checkout import service as checkout
from omnishop.conversations.bot.texts import t
from omnishop.kernel.db import unit_of_work
from omnishop.orders.models import Order
from omnishop.payments.models import Payment
from tests.e2e.messaging.conftest import FakePlatforms
from tests.e2e.messaging.test_telegram_purchase_order import (
    USER,
    button_update,
    callback_data,
    deliver,
    payment_update,
    stock_the_bot,
    text_update,
    texts,
)
from tests.integration.test_cart_fixtures import russian_shipping

Sessions = async_sessionmaker[AsyncSession]
UPDATES = itertools.count(8100)
TVERSKAYA = {
    "country_code": "RU", "state": "", "city": "Москва", "street_line1": "Тверская 1",
    "street_line2": "кв. 5", "post_code": "101000",
}  # fmt: skip
ORDER_INFO = {"name": "Оля Смирнова", "phone_number": "79161234567", "shipping_address": TVERSKAYA}


async def delivery_invoice(
    chat: httpx.AsyncClient, sessions: Sessions, platforms: FakePlatforms
) -> dict[str, Any]:
    """A kettle from the warehouse (no pickup point holds it), Russian shipping zones, and the
    invoice Telegram received after "check out with delivery"."""
    await stock_the_bot(sessions, in_store=0, in_warehouse=5)
    async with unit_of_work(sessions) as session:
        await russian_shipping(session)
    mark = len(platforms.calls)
    await deliver(chat, sessions, text_update("покажите чайник"))
    pick = next(d for d in callback_data(platforms, mark) if d.startswith("bot:pick:"))
    mark = len(platforms.calls)
    await deliver(chat, sessions, button_update(pick))
    assert "bot:checkout:delivery" in callback_data(platforms, mark)
    mark = len(platforms.calls)
    await deliver(chat, sessions, button_update("bot:checkout:delivery"))
    invoice = next(c.json for c in platforms.calls[mark:] if c.path.endswith("/sendInvoice"))
    return dict(invoice)


async def shipping_query(
    chat: httpx.AsyncClient,
    sessions: Sessions,
    platforms: FakePlatforms,
    invoice: dict[str, Any],
    address: dict[str, str],
    query_id: str,
) -> dict[str, Any]:
    """The address Telegram collected, as a shipping_query; our answerShippingQuery."""
    mark = len(platforms.calls)
    asked = {
        "id": query_id, "from": USER, "invoice_payload": invoice["payload"],
        "shipping_address": address,
    }  # fmt: skip
    await deliver(chat, sessions, {"update_id": next(UPDATES), "shipping_query": asked})
    answers = [c for c in platforms.calls[mark:] if c.path.endswith("/answerShippingQuery")]
    assert len(answers) == 1, [c.path for c in platforms.calls[mark:]]
    assert answers[0].json is not None
    return dict(answers[0].json)


async def test_a_telegram_delivery_purchase_places_the_order_with_address_and_shipping(
    chat: httpx.AsyncClient, sessions: Sessions, platforms: FakePlatforms
) -> None:
    invoice = await delivery_invoice(chat, sessions, platforms)
    options = await shipping_query(chat, sessions, platforms, invoice, TVERSKAYA, "sq-moscow")
    async with sessions() as session:
        untouched = await checkout.get_cart(session=session, token=invoice["payload"])

    mark = len(platforms.calls)
    query = {
        "id": "pcq-delivery", "from": USER, "currency": "RUB", "total_amount": 289000,
        "invoice_payload": invoice["payload"], "shipping_option_id": "courier",
        "order_info": ORDER_INFO,
    }  # fmt: skip
    await deliver(chat, sessions, {"update_id": 8200, "pre_checkout_query": query})
    answer = next(c for c in platforms.calls[mark:] if c.path.endswith("/answerPreCheckoutQuery"))
    paid = {
        "currency": "RUB", "total_amount": 289000, "invoice_payload": invoice["payload"],
        "telegram_payment_charge_id": "tg-charge-delivery", "provider_payment_charge_id": "psp-d",
        "shipping_option_id": "courier", "order_info": ORDER_INFO,
    }  # fmt: skip
    mark = len(platforms.calls)
    await deliver(chat, sessions, payment_update(8201, paid))

    # The invoice asks Telegram for everything a delivery needs and bills the goods alone.
    assert {k: invoice.get(k) for k in ("need_name", "need_phone_number")} == {
        "need_name": True, "need_phone_number": True,
    }  # fmt: skip
    assert invoice["need_shipping_address"] is True and invoice["is_flexible"] is True
    assert invoice["prices"] == [{"label": "Чайник", "amount": 250000}]
    # The options checkout offers in Moscow for 1.2 kg, priced as they add to the total.
    assert options == {
        "shipping_query_id": "sq-moscow",
        "ok": True,
        "shipping_options": [
            {"id": "courier", "title": "Курьер",
             "prices": [{"label": "Доставка", "amount": 39000}]},
            {"id": "post", "title": "Почта", "prices": [{"label": "Доставка", "amount": 44000}]},
        ],
    }  # fmt: skip
    assert (untouched.delivery, untouched.shipping_address) == (None, None)  # nothing stored
    assert answer.json == {"pre_checkout_query_id": "pcq-delivery", "ok": True}
    async with sessions() as session:
        order = await session.scalar(select(Order))
        payment = await session.scalar(select(Payment))
    assert order is not None and payment is not None
    assert (order.total, order.shipping_amount, order.currency) == (289000, 39000, "RUB")
    assert (payment.status, payment.captured_amount) == ("captured", 289000)
    assert order.phone == "+79161234567"
    assert order.delivery["kind"] == "shipping" and order.delivery["method"] == "courier"
    assert {k: order.delivery["address"].get(k) for k in ("recipient", "city", "line1", "line2",
                                                          "postcode", "country")} == {
        "recipient": "Оля Смирнова", "city": "Москва", "line1": "Тверская 1", "line2": "кв. 5",
        "postcode": "101000", "country": "RU",
    }  # fmt: skip
    said = texts(platforms, mark)
    assert len(said) == 1 and order.number in said[0] and "Тверская 1" in said[0], said
    assert "Курьер" in said[0]


async def test_an_address_we_do_not_ship_to_is_answered_no(
    chat: httpx.AsyncClient, sessions: Sessions, platforms: FakePlatforms
) -> None:
    invoice = await delivery_invoice(chat, sessions, platforms)
    abroad = TVERSKAYA | {"country_code": "US", "city": "Boston", "post_code": "02101"}
    answer = await shipping_query(chat, sessions, platforms, invoice, abroad, "sq-abroad")
    async with sessions() as session:
        cart = await checkout.get_cart(session=session, token=invoice["payload"])

    assert (answer["shipping_query_id"], answer["ok"]) == ("sq-abroad", False)
    assert answer["error_message"] == t("shipping.unavailable", "ru")
    assert "shipping_options" not in answer
    assert (cart.delivery, cart.shipping_address) == (None, None)


async def test_a_pre_checkout_for_an_option_not_offered_there_is_refused(
    chat: httpx.AsyncClient, sessions: Sessions, platforms: FakePlatforms
) -> None:
    """The courier serves Moscow only: a pre-checkout naming it for Kazan is refused before
    the money is taken, and nothing of it stays on the cart."""
    invoice = await delivery_invoice(chat, sessions, platforms)
    kazan = TVERSKAYA | {"city": "Казань", "post_code": "420000"}
    mark = len(platforms.calls)
    query = {
        "id": "pcq-kazan", "from": USER, "currency": "RUB", "total_amount": 289000,
        "invoice_payload": invoice["payload"], "shipping_option_id": "courier",
        "order_info": ORDER_INFO | {"shipping_address": kazan},
    }  # fmt: skip
    await deliver(chat, sessions, {"update_id": 8300, "pre_checkout_query": query})
    answer = next(c for c in platforms.calls[mark:] if c.path.endswith("/answerPreCheckoutQuery"))
    async with sessions() as session:
        cart = await checkout.get_cart(session=session, token=invoice["payload"])

    assert answer.json is not None
    assert answer.json["ok"] is False
    assert answer.json["error_message"] == t("shipping.unavailable", "ru")
    assert (cart.delivery, cart.shipping_address) == (None, None)
