"""Unasked messages on both engines: only with consent, once per event, capped per day, held
through the customer's quiet hours, templated outside WhatsApp's window, with a stop line."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.checkout import service as checkout
from omnishop.conversations import (
    cart_reminders,
    consent,
    jobs,
    notification_jobs,
    notifications,
    service,
    stock_watch,
)
from omnishop.conversations.models import Message
from omnishop.customers.models import Customer
from omnishop.inventory import service as inventory
from omnishop.kernel import clock
from omnishop.kernel.db import unit_of_work
from omnishop.orders import service as orders
from omnishop.orders.events import OrderPaid
from tests.integration.conversations_fixtures import channel, inbound
from tests.integration.test_cart_fixtures import open_shop
from tests.integration.test_orders_service import make_draft, shop

pytestmark = pytest.mark.usefixtures("without_bot")

NOON_UTC = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # 12:00 in Moscow


async def chat(
    session: AsyncSession, platform: str, *, opt_in: bool, sent_at: datetime | None = None
) -> tuple[uuid.UUID, uuid.UUID]:
    """A customer (in Russia) who wrote to us, and who said START when ``opt_in``."""
    code = await channel(session, platform)
    sender = f"s-{uuid.uuid4().hex[:8]}"
    got = await service.receive(
        session=session, message=inbound(platform, code, sender, sent_at=sent_at)
    )
    if opt_in:
        await service.receive(
            session=session,
            message=inbound(platform, code, sender, kind="opt_in", text="START", sent_at=sent_at),
        )
    assert got.customer_id is not None and got.conversation_id is not None
    customer = await session.get(Customer, got.customer_id)
    assert customer is not None
    customer.country = "RU"
    await session.flush()
    return got.customer_id, got.conversation_id


async def notify(
    session: AsyncSession, customer_id: uuid.UUID, ref: str = "o1", **kw: str
) -> notifications.Outcome:
    return await notifications.notify_order(
        session=session,
        customer_id=customer_id,
        trigger=kw.pop("trigger", "order_paid"),
        reference=ref,
        number="A-1001",
        **kw,
    )


async def test_without_consent_nothing_is_sent(session: AsyncSession) -> None:
    clock.freeze(NOON_UTC)
    customer_id, _ = await chat(session, "telegram", opt_in=False)
    assert (await notify(session, customer_id)).reason == "no_consent"
    assert await session.scalar(select(Message.id).where(Message.direction == "out")) is None


async def test_an_opted_in_customer_hears_once_per_event_with_a_way_to_stop(
    session: AsyncSession,
) -> None:
    clock.freeze(NOON_UTC)
    customer_id, conversation_id = await chat(session, "telegram", opt_in=True)

    first = await notify(session, customer_id, url="https://shop.example/order/t")
    again = await notify(session, customer_id, url="https://shop.example/order/t")

    assert first.sent and first.reason == "queued"
    assert again.reason == "duplicate"
    [message] = [
        m
        for m in await service.history(session=session, conversation_id=conversation_id)
        if m.direction == "out"
    ]
    assert "A-1001" in message.body["text"] and "STOP" in message.body["text"]
    assert message.body["buttons"][0]["url"] == "https://shop.example/order/t"


async def test_stop_ends_the_notifications(session: AsyncSession) -> None:
    clock.freeze(NOON_UTC)
    customer_id, conversation_id = await chat(session, "sms", opt_in=True)
    info = await service.get(session=session, conversation_id=conversation_id)
    code = "sms-t"
    await service.receive(
        session=session,
        message=inbound("sms", code, info.external_sender_id, kind="opt_out", text="STOP"),
    )
    assert (await notify(session, customer_id)).reason == "no_consent"


async def test_the_daily_cap_holds(session: AsyncSession) -> None:
    clock.freeze(NOON_UTC)
    customer_id, _ = await chat(session, "telegram", opt_in=True)
    outcomes = [(await notify(session, customer_id, ref=f"o{n}")).reason for n in range(4)]
    assert outcomes == ["queued", "queued", "queued", "capped"]
    clock.freeze(NOON_UTC + timedelta(days=1, minutes=1))
    assert (await notify(session, customer_id, ref="o9")).reason == "queued"


async def test_quiet_hours_hold_the_message_until_morning(session: AsyncSession) -> None:
    late = datetime(2026, 3, 2, 20, 0, tzinfo=UTC)  # 23:00 in Moscow
    clock.freeze(late)
    customer_id, _ = await chat(session, "telegram", opt_in=True)

    held = await notify(session, customer_id)

    assert held.reason == "scheduled"
    row = await session.get(Message, held.message_id)
    assert row is not None and row.next_attempt_at == datetime(2026, 3, 3, 6, 0, tzinfo=UTC)
    clock.freeze(datetime(2026, 3, 3, 5, 0, tzinfo=UTC))
    assert await jobs.retry_sends(session) == 0
    clock.freeze(datetime(2026, 3, 3, 6, 1, tzinfo=UTC))
    assert await jobs.retry_sends(session) == 1
    await session.refresh(row)
    assert row.status == "queued"


async def test_outside_whatsapps_window_the_template_of_the_event_is_used(
    session: AsyncSession,
) -> None:
    clock.freeze(NOON_UTC)
    customer_id, _ = await chat(
        session, "whatsapp", opt_in=True, sent_at=NOON_UTC - timedelta(days=3)
    )

    shipped = await notify(session, customer_id, trigger="order_shipped", tracking="RU123")

    row = await session.get(Message, shipped.message_id)
    assert row is not None
    assert row.body["template"] == {
        "name": "order_shipped",
        "language": "ru",
        "parameters": ["A-1001"],
    }
    assert "RU123" in row.body["text"]


async def test_a_paid_order_reaches_the_buyers_opted_in_chat_through_the_worker(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """Given a Telegram buyer who said START and an order of theirs, the orders.paid event
    (handled twice) queues one message naming the order, with its status-page button."""
    clock.freeze(NOON_UTC)
    async with unit_of_work(sessions) as session:
        customer_id, conversation_id = await chat(session, "telegram", opt_in=True)
        s = await shop(session)
        order = await orders.place(
            session=session, draft=await make_draft(session, s, customer_id=customer_id)
        )
    event = OrderPaid(
        order_id=order.id, number=order.number, channel_id=s.channel_id, total=1, currency="RUB"
    )
    for _ in range(2):
        async with unit_of_work(sessions) as session:
            await notification_jobs.tell_paid(session, event)
    async with sessions() as session:
        out = [
            m
            for m in await service.history(session=session, conversation_id=conversation_id)
            if m.direction == "out"
        ]
    assert len(out) == 1
    assert order.number in out[0].body["text"]
    assert out[0].body["buttons"][0]["url"].endswith(f"/order/{order.token}")


async def test_back_in_stock_tells_only_who_asked_and_only_once(session: AsyncSession) -> None:
    clock.freeze(NOON_UTC)
    s = await shop(session)
    for location in (s.main, s.spare):
        await inventory.set_on_hand(
            session=session, variant_id=s.kettle, location_id=location, quantity=0
        )
    _, asked = await chat(session, "telegram", opt_in=False)
    _, stopped = await chat(session, "sms", opt_in=False)
    stopped_info = await service.get(session=session, conversation_id=stopped)
    await service.receive(
        session=session,
        message=inbound("sms", "sms-t", stopped_info.external_sender_id, kind="opt_out"),
    )
    for cid in (asked, stopped):
        assert await stock_watch.watch(
            session=session, conversation_id=cid, variant_id=s.kettle, title="Kettle"
        )
    assert await stock_watch.back_in_stock(session=session, variant_id=s.kettle) == 0  # still 0

    await inventory.set_on_hand(
        session=session, variant_id=s.kettle, location_id=s.main, quantity=2
    )
    told = await stock_watch.back_in_stock(session=session, variant_id=s.kettle)
    again = await stock_watch.back_in_stock(session=session, variant_id=s.kettle)

    assert (told, again) == (1, 0)
    [message] = [
        m
        for m in await service.history(session=session, conversation_id=asked)
        if m.direction == "out"
    ]
    assert "Kettle" in message.body["text"] and "STOP" in message.body["text"]


async def test_a_cart_left_in_a_chat_is_reminded_once_and_only_with_consent(
    session: AsyncSession,
) -> None:
    clock.freeze(NOON_UTC)
    s = await open_shop(session, code="chatshop")
    customer_id, cid = await chat(session, "telegram", opt_in=False)
    info = await service.get(session=session, conversation_id=cid)
    token = (await checkout.create_cart(session=session, channel=s.channel)).token
    await checkout.add_line(session=session, token=token, variant_id=s.kettle, quantity=2)
    await cart_reminders.track(
        session=session, conversation_id=cid, cart_token=token, url="https://pay.example/c"
    )

    clock.freeze(NOON_UTC + timedelta(hours=1))
    assert await cart_reminders.remind_due(session=session) == 0  # not yet
    clock.freeze(NOON_UTC + timedelta(hours=3))
    assert await cart_reminders.remind_due(session=session) == 0  # no marketing consent

    await consent.set_consent(
        session=session,
        channel_id=info.channel_id,
        identity_id=info.identity_id,  # type: ignore[arg-type]
        customer_id=customer_id,
        purpose="marketing",
        opted_in=True,
        source="bot",
    )
    await cart_reminders.track(session=session, conversation_id=cid, cart_token=token)
    clock.freeze(NOON_UTC + timedelta(hours=6))
    assert await cart_reminders.remind_due(session=session) == 1
    clock.freeze(NOON_UTC + timedelta(hours=9))
    assert await cart_reminders.remind_due(session=session) == 0  # once
    [message] = [
        m
        for m in await service.history(session=session, conversation_id=cid)
        if m.direction == "out"
    ]
    assert "2" in message.body["text"] and message.body["buttons"][0]["url"] == (
        "https://pay.example/c"
    )
