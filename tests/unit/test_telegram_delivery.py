"""Telegram invoices with delivery, the pure parts: recorded shipping_query, pre-checkout and
payment updates parsed with the Bot API's field names; the address and phone as the cart
keeps them; sendInvoice's flags and answerShippingQuery as calls."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from omnishop.conversations.bot.delivery import address_of, phone_of, wants_delivery
from omnishop.conversations.wire import Invoice, OutboundMessage
from omnishop.messaging.telegram.parse import parse
from omnishop.messaging.telegram.send import calls

FIXTURES = Path(__file__).resolve().parents[1] / "e2e" / "messaging" / "fixtures"
TVERSKAYA = {
    "country_code": "RU", "state": "", "city": "Москва", "street_line1": "ул. Тверская, 7",
    "street_line2": "кв. 12", "post_code": "125009",
}  # fmt: skip


def load(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def test_a_shipping_query_is_its_own_kind_with_the_address() -> None:
    (m,) = parse(load("telegram_shipping_query"), channel_code="telegram")
    assert (m.kind, m.external_id) == ("shipping_query", "sq:sq-8761234599")
    assert m.sender_id == "111222333"
    assert m.payment == {
        "shipping_query_id": "sq-8761234599",
        "invoice_payload": "cart:7c9e6679",
        "shipping_address": TVERSKAYA,
    }
    assert m.meta == {"shipping_query_id": "sq-8761234599"}


def test_pre_checkout_and_payment_carry_the_order_info_and_option() -> None:
    (asked,) = parse(load("telegram_pre_checkout_delivery"), channel_code="telegram")
    (paid,) = parse(load("telegram_successful_payment_delivery"), channel_code="telegram")
    info = {"name": "Анна Петрова", "phone_number": "79161234567", "shipping_address": TVERSKAYA}
    for m in (asked, paid):
        assert m.payment is not None
        assert m.payment["order_info"] == info
        assert m.payment["shipping_option_id"] == "moscow-courier"
        assert wants_delivery(m.payment)
    assert paid.external_id == "pay:tg_charge_1795000050_dlv"


def test_a_pickup_payment_has_no_order_info() -> None:
    (paid,) = parse(load("telegram_successful_payment"), channel_code="telegram")
    assert paid.payment is not None
    assert paid.payment["order_info"] is None and not wants_delivery(paid.payment)


def test_the_address_becomes_the_carts_without_empty_fields() -> None:
    assert address_of(TVERSKAYA, name=" Анна ", phone="+79161234567") == {
        "recipient": "Анна", "phone": "+79161234567", "country": "RU", "city": "Москва",
        "line1": "ул. Тверская, 7", "line2": "кв. 12", "postcode": "125009",
    }  # fmt: skip
    assert address_of(TVERSKAYA | {"country_code": " "}) is None
    assert address_of(None) is None


def test_telegrams_phone_gains_its_plus() -> None:
    assert phone_of("79161234567") == "+79161234567"
    assert phone_of("+995 555 12 34 56") == "+995 555 12 34 56"
    assert phone_of(None) is None and phone_of("") is None


def outbound(**content: Any) -> OutboundMessage:
    return OutboundMessage(
        message_id=uuid.uuid4(), platform="telegram", channel_code="telegram",
        recipient_id="111222333", **content,
    )  # fmt: skip


def test_a_delivery_invoice_asks_for_name_phone_and_address_and_is_flexible() -> None:
    invoice = Invoice("Заказ", "Чайник × 1", "tok", "RUB", (("Чайник", 250000),))
    plain = calls(outbound(invoice=invoice), provider_token="p")
    shipped = calls(
        outbound(
            invoice=Invoice(
                "Заказ", "Чайник × 1", "tok", "RUB", (("Чайник", 250000),),
                need_name=True, need_phone_number=True, need_shipping_address=True,
                is_flexible=True,
            )
        ),
        provider_token="p",
    )  # fmt: skip
    flags = {"need_name", "need_phone_number", "need_shipping_address", "is_flexible"}
    assert plain[0][0] == "sendInvoice" and not flags & set(plain[0][1])
    assert shipped[0][0] == "sendInvoice"
    assert {k: shipped[0][1][k] for k in flags} == dict.fromkeys(flags, True)


def test_answer_shipping_query_is_made_as_asked() -> None:
    answer = {
        "method": "answerShippingQuery", "shipping_query_id": "sq-1", "ok": True,
        "shipping_options": [
            {"id": "courier", "title": "Курьер", "prices": [{"label": "Доставка", "amount": 1}]}
        ],
    }  # fmt: skip
    ((method, body),) = calls(outbound(answer=answer), provider_token="p")
    assert method == "answerShippingQuery"
    assert body == {k: v for k, v in answer.items() if k != "method"}
