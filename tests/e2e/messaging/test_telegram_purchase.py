"""A Telegram purchase driven by webhook updates alone: the customer searches, picks the
product from its card, checks out, gets a native invoice, Telegram asks the pre-checkout
question and reports the payment. Every reply leaves through the outbox and the Telegram
sender to a local fake Bot API, which records the calls checked here."""

from __future__ import annotations

import itertools
import json
from typing import Any

import httpx
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.channels.models import Channel
from omnishop.conversations.models import QUEUED, Conversation
from omnishop.kernel import outbox
from omnishop.kernel.db import unit_of_work
from omnishop.search import index as search_index
from tests.e2e.messaging.conftest import RECORDED_AT, FakePlatforms, inbound_of
from tests.integration.test_cart_fixtures import open_shop

Sessions = async_sessionmaker[AsyncSession]
HEADERS = {"X-Telegram-Bot-Api-Secret-Token": "tg-secret-for-tests"}
URL = "/webhooks/telegram/tg-shop"
USER = {"id": 777000111, "is_bot": False, "first_name": "Ира", "language_code": "ru"}
CHAT = {"id": 777000111, "type": "private", "first_name": "Ира"}
DATE = int(RECORDED_AT.timestamp())
_ids = itertools.count(1)


def text_update(text: str) -> dict[str, Any]:
    n = next(_ids)
    message = {"message_id": n, "from": USER, "chat": CHAT, "date": DATE, "text": text}
    return {"update_id": 9000 + n, "message": message}


def button_update(data: str) -> dict[str, Any]:
    n = next(_ids)
    origin = {"message_id": n, "chat": CHAT, "date": DATE, "text": "…"}
    query = {"id": f"cbq-{n}", "from": USER, "chat_instance": "1", "data": data, "message": origin}
    return {"update_id": 9000 + n, "callback_query": query}


async def deliver(chat: httpx.AsyncClient, sessions: Sessions, update: dict[str, Any]) -> Any:
    response = await chat.post(URL, content=json.dumps(update).encode(), headers=HEADERS)
    assert response.status_code == 200, response.text
    for _ in range(3):  # the bot's turn, then the sends it queued
        await outbox.drain(sessions)
    return response.json()


def callback_data(platforms: FakePlatforms, since: int) -> list[str]:
    out = []
    for call in platforms.calls[since:]:
        markup = (call.json or {}).get("reply_markup") or {}
        for row in markup.get("inline_keyboard", []):
            out += [b["callback_data"] for b in row if "callback_data" in b]
    return out


def methods(platforms: FakePlatforms, since: int) -> list[str]:
    return [c.path.rsplit("/", 1)[1] for c in platforms.calls[since:]]


async def test_search_pick_invoice_pre_checkout_and_payment_through_webhooks(
    chat: httpx.AsyncClient, sessions: Sessions, platforms: FakePlatforms
) -> None:
    async with unit_of_work(sessions) as session:
        await open_shop(session, code="tg-shop")
        # The fixture's shop is a web channel: this one is a Telegram bot's.
        await session.execute(
            update(Channel).where(Channel.code == "tg-shop").values(kind="telegram")
        )
        await search_index.reindex_all(session)
    await outbox.drain(sessions)

    mark = len(platforms.calls)
    await deliver(chat, sessions, text_update("покажите чайник"))
    card = next(
        c.json
        for c in platforms.calls[mark:]
        if "Чайник" in str((c.json or {}).get("caption"))
        or "Чайник" in str((c.json or {}).get("text"))
    )
    assert card["chat_id"] == str(USER["id"])
    pick = next(d for d in callback_data(platforms, mark) if d.startswith("bot:pick:"))

    mark = len(platforms.calls)
    answered = await deliver(chat, sessions, button_update(pick))
    assert answered["method"] == "answerCallbackQuery"
    assert "bot:checkout" in callback_data(platforms, mark)

    mark = len(platforms.calls)
    await deliver(chat, sessions, button_update("bot:checkout"))
    invoice = next(c.json for c in platforms.calls[mark:] if c.path.endswith("/sendInvoice"))
    assert invoice["currency"] == "RUB" and invoice["provider_token"] == "provider-test-token"
    total = sum(p["amount"] for p in invoice["prices"])
    assert total == 250000

    mark = len(platforms.calls)
    pre_checkout = {
        "update_id": 9500,
        "pre_checkout_query": {
            "id": "pcq-1",
            "from": USER,
            "currency": "RUB",
            "total_amount": total,
            "invoice_payload": invoice["payload"],
        },
    }
    await deliver(chat, sessions, pre_checkout)
    answer = next(c for c in platforms.calls[mark:] if c.path.endswith("/answerPreCheckoutQuery"))
    assert answer.json == {"pre_checkout_query_id": "pcq-1", "ok": True}

    paid = {
        "currency": "RUB",
        "total_amount": total,
        "invoice_payload": invoice["payload"],
        "telegram_payment_charge_id": "tg-charge-1",
        "provider_payment_charge_id": "psp-1",
    }
    payment = {
        "update_id": 9501,
        "message": {
            "message_id": 9501,
            "from": USER,
            "chat": CHAT,
            "date": DATE,
            "successful_payment": paid,
        },
    }
    mark = len(platforms.calls)
    await deliver(chat, sessions, payment)
    await deliver(chat, sessions, payment | {"update_id": 9502})  # redelivered: ignored
    thanks = [c for c in platforms.calls[mark:] if c.path.endswith("/sendMessage")]
    assert len(thanks) == 1
    stored = [
        m for m in await inbound_of(sessions, "tg-shop", str(USER["id"])) if m.kind == "payment"
    ]
    assert len(stored) == 1
    async with sessions() as session:
        conversation = await session.get(Conversation, stored[0].conversation_id)
        # The payment placed the order (test_telegram_purchase_order.py): the bot keeps the
        # chat; only a payment that cannot be placed goes to a person.
        assert conversation is not None and conversation.status != QUEUED
