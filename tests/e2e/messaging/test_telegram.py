"""Telegram webhook: secret token, recorded updates (good, forged, malformed, duplicate,
stale), callback answers, and the Bot API calls omnishop makes (against a fake Bot API)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.conversations import wire
from omnishop.kernel import clock
from tests.e2e.messaging.conftest import RECORDED_AT, FakePlatforms, inbound_of, raw, reply

Sessions = async_sessionmaker[AsyncSession]
URL = "/webhooks/telegram/telegram"
GOOD = {
    "X-Telegram-Bot-Api-Secret-Token": "tg-secret-for-tests",
    "Content-Type": "application/json",
}
USER = "111222333"


async def test_a_text_update_is_stored_in_the_customers_thread(
    chat: httpx.AsyncClient, sessions: Sessions
) -> None:
    response = await chat.post(URL, content=raw("telegram_text"), headers=GOOD)
    assert response.status_code == 200, response.text
    (stored,) = await inbound_of(sessions, "telegram", USER)
    assert stored.kind == "text" and stored.body["text"] == "ищу кроссовки 42 размер"
    assert stored.external_id == "m:111222333:1201"


async def test_a_wrong_or_missing_secret_is_403_and_stores_nothing(
    chat: httpx.AsyncClient, sessions: Sessions
) -> None:
    forged = GOOD | {"X-Telegram-Bot-Api-Secret-Token": "tg-secret-for-test"}
    assert (await chat.post(URL, content=raw("telegram_text"), headers=forged)).status_code == 403
    missing = {"Content-Type": "application/json"}
    assert (await chat.post(URL, content=raw("telegram_text"), headers=missing)).status_code == 403
    assert await inbound_of(sessions, "telegram", USER) == []


async def test_a_malformed_update_is_400_and_stores_nothing(
    chat: httpx.AsyncClient, sessions: Sessions
) -> None:
    bad = await chat.post(URL, content=raw("telegram_malformed"), headers=GOOD)
    assert bad.status_code == 400
    assert bad.json()["code"] == "malformed_webhook"
    assert (await chat.post(URL, content=b"{not json", headers=GOOD)).status_code == 400
    assert (await chat.post(URL, content=b"[1, 2]", headers=GOOD)).status_code == 400
    assert await inbound_of(sessions, "telegram", USER) == []


async def test_a_redelivered_update_is_acknowledged_and_ignored(
    chat: httpx.AsyncClient, sessions: Sessions
) -> None:
    for _ in range(3):
        response = await chat.post(URL, content=raw("telegram_text"), headers=GOOD)
        assert response.status_code == 200
    assert len(await inbound_of(sessions, "telegram", USER)) == 1


async def test_an_old_update_replayed_is_refused(
    chat: httpx.AsyncClient, sessions: Sessions
) -> None:
    clock.freeze(RECORDED_AT + timedelta(days=2))
    response = await chat.post(URL, content=raw("telegram_text"), headers=GOOD)
    assert response.status_code == 400 and response.json()["code"] == "stale_webhook"
    assert await inbound_of(sessions, "telegram", USER) == []


async def test_an_unknown_channel_or_one_of_another_kind_is_404(chat: httpx.AsyncClient) -> None:
    for code in ("nope", "web", "whatsapp"):
        response = await chat.post(
            f"/webhooks/telegram/{code}", content=raw("telegram_text"), headers=GOOD
        )
        assert response.status_code == 404, code


async def test_a_callback_query_is_answered_at_once_in_the_response(
    chat: httpx.AsyncClient, sessions: Sessions
) -> None:
    response = await chat.post(URL, content=raw("telegram_callback"), headers=GOOD)
    assert response.json() == {
        "method": "answerCallbackQuery",
        "callback_query_id": "4382bfdwdsb323b2d9",
    }
    (button,) = await inbound_of(sessions, "telegram", USER)
    assert (button.kind, button.body["payload"]) == ("button", "add:SKU-42")


async def test_photo_location_and_payments_are_stored_once(
    chat: httpx.AsyncClient, sessions: Sessions
) -> None:
    for name in (
        "telegram_photo",
        "telegram_location",
        "telegram_pre_checkout",
        "telegram_successful_payment",
        "telegram_successful_payment",
    ):
        assert (await chat.post(URL, content=raw(name), headers=GOOD)).status_code == 200
    kinds = [m.kind for m in await inbound_of(sessions, "telegram", USER)]
    assert sorted(kinds) == ["image", "location", "payment", "pre_checkout"]


async def test_a_bot_reply_is_sent_through_the_outbox_as_send_message_with_a_keyboard(
    chat: httpx.AsyncClient, sessions: Sessions, platforms: FakePlatforms
) -> None:
    await chat.post(URL, content=raw("telegram_text"), headers=GOOD)
    content = wire.OutboundContent(
        text="Нашла 2 модели",
        buttons=(wire.Button("Ещё", payload="more:2"), wire.Button("Сайт", url="https://x.test")),
    )
    sent = await reply(sessions, "telegram", USER, content)
    call = next(c for c in platforms.calls if (c.json or {}).get("text") == "Нашла 2 модели")
    assert call.path == "/bot123456:TEST-TOKEN/sendMessage"
    assert call.json["chat_id"] == USER
    assert call.json["reply_markup"] == {
        "inline_keyboard": [
            [{"text": "Ещё", "callback_data": "more:2"}],
            [{"text": "Сайт", "url": "https://x.test"}],
        ]
    }
    assert sent.status == "sent" and sent.external_id.startswith(f"{USER}:")


def _sender(settings_url: str) -> wire.Sender:
    from omnishop.messaging.config import MessagingSettings
    from omnishop.messaging.telegram.send import make_sender

    return make_sender(  # type: ignore[no-any-return]
        MessagingSettings(
            telegram_bot_token="123456:TEST-TOKEN",
            telegram_payment_provider_token="provider-test-token",
            telegram_api_base=settings_url,
        )
    )


async def test_invoice_card_location_and_pre_checkout_answer_follow_the_bot_api(
    platforms: FakePlatforms,
) -> None:
    send = _sender(platforms.url)
    message = wire.OutboundMessage(
        message_id=uuid.uuid4(),
        platform="telegram",
        channel_code="telegram",
        recipient_id=USER,
        answer={"method": "answerPreCheckoutQuery", "pre_checkout_query_id": "pcq-1", "ok": True},
        cards=(
            wire.Card(
                "Runner <42>",
                subtitle="4 590 ₽",
                image_url="https://cdn.test/r.jpg",
                buttons=(wire.Button("В корзину", payload="add:SKU-42"),),
            ),
        ),
        location=wire.Location(55.75, 37.61, title="ТЦ Атриум"),
        invoice=wire.Invoice(
            title="Заказ",
            description="Кроссовки Runner",
            payload="cart:7c9e6679",
            currency="RUB",
            prices=(("Runner", 459000), ("Доставка", 30000)),
        ),
    )
    result = await send(message)
    assert result.ok and result.external_id is not None
    methods = [c.path.rsplit("/", 1)[1] for c in platforms.calls]
    assert methods == ["answerPreCheckoutQuery", "sendPhoto", "sendVenue", "sendInvoice"]
    answer, photo, venue, invoice = (c.json for c in platforms.calls)
    assert answer == {"pre_checkout_query_id": "pcq-1", "ok": True}
    assert photo["photo"] == "https://cdn.test/r.jpg" and photo["parse_mode"] == "HTML"
    assert photo["caption"].startswith("<b>Runner &lt;42&gt;</b>")
    assert photo["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "add:SKU-42"
    assert venue["title"] == "ТЦ Атриум"
    assert invoice["provider_token"] == "provider-test-token"
    assert invoice["prices"] == [
        {"label": "Runner", "amount": 459000},
        {"label": "Доставка", "amount": 30000},
    ]


async def test_rate_limits_and_server_errors_are_retryable_refusals_are_not(
    platforms: FakePlatforms,
) -> None:
    send = _sender(platforms.url)
    message = wire.OutboundMessage(
        message_id=uuid.uuid4(),
        platform="telegram",
        channel_code="telegram",
        recipient_id=USER,
        text="hi",
    )
    platforms.script = [
        (429, {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 5"}),
        (502, {"ok": False, "error_code": 502, "description": "Bad Gateway"}),
        (403, {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked"}),
    ]
    assert (await send(message)).retryable
    assert (await send(message)).retryable
    blocked = await send(message)
    assert not blocked.ok and not blocked.retryable and "blocked" in (blocked.error or "")
    down = await _sender("http://127.0.0.1:9")(message)
    assert down.retryable and not down.ok
