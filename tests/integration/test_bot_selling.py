"""The chat bot sells, on SQLite and PostgreSQL: messages go in through
``conversations.service.receive``, the worker (outbox) runs the bot and sends its replies
through a recording fake sender. Search -> cards -> add (options) -> cart -> a pay link or a
Telegram invoice (pre-checkout answered), paging, a WhatsApp catalog order, questions."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.catalog import service as catalog
from omnishop.checkout import service as checkout
from omnishop.conversations import jobs, wire
from omnishop.conversations.bot import jobs as bot_jobs
from omnishop.conversations.models import QUEUED
from omnishop.kernel.db import unit_of_work
from omnishop.search import index as search_index
from tests.integration.bot_fixtures import Chat, a_shop, payloads, tee, texts
from tests.integration.conversations_fixtures import FakeSender

Sessions = async_sessionmaker[AsyncSession]


__all__ = ["bot_jobs", "jobs"]  # registers the handlers


@pytest.fixture
def fake() -> Iterator[FakeSender]:
    sender = FakeSender()
    saved = dict(wire._senders)
    for platform in ("telegram", "whatsapp", "messenger", "sms", "webchat"):
        wire.register_sender(platform, sender)
    yield sender
    wire._senders.clear()
    wire._senders.update(saved)


async def test_search_add_and_check_out_by_link(sessions: Sessions, fake: FakeSender) -> None:
    shop = await a_shop(sessions, "wa")
    chat = Chat(sessions, fake, "whatsapp", "wa")

    hello = await chat.send("Привет")
    assert "bot:search" in payloads(hello) and "bot:cart" in payloads(hello)

    found = await chat.send("покажите чайник")
    cards = [c for m in found for c in m.cards]
    assert [c.title for c in cards] == ["Чайник"]
    assert cards[0].subtitle is not None and "2" in cards[0].subtitle  # the price line
    assert cards[0].url is not None and cards[0].url.endswith("/p/wa-kettle")
    pick = cards[0].buttons[0].payload
    assert pick is not None and pick.startswith("bot:pick:")

    added = await chat.press(pick)
    assert "Чайник" in texts(added) and "bot:checkout" in payloads(added)
    state = await chat.state()
    token = state.slots["cart"]
    async with sessions() as session:
        cart = await checkout.get_cart(session=session, token=token)
    assert [(line.variant_id, line.quantity) for line in cart.lines] == [(shop.kettle, 1)]

    pay = await chat.send("хочу оформить заказ")
    links = [b.url for m in pay for b in m.buttons if b.url]
    assert links and links[0].endswith(f"/checkout?cart={token}&utm_source=wa")


async def test_telegram_checkout_sends_a_native_invoice_for_the_cart(
    sessions: Sessions, fake: FakeSender
) -> None:
    await a_shop(sessions, "tg")
    chat = Chat(sessions, fake, "telegram", "tg")
    found = await chat.send("ищу кружку")
    pick = next(b.payload for m in found for c in m.cards for b in c.buttons)
    assert pick is not None
    await chat.press(pick)
    await chat.press("bot:pick:" + pick.rsplit(":", 1)[1])  # the same mug again: two

    replies = await chat.press("bot:checkout")
    invoices = [m.invoice for m in replies if m.invoice]
    token = (await chat.state()).slots["cart"]
    assert len(invoices) == 1
    assert invoices[0].payload == token and invoices[0].currency == "RUB"
    assert invoices[0].prices == (("Кружка", 2 * 99000),)


async def test_a_product_with_options_asks_which_then_takes_the_named_one(
    sessions: Sessions, fake: FakeSender
) -> None:
    shop = await a_shop(sessions, "wc2")
    product_id, variants = await tee(sessions, shop)
    chat = Chat(sessions, fake, "webchat", "wc2")
    asked = await chat.press(f"bot:pick:{product_id}")
    assert sorted(payloads(asked)) == sorted(f"bot:add:{v}" for v in variants.values())

    added = await chat.send("давайте L, 2 шт")
    assert "Футболка" in texts(added)
    async with sessions() as session:
        cart = await checkout.get_cart(session=session, token=(await chat.state()).slots["cart"])
    assert [(line.variant_id, line.quantity) for line in cart.lines] == [(variants["L"], 2)]


async def test_a_size_said_with_the_search_chooses_the_variant_from_the_card(
    sessions: Sessions, fake: FakeSender
) -> None:
    shop = await a_shop(sessions, "wc7")
    product_id, variants = await tee(sessions, shop)
    chat = Chat(sessions, fake, "webchat", "wc7")
    found = await chat.send("ищу футболку размер M")
    assert [c.title for m in found for c in m.cards] == ["Футболка"]
    assert (await chat.state()).slots["size"] == "M"
    await chat.press(f"bot:pick:{product_id}")
    async with sessions() as session:
        cart = await checkout.get_cart(session=session, token=(await chat.state()).slots["cart"])
    assert [(line.variant_id, line.quantity) for line in cart.lines] == [(variants["M"], 1)]


async def test_telegram_pre_checkout_is_answered_after_a_stock_check_and_payment_handed_on(
    sessions: Sessions, fake: FakeSender
) -> None:
    await a_shop(sessions, "tg4")
    chat = Chat(sessions, fake, "telegram", "tg4")
    found = await chat.send("ищу чайник")
    pick = next(b.payload for m in found for c in m.cards for b in c.buttons)
    assert pick is not None
    await chat.press(pick)
    invoice = next(m.invoice for m in await chat.press("bot:checkout") if m.invoice)
    assert invoice is not None
    total = sum(amount for _, amount in invoice.prices)

    def query(qid: str, amount: int) -> dict[str, Any]:
        return {
            "pre_checkout_query_id": qid,
            "currency": "RUB",
            "total_amount": amount,
            "invoice_payload": invoice.payload,
        }

    ok = await chat.send(None, kind="pre_checkout", payment=query("q1", total))
    assert [m.answer for m in ok] == [
        {"method": "answerPreCheckoutQuery", "pre_checkout_query_id": "q1", "ok": True}
    ]
    wrong = await chat.send(None, kind="pre_checkout", payment=query("q2", total - 1))
    assert wrong[0].answer is not None and wrong[0].answer["ok"] is False
    assert wrong[0].answer["error_message"] == "Цена изменилась, запросите новый счёт."

    paid = await chat.send(
        None,
        kind="payment",
        external_id="pay:charge-1",
        payment={
            "telegram_payment_charge_id": "charge-1",
            "currency": "RUB",
            "total_amount": total,
            "invoice_payload": invoice.payload,
        },
    )
    assert "Оплата получена" in texts(paid)
    conversation = await chat.conversation()
    assert conversation.status == QUEUED and conversation.handoff_reason == "payment"
    assert "charge-1" in (conversation.handoff_summary or "")
    # A redelivered successful_payment changes nothing.
    assert await chat.send(None, kind="payment", external_id="pay:charge-1") == []

    # The chat is held by a person now, yet a pre-checkout query is still answered.
    late = await chat.send(None, kind="pre_checkout", payment=query("q3", total))
    assert late and late[0].answer is not None and late[0].answer["ok"] is True


async def test_more_pages_through_the_results(
    sessions: Sessions, fake: FakeSender, monkeypatch: pytest.MonkeyPatch
) -> None:
    from omnishop.conversations.bot import rules
    from tests.integration.test_cart_fixtures import product

    shop = await a_shop(sessions, "wc3")
    async with unit_of_work(sessions) as session:
        await product(session, shop.channel, "wc3-big-mug", "Кружка большая", 400, 120000)
        await search_index.reindex_all(session)
    monkeypatch.setattr(rules, "PAGE_SIZE", 1)
    chat = Chat(sessions, fake, "webchat", "wc3")

    first = await chat.send("покажите кружки")
    assert len([c for m in first for c in m.cards]) == 1 and "bot:more" in payloads(first)
    second = await chat.send("ещё")
    titles = {c.title for m in first + second for c in m.cards}
    assert titles == {"Кружка", "Кружка большая"}
    assert "bot:more" not in payloads(second)


async def test_cart_view_and_edit_and_a_whatsapp_catalog_order(
    sessions: Sessions, fake: FakeSender
) -> None:
    shop = await a_shop(sessions, "wa3")
    chat = Chat(sessions, fake, "whatsapp", "wa3")
    empty = await chat.press("bot:cart")
    assert "Корзина пуста" in texts(empty)

    ordered = await chat.send(
        None, kind="order", order_items=(wire.OrderItem(retailer_id="wa3-kettle-1", quantity=2),)
    )
    assert any(b.url and "/checkout?cart=" in b.url for m in ordered for b in m.buttons)
    token = (await chat.state()).slots["cart"]

    view = await chat.press("bot:cart")
    assert "Чайник × 2" in texts(view)
    dec = next(p for p in payloads(view) if p.startswith("bot:dec:"))
    after = await chat.press(dec)
    assert "Чайник × 1" in texts(after)
    async with sessions() as session:
        cart = await checkout.get_cart(session=session, token=token)
    assert [(line.variant_id, line.quantity) for line in cart.lines] == [(shop.kettle, 1)]


async def test_a_question_about_the_product_gets_its_description_and_page(
    sessions: Sessions, fake: FakeSender
) -> None:
    await a_shop(sessions, "wc5")
    chat = Chat(sessions, fake, "webchat", "wc5")
    async with unit_of_work(sessions) as session:
        product_id = await catalog.find_product_id(session=session, id_or_slug="wc5-kettle")
    await chat.press(f"bot:pick:{product_id}")  # looked at (and added) the kettle
    assert (await chat.state()).slots["product"] == str(product_id)

    answer = await chat.send("а этот чайник металлический?")
    said = texts(answer)
    assert said.startswith("Чайник") and "/p/wc5-kettle" in said
    assert "bot:human" in payloads(answer)


async def test_a_refusal_inside_a_turn_is_told_and_changes_nothing(
    sessions: Sessions, fake: FakeSender, monkeypatch: pytest.MonkeyPatch
) -> None:
    from omnishop.conversations.bot import shop as bot_shop
    from omnishop.kernel.errors import ValidationFailed

    await a_shop(sessions, "wc6")
    chat = Chat(sessions, fake, "webchat", "wc6")
    await chat.send("где мой заказ?")
    before = await chat.state()

    async def broken(turn: bot_shop.Turn, q: str | None, *args: object, **kw: object) -> None:
        turn.go("search", "results", q=q)  # a write the refusal must undo
        raise ValidationFailed("search is down")

    monkeypatch.setattr(bot_shop, "find", broken)
    replies = await chat.send("покажите кружки")
    assert "Не получилось" in texts(replies) and "bot:human" in payloads(replies)
    after = await chat.state()
    assert (after.flow, after.step, after.paused) == (before.flow, before.step, before.paused)
