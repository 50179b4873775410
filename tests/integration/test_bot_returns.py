"""A return started in the chat, on SQLite and PostgreSQL, through the returns service: the
customer's own delivered order -> a line -> a reason -> confirm opens exactly one return;
another's order is refused without a word about it; an undelivered one with the service's
reason; a second tap on confirm opens nothing more; a topic switch pauses the return and
"continue" picks it up where it was."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.conversations import jobs, wire
from omnishop.conversations.bot import jobs as bot_jobs
from omnishop.customers.models import Customer
from omnishop.kernel import clock
from omnishop.kernel.db import unit_of_work
from omnishop.kernel.money import Money
from omnishop.orders import service as orders
from omnishop.orders.returns_models import ReturnLine, ReturnRequest
from omnishop.orders.schemas import OrderInfo, ShipmentCreate, TrackingEventCreate
from tests.integration.bot_fixtures import Chat, a_shop, payloads, texts
from tests.integration.conversations_fixtures import FakeSender
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


async def _order(
    sessions: Sessions,
    customer_id: uuid.UUID,
    *,
    delivered: bool = True,
    code: str = "web-ru",
    collected: bool = False,
) -> OrderInfo:
    """Two kettles and a mug, shipped by courier (or ``collected`` at the main store) and
    (unless told) delivered today."""
    async with unit_of_work(sessions) as session:
        s = await orders_shop(session, code)
        pickup: dict[str, object] = {"kind": "pickup", "pickup_location_id": str(s.main)}
        draft = await make_draft(
            session, s, customer_id=customer_id, delivery=pickup if collected else None
        )
        order = await orders.place(session=session, draft=draft)
        if delivered:
            shipment = await orders.create_shipment(
                session=session, order_id=order.id, data=ShipmentCreate()
            )
            await orders.add_tracking_event(
                session=session,
                shipment_id=shipment.id,
                data=TrackingEventCreate(
                    status="delivered", occurred_at=clock.now(), external_id="d"
                ),
            )
        return await orders.get(session=session, order_id=order.id)


async def _returns(sessions: Sessions, order_id: uuid.UUID) -> list[ReturnRequest]:
    async with sessions() as session:
        return list(
            await session.scalars(select(ReturnRequest).where(ReturnRequest.order_id == order_id))
        )


def _line(order: OrderInfo, sku: str) -> str:
    return next(ln.id.hex for ln in order.lines if ln.sku == sku)


def _links_to(replies: list[wire.OutboundMessage], order: OrderInfo) -> bool:
    return any(p.endswith(f"/order/{order.token}") for p in payloads(replies))


def _confirm(replies: list[wire.OutboundMessage]) -> str:
    return next(p for p in payloads(replies) if p.startswith("bot:rconfirm:"))


async def test_a_return_chosen_in_the_chat_is_opened_once_with_that_line_and_reason(
    sessions: Sessions, fake: FakeSender
) -> None:
    await a_shop(sessions, "tgr1")
    chat = Chat(sessions, fake, "telegram", "tgr1")
    await chat.send("привет")
    assert chat.customer_id is not None
    order = await _order(sessions, chat.customer_id)
    await _order(sessions, chat.customer_id, delivered=False, code="web-r2")
    kettle = _line(order, "kettle-1")

    offered = await chat.press("bot:return")
    assert payloads(offered) == [f"bot:return:{order.number}"]  # only the delivered one

    lines = await chat.press(f"bot:return:{order.number}")
    assert f"bot:rline:{kettle}" in payloads(lines) and f"bot:rall:{kettle}" in payloads(lines)
    assert _links_to(lines, order)  # "open in browser", the second choice
    await chat.press(f"bot:rline:{kettle}")
    reasons = await chat.press("bot:rnext")
    assert "bot:rreason:wrong_size" in payloads(reasons)
    asked = await chat.press("bot:rreason:wrong_size")
    assert "Kettle × 1" in texts(asked) and "Не подошёл размер" in texts(asked)
    confirm = _confirm(asked)

    done = await chat.press(confirm)
    again = await chat.press(confirm)

    (opened,) = await _returns(sessions, order.id)
    async with sessions() as session:
        returned = list(
            await session.scalars(select(ReturnLine).where(ReturnLine.return_id == opened.id))
        )
    assert [(r.order_line_id.hex, r.quantity, r.reason_code) for r in returned] == [
        (kettle, 1, "wrong_size")
    ]
    assert opened.method == "ship" and opened.created_by == f"customer:{chat.customer_id}"
    refund = Money(opened.lines_amount + opened.shipping_amount, opened.currency).format("ru")
    assert opened.lines_amount == 150_000
    said = texts(done)
    assert opened.number in said and refund in said and f"RL-{opened.number}" in said
    assert f"{opened.number} уже оформлен" in texts(again)
    assert (await chat.state()).flow is None


async def test_another_customers_order_is_refused_like_an_unknown_one(
    sessions: Sessions, fake: FakeSender
) -> None:
    await a_shop(sessions, "tgr2")
    chat = Chat(sessions, fake, "telegram", "tgr2")
    await chat.send("привет")
    async with unit_of_work(sessions) as session:
        stranger = Customer(email="stranger@example.com")
        session.add(stranger)
        await session.flush()
        stranger_id = stranger.id
    theirs = await _order(sessions, stranger_id)

    typed = await chat.send(f"хочу вернуть заказ {theirs.number}")
    pressed = await chat.press(f"bot:return:{theirs.number}")
    unknown = await chat.send("хочу вернуть заказ W-999999")

    for replies in (typed, pressed):
        assert f"Не нашёл заказ {theirs.number}" in texts(replies)
        assert not any(theirs.token in p for p in payloads(replies))
        assert "bot:rline" not in " ".join(payloads(replies))
    # Word for word what an order that does not exist gets.
    assert texts(unknown).replace("W-999999", theirs.number) == texts(typed)
    assert await _returns(sessions, theirs.id) == []


async def test_an_undelivered_order_is_refused_with_the_services_reason(
    sessions: Sessions, fake: FakeSender
) -> None:
    await a_shop(sessions, "tgr3")
    chat = Chat(sessions, fake, "telegram", "tgr3")
    await chat.send("привет")
    assert chat.customer_id is not None
    order = await _order(sessions, chat.customer_id, delivered=False)

    refused = await chat.send(f"хочу вернуть заказ {order.number}")

    assert f"Заказ {order.number} ещё не доставлен" in texts(refused)
    assert _links_to(refused, order)
    assert (await chat.state()).flow is None
    assert await _returns(sessions, order.id) == []


async def test_a_closed_window_is_refused_in_english_with_its_date(
    sessions: Sessions, fake: FakeSender
) -> None:
    await a_shop(sessions, "tgr4")
    chat = Chat(sessions, fake, "telegram", "tgr4")
    await chat.send("hello")
    assert chat.customer_id is not None
    start = clock.now()
    clock.freeze(start)
    order = await _order(sessions, chat.customer_id)
    clock.freeze(start + timedelta(days=8))  # RU distance sale: 7 days

    refused = await chat.send(f"I want to return order {order.number}")

    assert f"Returns of order {order.number} closed on" in texts(refused)
    assert "within 7 days" in texts(refused)
    assert await _returns(sessions, order.id) == []


async def test_a_topic_switch_pauses_the_return_and_continue_resumes_it(
    sessions: Sessions, fake: FakeSender
) -> None:
    await a_shop(sessions, "tgr5")
    chat = Chat(sessions, fake, "telegram", "tgr5")
    await chat.send("привет")
    assert chat.customer_id is not None
    order = await _order(sessions, chat.customer_id)
    mug = _line(order, "mug-1")

    await chat.send(f"хочу вернуть заказ {order.number}")
    await chat.press(f"bot:rall:{mug}")
    switched = await chat.send("покажите кружки")
    assert [c.title for m in switched for c in m.cards] == ["Кружка"]
    assert "bot:resume" in payloads(switched)
    state = await chat.state()
    assert state.flow == "search" and [p["flow"] for p in state.paused] == ["return"]

    back = await chat.send("продолжим")
    assert f"Заказ {order.number}" in texts(back) and "Mug × 1" in texts(back)
    assert "bot:rnext" in payloads(back)
    await chat.press("bot:rnext")
    asked = await chat.press("bot:rreason:damaged")
    await chat.press(_confirm(asked))

    (opened,) = await _returns(sessions, order.id)
    assert opened.lines_amount == 50_000 and (await chat.state()).paused == []


async def test_an_order_collected_at_a_store_is_brought_back_there(
    sessions: Sessions, fake: FakeSender
) -> None:
    await a_shop(sessions, "tgr6")
    chat = Chat(sessions, fake, "telegram", "tgr6")
    await chat.send("привет")
    assert chat.customer_id is not None
    order = await _order(sessions, chat.customer_id, collected=True, code="web-r6")
    kettle = _line(order, "kettle-1")

    await chat.press(f"bot:return:{order.number}")
    await chat.press(f"bot:rall:{kettle}")
    await chat.press("bot:rnext")
    asked = await chat.press("bot:rreason:changed_mind")
    assert "Kettle × 2" in texts(asked)
    done = await chat.press(_confirm(asked))

    (opened,) = await _returns(sessions, order.id)
    store = uuid.UUID(str(order.delivery["pickup_location_id"]))
    assert (opened.method, opened.drop_off_location_id) == ("drop_off", store)
    assert opened.label_tracking_number is None
    assert "Принесите товар в магазин «main-web-r6»" in texts(done)


async def test_the_confirm_button_of_a_return_put_aside_still_opens_it(
    sessions: Sessions, fake: FakeSender
) -> None:
    await a_shop(sessions, "tgr7")
    chat = Chat(sessions, fake, "telegram", "tgr7")
    await chat.send("привет")
    assert chat.customer_id is not None
    order = await _order(sessions, chat.customer_id, code="web-r7")

    await chat.press(f"bot:return:{order.number}")
    await chat.press(f"bot:rline:{_line(order, 'mug-1')}")
    await chat.press("bot:rnext")
    asked = await chat.press("bot:rreason:defective")
    await chat.send("покажите кружки")  # a topic switch at the last step
    assert [p["flow"] for p in (await chat.state()).paused] == ["return"]

    done = await chat.press(_confirm(asked))

    (opened,) = await _returns(sessions, order.id)
    assert opened.number in texts(done)
    state = await chat.state()
    assert state.flow is None and state.paused == []  # search results are not kept aside
