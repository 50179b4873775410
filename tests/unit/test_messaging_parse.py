"""Messenger adapters' parsing: recorded, realistically shaped payloads -> InboundMessage."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from omnishop.messaging.common import Malformed, Stale, fresh
from omnishop.messaging.messenger.parse import parse as parse_messenger
from omnishop.messaging.sms.parse import keyword
from omnishop.messaging.sms.parse import parse as parse_sms
from omnishop.messaging.telegram.parse import parse as parse_telegram
from omnishop.messaging.whatsapp.parse import parse as parse_whatsapp

FIXTURES = Path(__file__).resolve().parents[1] / "e2e" / "messaging" / "fixtures"
T = datetime.fromtimestamp(1795000000, tz=UTC)


def load(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def test_telegram_text_message_keeps_sender_profile_and_chat_scoped_id() -> None:
    (m,) = parse_telegram(load("telegram_text"), channel_code="telegram")
    assert (m.kind, m.text, m.sender_id) == ("text", "ищу кроссовки 42 размер", "111222333")
    assert m.external_id == "m:111222333:1201"
    assert m.sent_at == T
    assert m.profile["language_code"] == "ru" and m.profile["username"] == "anna_p"


def test_telegram_photo_takes_the_largest_size_and_caption() -> None:
    (m,) = parse_telegram(load("telegram_photo"), channel_code="telegram")
    assert m.kind == "image" and m.media is not None
    assert m.media.media_id == "AgACAgIAAxkBAAIBsmZlarge"
    assert m.text == "есть такие?"


def test_telegram_location() -> None:
    (m,) = parse_telegram(load("telegram_location"), channel_code="telegram")
    assert m.kind == "location" and m.location is not None
    assert (m.location.latitude, m.location.longitude) == (55.751244, 37.618423)


def test_telegram_callback_query_is_a_button_with_its_query_id() -> None:
    (m,) = parse_telegram(load("telegram_callback"), channel_code="telegram")
    assert (m.kind, m.payload) == ("button", "add:SKU-42")
    assert m.external_id == "cb:4382bfdwdsb323b2d9"
    assert m.meta["callback_query_id"] == "4382bfdwdsb323b2d9"


def test_telegram_pre_checkout_and_payment_carry_the_payment_fields() -> None:
    (pcq,) = parse_telegram(load("telegram_pre_checkout"), channel_code="telegram")
    assert pcq.kind == "pre_checkout" and pcq.payment is not None
    assert pcq.payment["total_amount"] == 459000 and pcq.payload == "cart:7c9e6679"
    assert pcq.meta["pre_checkout_query_id"] == "pcq-8761234512"
    (paid,) = parse_telegram(load("telegram_successful_payment"), channel_code="telegram")
    assert paid.kind == "payment" and paid.payment is not None
    # Idempotent on the charge id: a redelivery or a second update with it dedupes.
    assert paid.external_id == "pay:tg_charge_1795000040_abc"
    assert paid.payment["provider_payment_charge_id"] == "psp_ch_98765"


def test_telegram_malformed_update_is_refused() -> None:
    with pytest.raises(Malformed):
        parse_telegram(load("telegram_malformed"), channel_code="telegram")


def test_telegram_updates_we_do_not_use_give_nothing() -> None:
    edited = {"update_id": 9, "edited_message": load("telegram_text")["message"]}
    assert parse_telegram(edited, channel_code="telegram") == ()


def test_telegram_blocking_the_bot_is_an_opt_out_unblocking_an_opt_in() -> None:
    user = load("telegram_text")["message"]["from"]
    bot = {"id": 7000000001, "is_bot": True, "first_name": "Omnishop"}

    def member(status: str) -> dict[str, Any]:
        return {"status": status, "user": bot} | ({"until_date": 0} if status == "kicked" else {})

    def update(old: str, new: str, date: int) -> dict[str, Any]:
        chat = {"id": user["id"], "type": "private", "first_name": "Анна"}
        change = {"chat": chat, "from": user, "date": date}
        change |= {"old_chat_member": member(old), "new_chat_member": member(new)}
        return {"update_id": date, "my_chat_member": change}

    (blocked,) = parse_telegram(update("member", "kicked", 1795000100), channel_code="telegram")
    assert (blocked.kind, blocked.sender_id) == ("opt_out", "111222333")
    (back,) = parse_telegram(update("kicked", "member", 1795000200), channel_code="telegram")
    assert back.kind == "opt_in" and back.external_id != blocked.external_id


def test_telegram_group_messages_are_not_a_customer_conversation() -> None:
    update = load("telegram_text")
    update["message"]["chat"] = {"id": -100123, "type": "supergroup", "title": "Fans"}
    assert parse_telegram(update, channel_code="telegram") == ()


def test_whatsapp_sender_is_the_business_scoped_user_id_not_the_phone() -> None:
    (m,) = parse_whatsapp(load("whatsapp_text"), channel_code="whatsapp")
    assert m.sender_id == "GE.13491208655302741918"
    assert m.profile == {
        "name": "Giorgi",
        "phone": "+995555123456",
        "user_id": "GE.13491208655302741918",
    }
    assert m.external_id.startswith("wamid.") and m.sent_at == T


def test_whatsapp_user_without_a_phone_is_still_a_sender() -> None:
    (m,) = parse_whatsapp(load("whatsapp_no_phone"), channel_code="whatsapp")
    assert m.sender_id == "GE.99887766554433221100" and "phone" not in m.profile


def test_whatsapp_falls_back_to_wa_id_without_a_user_id() -> None:
    data = load("whatsapp_text")
    value = data["entry"][0]["changes"][0]["value"]
    value["contacts"][0].pop("user_id")
    value["messages"][0].pop("from_user_id")
    (m,) = parse_whatsapp(data, channel_code="whatsapp")
    assert m.sender_id == "995555123456"


def test_whatsapp_interactive_replies_are_buttons() -> None:
    (button,) = parse_whatsapp(load("whatsapp_interactive"), channel_code="whatsapp")
    assert (button.kind, button.payload, button.reply_to) == (
        "button",
        "add:SKU-42",
        "wamid.OUR_BUTTONS_MSG",
    )
    (row,) = parse_whatsapp(load("whatsapp_list"), channel_code="whatsapp")
    assert (row.kind, row.payload, row.text) == ("button", "size:44", "44")


def test_whatsapp_location_image_and_order() -> None:
    (where,) = parse_whatsapp(load("whatsapp_location"), channel_code="whatsapp")
    assert where.location is not None and where.location.title == "Rustaveli Ave"
    (image,) = parse_whatsapp(load("whatsapp_image"), channel_code="whatsapp")
    assert image.media is not None and image.media.media_id == "1479537139650973"
    (order,) = parse_whatsapp(load("whatsapp_order"), channel_code="whatsapp")
    assert order.kind == "order"
    assert [(i.retailer_id, i.quantity, i.item_price, i.currency) for i in order.order_items] == [
        ("SKU-42", 2, "2990", "RUB"),
        ("SKU-7", 1, "1590.5", "RUB"),
    ]


def test_whatsapp_statuses_refer_to_our_message() -> None:
    delivered, failed = parse_whatsapp(load("whatsapp_status"), channel_code="whatsapp")
    assert (delivered.kind, delivered.status, delivered.reply_to) == (
        "status",
        "delivered",
        "wamid.OUR_SENT_MESSAGE",
    )
    assert failed.status == "failed" and "131047" in failed.meta["error"]


@pytest.mark.parametrize(
    "data",
    [
        {"object": "page", "entry": []},
        {"object": "whatsapp_business_account", "entry": "x"},
        {"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "messages"}]}]},
    ],
)
def test_whatsapp_malformed_shapes_are_refused(data: dict[str, Any]) -> None:
    with pytest.raises(Malformed):
        parse_whatsapp(data, channel_code="whatsapp")


def test_whatsapp_message_without_id_is_refused() -> None:
    with pytest.raises(Malformed):
        parse_whatsapp(load("whatsapp_malformed"), channel_code="whatsapp")


def test_messenger_text_quick_reply_postback() -> None:
    (text,) = parse_messenger(load("messenger_text"), channel_code="messenger")
    assert (text.kind, text.sender_id, text.external_id) == (
        "text",
        "6543210987654321",
        "m_AQHRtext0000000001",
    )
    assert text.sent_at == T + timedelta(milliseconds=100)
    (quick,) = parse_messenger(load("messenger_quick_reply"), channel_code="messenger")
    assert (quick.kind, quick.payload) == ("button", "size:42")
    (postback,) = parse_messenger(load("messenger_postback"), channel_code="messenger")
    assert (postback.kind, postback.payload) == ("button", "add:SKU-42")


def test_messenger_location_and_image_attachments() -> None:
    (where,) = parse_messenger(load("messenger_location"), channel_code="messenger")
    assert where.location is not None and where.location.longitude == 44.8015
    (image,) = parse_messenger(load("messenger_image"), channel_code="messenger")
    assert image.media is not None and image.media.url is not None


def test_messenger_echoes_and_reads_are_skipped_deliveries_are_statuses() -> None:
    (status,) = parse_messenger(load("messenger_echo_and_delivery"), channel_code="messenger")
    assert (status.kind, status.status, status.reply_to) == ("status", "delivered", "m_OUR_SENT_1")


def test_messenger_event_without_sender_is_refused() -> None:
    with pytest.raises(Malformed):
        parse_messenger(load("messenger_malformed"), channel_code="messenger")


def test_sms_inbound_text_stop_start_mms_and_status() -> None:
    (text,) = parse_sms(load("sms_inbound"), channel_code="sms")
    assert (text.kind, text.sender_id, text.external_id) == (
        "text",
        "+14155550123",
        "SM1f0e8ae6ade43cb3c0ce4525424e404f",
    )
    assert parse_sms(load("sms_stop"), channel_code="sms")[0].kind == "opt_out"
    assert parse_sms(load("sms_start"), channel_code="sms")[0].kind == "opt_in"
    (mms,) = parse_sms(load("sms_mms"), channel_code="sms")
    assert mms.kind == "image" and mms.media is not None and mms.media.mime_type == "image/jpeg"
    (status,) = parse_sms(load("sms_status"), channel_code="sms")
    assert (status.kind, status.status, status.reply_to) == (
        "status",
        "delivered",
        "SMout0000000000000000000000000001",
    )


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("STOP", "opt_out"),
        (" stop ", "opt_out"),
        ("Unsubscribe", "opt_out"),
        ("stop all", "opt_out"),
        ("стоп", "opt_out"),
        ("START", "opt_in"),
        ("unstop", "opt_in"),
        ("please stop sending", None),
        ("", None),
    ],
)
def test_sms_keywords_are_the_whole_body(body: str, expected: str | None) -> None:
    assert keyword(body) == expected


def test_sms_without_sid_is_malformed() -> None:
    with pytest.raises(Malformed):
        parse_sms({"From": "+1", "Body": "x"}, channel_code="sms")


def test_a_delivery_of_only_old_messages_is_a_replay() -> None:
    messages = parse_whatsapp(load("whatsapp_text"), channel_code="whatsapp")
    assert fresh(messages, max_age=timedelta(days=7), now=T + timedelta(days=6)) == messages
    with pytest.raises(Stale):
        fresh(messages, max_age=timedelta(days=7), now=T + timedelta(days=8))
    statuses = parse_whatsapp(load("whatsapp_status"), channel_code="whatsapp")
    assert fresh(statuses, max_age=timedelta(days=7), now=T + timedelta(days=30)) == statuses
