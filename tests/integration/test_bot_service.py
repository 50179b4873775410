"""The chat bot looks after the customer, on SQLite and PostgreSQL: order status for their own
orders only, returns, loyalty, stores near them, sign-in by code and reviews; the dialogue
state (topic switch and resume, timeouts, once per event); handoffs and resolving by the bot."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.conversations import jobs, service, wire
from omnishop.conversations.bot import engine
from omnishop.conversations.bot import jobs as bot_jobs
from omnishop.conversations.models import QUEUED
from omnishop.customers.models import Customer
from omnishop.kernel.db import unit_of_work
from omnishop.orders import service as orders
from tests.integration.bot_fixtures import Chat, Unsure, a_shop, payloads, texts
from tests.integration.conversations_fixtures import FakeSender, inbound
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
    assert mine.status == "placed"
    # The states in words, as on the storefront's order page, not their codes.
    assert f"Заказ {mine.number}: Оформлен, оплата: Ожидает оплаты." in texts(told)

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
    # Not delivered yet: the returns service's reason, and the order's page to follow it.
    back = await chat.send(f"хочу вернуть заказ {mine.number}")
    assert "ещё не доставлен" in texts(back)
    assert any(p.endswith(f"/order/{mine.token}") for p in payloads(back))

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
