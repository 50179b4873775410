"""The chat bot end to end on SQLite and PostgreSQL: messages go in through
``conversations.service.receive``, the worker (outbox) runs the bot and sends its replies
through a recording fake sender. Search -> add -> checkout link / Telegram invoice; order
status for the customer's own order only; topic switch and resume; handoffs."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.catalog import service as catalog
from omnishop.checkout import service as checkout
from omnishop.conversations import jobs, service, wire
from omnishop.conversations.bot import engine
from omnishop.conversations.bot import jobs as bot_jobs
from omnishop.conversations.bot.intents import Prediction
from omnishop.conversations.models import QUEUED, Conversation, DialogueState
from omnishop.customers.models import Customer
from omnishop.kernel import outbox
from omnishop.kernel.db import unit_of_work
from omnishop.orders import service as orders
from omnishop.search import index as search_index
from tests.integration.conversations_fixtures import FakeSender, inbound
from tests.integration.test_cart_fixtures import Shop, open_shop
from tests.integration.test_orders_service import make_draft
from tests.integration.test_orders_service import shop as orders_shop

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


class Chat:
    """One customer writing to one channel; ``say`` returns what the bot sent back."""

    def __init__(self, sessions: Sessions, fake: FakeSender, platform: str, code: str) -> None:
        self.sessions, self.fake, self.platform, self.code = sessions, fake, platform, code
        self.sender = f"cust-{uuid.uuid4().hex[:8]}"
        self.conversation_id: uuid.UUID | None = None
        self.customer_id: uuid.UUID | None = None

    async def send(self, text: str | None = None, **extra: Any) -> list[wire.OutboundMessage]:
        before = len(self.fake.sent)
        async with unit_of_work(self.sessions) as session:
            got = await service.receive(
                session=session,
                message=inbound(self.platform, self.code, self.sender, text=text, **extra),
            )
            self.conversation_id, self.customer_id = got.conversation_id, got.customer_id
        for _ in range(3):  # the bot's turn, then the sends it queued
            await outbox.drain(self.sessions)
        return self.fake.sent[before:]

    async def press(self, payload: str) -> list[wire.OutboundMessage]:
        return await self.send(None, kind="button", payload=payload)

    async def state(self) -> DialogueState:
        async with self.sessions() as session:
            row = await session.get(DialogueState, self.conversation_id)
            assert row is not None
            return row

    async def conversation(self) -> Conversation:
        async with self.sessions() as session:
            row = await session.get(Conversation, self.conversation_id)
            assert row is not None
            return row


async def a_shop(sessions: Sessions, code: str) -> Shop:
    async with unit_of_work(sessions) as session:
        shop = await open_shop(session, code=code)
        await search_index.reindex_all(session)
    await outbox.drain(sessions)
    return shop


def payloads(replies: list[wire.OutboundMessage]) -> list[str]:
    out = [b.payload or b.url or "" for m in replies for b in m.buttons]
    out += [b.payload or "" for m in replies for c in m.cards for b in c.buttons]
    return out


def texts(replies: list[wire.OutboundMessage]) -> str:
    return "\n".join(m.text or "" for m in replies)


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


async def test_order_status_only_for_the_customers_own_orders(
    sessions: Sessions, fake: FakeSender
) -> None:
    await a_shop(sessions, "tg2")
    chat = Chat(sessions, fake, "telegram", "tg2")
    await chat.send("здравствуйте")
    assert chat.customer_id is not None
    async with unit_of_work(sessions) as session:
        stranger = Customer(email="other@example.com")
        session.add(stranger)
        await session.flush()
        s = await orders_shop(session, "web-ru")
        mine = await orders.place(
            session=session, draft=await make_draft(session, s, customer_id=chat.customer_id)
        )
        theirs = await orders.place(
            session=session, draft=await make_draft(session, s, kettles=1, customer_id=stranger.id)
        )

    asked = await chat.send(f"где мой заказ {theirs.number}?")
    assert theirs.number in texts(asked)
    assert "Не нашёл" in texts(asked) and theirs.status not in texts(asked)

    told = await chat.send(f"статус заказа {mine.number}")
    assert f"Заказ {mine.number}: {mine.status}" in texts(told)

    listed = await chat.press("bot:orders")
    assert payloads(listed) == [f"bot:order:{mine.number}"]  # never the stranger's


async def test_a_topic_switch_pauses_the_flow_and_the_customer_can_resume_it(
    sessions: Sessions, fake: FakeSender
) -> None:
    await a_shop(sessions, "wc")
    chat = Chat(sessions, fake, "webchat", "wc")

    asked = await chat.send("где мой заказ?")
    assert "номер заказа" in texts(asked)
    assert ((await chat.state()).flow, (await chat.state()).step) == ("order_status", "number")

    switched = await chat.send("покажите кружки")
    assert [c.title for m in switched for c in m.cards] == ["Кружка"]
    assert "bot:resume" in payloads(switched)  # offered back after the answer
    state = await chat.state()
    assert state.flow == "search" and [p["flow"] for p in state.paused] == ["order_status"]

    back = await chat.send("продолжим")
    assert "номер заказа" in texts(back)
    state = await chat.state()
    assert (state.flow, state.step, state.paused) == ("order_status", "number", [])

    answered = await chat.send("W-000999")
    assert "W-000999" in texts(answered) and (await chat.state()).flow is None


class Unsure:
    def predict(self, text: str) -> Prediction:
        return Prediction("other", 0.1, "ru")


async def test_two_messages_not_understood_hand_the_chat_to_a_person_with_a_summary(
    sessions: Sessions, fake: FakeSender, monkeypatch: pytest.MonkeyPatch
) -> None:
    await a_shop(sessions, "wa2")
    monkeypatch.setattr(engine, "_model", Unsure())
    chat = Chat(sessions, fake, "whatsapp", "wa2")

    first = await chat.send("ммм ну как бы это")
    assert "не понял" in texts(first)
    assert (await chat.conversation()).status == "bot"

    second = await chat.send("фывапролд")
    assert "оператору" in texts(second)
    conversation = await chat.conversation()
    assert conversation.status == QUEUED and conversation.handoff_reason == "low_confidence"
    assert conversation.handoff_summary is not None
    assert "ммм ну как бы это" in conversation.handoff_summary
    assert "фывапролд" in conversation.handoff_summary

    # From now on the bot is silent.
    assert await chat.send("алло?") == []


async def test_asking_for_a_person_or_sending_a_photo_hands_off_at_once(
    sessions: Sessions, fake: FakeSender
) -> None:
    await a_shop(sessions, "sms")
    human = Chat(sessions, fake, "sms", "sms")
    await human.send("позовите оператора")
    assert (await human.conversation()).handoff_reason == "requested"

    photo = Chat(sessions, fake, "sms", "sms")
    await photo.send(None, kind="image", media=wire.Media(url="https://cdn.example/p.jpg"))
    conversation = await photo.conversation()
    assert conversation.status == QUEUED and conversation.handoff_reason == "photo"
    assert "https://cdn.example/p.jpg" in (conversation.handoff_summary or "")


async def test_a_redelivered_event_is_answered_once(sessions: Sessions, fake: FakeSender) -> None:
    await a_shop(sessions, "tg3")
    chat = Chat(sessions, fake, "telegram", "tg3")
    await chat.send("привет")
    assert chat.conversation_id is not None
    async with unit_of_work(sessions) as session:
        got = await service.receive(
            session=session, message=inbound("telegram", "tg3", chat.sender, text="спасибо")
        )
        assert got.message_id is not None
        first = await engine.answer(
            session=session, conversation_id=chat.conversation_id, message_id=got.message_id
        )
        again = await engine.answer(
            session=session, conversation_id=chat.conversation_id, message_id=got.message_id
        )
    assert len(first) == 1 and again == []


async def test_a_product_with_options_asks_which_then_takes_the_named_one(
    sessions: Sessions, fake: FakeSender
) -> None:
    from omnishop.catalog.schemas import ProductCreate, PublicationIn, TranslationIn, VariantCreate
    from omnishop.inventory import service as inventory
    from omnishop.pricing import service as pricing

    shop = await a_shop(sessions, "wc2")
    async with unit_of_work(sessions) as session:
        created = await catalog.create_product(
            session=session,
            data=ProductCreate(
                slug="tee",
                translations={"ru": TranslationIn(name="Футболка")},
                variants=[
                    VariantCreate(sku="tee-m", options={"size": "M"}),
                    VariantCreate(sku="tee-l", options={"size": "L"}),
                ],
            ),
        )
        await catalog.publish(
            session=session, product_id=created.id, channel_id=shop.channel.id, data=PublicationIn()
        )
        bundle = await catalog.get_bundle(session=session, id_or_slug="tee")
        for v in bundle.variants:
            await pricing.set_price(
                session=session, variant_id=v.id, channel_id=shop.channel.id, amount=150000
            )
            await inventory.set_on_hand(
                session=session, variant_id=v.id, location_id=shop.warehouse, quantity=5
            )
        large = next(v.id for v in bundle.variants if v.sku == "tee-l")
    chat = Chat(sessions, fake, "webchat", "wc2")
    asked = await chat.press(f"bot:pick:{created.id}")
    assert sorted(payloads(asked)) == sorted(f"bot:add:{v.id}" for v in bundle.variants)

    added = await chat.send("давайте L, 2 шт")
    assert "Футболка" in texts(added)
    async with sessions() as session:
        cart = await checkout.get_cart(session=session, token=(await chat.state()).slots["cart"])
    assert [(line.variant_id, line.quantity) for line in cart.lines] == [(large, 2)]


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


async def test_location_shows_the_nearest_store_holding_the_item_with_hours_and_a_map(
    sessions: Sessions, fake: FakeSender
) -> None:
    await a_shop(sessions, "tg5")
    chat = Chat(sessions, fake, "telegram", "tg5")
    found = await chat.send("ищу чайник")
    pick = next(b.payload for m in found for c in m.cards for b in c.buttons)
    assert pick is not None
    await chat.press(pick)  # the last product looked at

    asked = await chat.send("где ближайший магазин?")
    assert "геопозицию" in texts(asked)
    stores = await chat.send(None, kind="location", location=wire.Location(55.76, 37.60))
    assert "Магазин на Арбате" in texts(stores) and "openstreetmap.org" in texts(stores)
    assert any(m.location is not None for m in stores)


async def test_returns_and_loyalty_answer_for_the_customer(
    sessions: Sessions, fake: FakeSender
) -> None:
    await a_shop(sessions, "tg6")
    chat = Chat(sessions, fake, "telegram", "tg6")
    await chat.send("привет")
    async with unit_of_work(sessions) as session:
        s = await orders_shop(session, "web-ru")
        mine = await orders.place(
            session=session, draft=await make_draft(session, s, customer_id=chat.customer_id)
        )
    back = await chat.send(f"хочу вернуть заказ {mine.number}")
    assert f"/order/{mine.token}" in texts(back)

    points = await chat.send("сколько у меня баллов")
    assert "0 баллов" in texts(points)


async def test_a_stale_flow_starts_afresh_but_the_cart_stays(
    sessions: Sessions, fake: FakeSender
) -> None:
    from datetime import timedelta

    from omnishop.kernel import clock

    await a_shop(sessions, "wc4")
    start = clock.now()
    clock.freeze(start)
    chat = Chat(sessions, fake, "webchat", "wc4")
    found = await chat.send("ищу кружку")
    pick = next(b.payload for m in found for c in m.cards for b in c.buttons)
    assert pick is not None
    await chat.press(pick)
    await chat.send("где мой заказ?")
    assert (await chat.state()).flow == "order_status"

    clock.freeze(start + engine.TIMEOUT + timedelta(seconds=1))
    later = await chat.send("спасибо")
    state = await chat.state()
    assert "Пожалуйста" in texts(later)
    assert state.flow is None and state.paused == [] and "cart" in state.slots


async def test_linking_by_code_then_reviewing_a_received_product(
    sessions: Sessions, fake: FakeSender
) -> None:
    from sqlalchemy import select

    from omnishop.customers import jobs as customer_jobs
    from omnishop.reviews.models import Review
    from tests.integration.test_conversations_linking import delivered_code
    from tests.reviews_fixtures import purchase

    assert customer_jobs  # delivers the one-time codes
    await a_shop(sessions, "tg7")
    chat = Chat(sessions, fake, "telegram", "tg7")
    await chat.send("привет")
    async with unit_of_work(sessions) as session:
        bought = await purchase(session, "web-rv")
        buyer = await session.get(Customer, bought.customer_id)
        assert buyer is not None and buyer.email is not None
        email = buyer.email

    # The chat's own (new) customer has not received the kettle: no review, a sign-in offer.
    refused = await chat.press(f"bot:review:{bought.product_id}")
    assert "один раз" in texts(refused) and "bot:link" in payloads(refused)

    asked = await chat.press("bot:link")
    assert "email" in texts(asked)
    sent = await chat.send(f"моя почта {email.upper()}")
    assert email in texts(sent)
    right = await delivered_code(sessions, email)
    wrong = "000000" if right != "000000" else "111111"
    assert "не подошёл" in texts(await chat.send(wrong))
    assert (await chat.conversation()).customer_id != bought.customer_id  # a claim is not enough
    assert "Готово" in texts(await chat.send(right))
    assert (await chat.conversation()).customer_id == bought.customer_id

    rate = await chat.press(f"bot:review:{bought.product_id}")
    assert "bot:rate:5" in payloads(rate)
    await chat.press("bot:rate:4")
    done = await chat.send("Хороший чайник, кипятит быстро")
    assert "Отзыв отправлен" in texts(done)
    async with sessions() as session:
        review = await session.scalar(
            select(Review).where(Review.customer_id == bought.customer_id)
        )
    assert review is not None and review.rating == 4 and review.product_id == bought.product_id


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


async def test_thanks_with_nothing_pending_resolves_the_chat_by_the_bot_and_asks_csat(
    sessions: Sessions, fake: FakeSender
) -> None:
    from sqlalchemy import select

    from omnishop.conversations.events import ConversationMetric
    from omnishop.kernel.outbox import OutboxEvent

    await a_shop(sessions, "wa4")
    chat = Chat(sessions, fake, "whatsapp", "wa4")
    await chat.send("покажите кружки")
    bye = await chat.send("спасибо")
    assert "Пожалуйста" in texts(bye)
    rating = [b.payload for m in bye for b in m.buttons]
    assert rating == [f"csat:{n}" for n in range(1, 6)]
    conversation = await chat.conversation()
    assert conversation.status == "resolved" and conversation.resolved_by_bot

    assert await chat.press("csat:5") == []  # the rating keeps the chat closed: no bot turn
    conversation = await chat.conversation()
    assert conversation.csat == 5 and conversation.status == "resolved"
    async with sessions() as session:
        names = [
            row.payload["name"]
            for row in await session.scalars(
                select(OutboxEvent).where(OutboxEvent.topic == ConversationMetric.topic)
            )
        ]
    assert "bot_resolved" in names and "csat" in names


async def test_thanks_in_the_middle_of_a_flow_keeps_the_chat_open(
    sessions: Sessions, fake: FakeSender
) -> None:
    await a_shop(sessions, "wa5")
    chat = Chat(sessions, fake, "whatsapp", "wa5")
    await chat.send("где мой заказ?")  # waits for a number
    await chat.send("спасибо")
    assert (await chat.conversation()).status == "bot"


async def test_a_refusal_inside_a_turn_is_told_and_changes_nothing(
    sessions: Sessions, fake: FakeSender, monkeypatch: pytest.MonkeyPatch
) -> None:
    from omnishop.conversations.bot import shop as bot_shop
    from omnishop.kernel.errors import ValidationFailed

    await a_shop(sessions, "wc6")
    chat = Chat(sessions, fake, "webchat", "wc6")
    await chat.send("где мой заказ?")
    before = await chat.state()

    async def broken(turn: bot_shop.Turn, q: str | None, cursor: str | None = None) -> None:
        turn.go("search", "results", q=q)  # a write the refusal must undo
        raise ValidationFailed("search is down")

    monkeypatch.setattr(bot_shop, "find", broken)
    replies = await chat.send("покажите кружки")
    assert "Не получилось" in texts(replies) and "bot:human" in payloads(replies)
    after = await chat.state()
    assert (after.flow, after.step, after.paused) == (before.flow, before.step, before.paused)
