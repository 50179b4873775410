"""Order status pushes through a local fake push service, on SQLite and PostgreSQL: opt-in on
the confirmation page or as a signed-in customer, VAPID-signed and encrypted, at most once per
notification, gone subscriptions deleted, unsubscribe honoured."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop import handlers
from omnishop.customers import identities, push
from omnishop.customers.push_models import PushSubscription
from omnishop.kernel.db import unit_of_work
from omnishop.kernel.errors import ValidationFailed
from omnishop.kernel.events import HANDLERS
from omnishop.kernel.settings import get_settings
from omnishop.orders import events, push_jobs
from omnishop.orders import service as orders
from omnishop.orders.schemas import OrderInfo
from tests.integration.test_orders_service import make_draft, shop
from tests.push_fixtures import Browser, FakePushService, check_vapid, push_service

__all__ = ["push_service"]
Sessions = async_sessionmaker[AsyncSession]


async def an_order(sessions: Sessions, customer_id: uuid.UUID | None = None) -> OrderInfo:
    async with unit_of_work(sessions) as session:
        s = await shop(session, code=f"web-{uuid.uuid4().hex[:6]}")
        draft = await make_draft(session, s, payment_method="cod", customer_id=customer_id)
        return await orders.place(session=session, draft=draft)


async def opt_in(
    sessions: Sessions,
    fake: FakePushService,
    name: str,
    browser: Browser,
    *,
    order_id: uuid.UUID | None = None,
    customer_id: uuid.UUID | None = None,
    locale: str = "ru",
) -> uuid.UUID:
    async with unit_of_work(sessions) as session:
        return await push.subscribe(
            session=session,
            endpoint=fake.endpoint(name),
            p256dh=browser.p256dh,
            auth=browser.auth_b64,
            locale=locale,
            order_id=order_id,
            customer_id=customer_id,
            allow_http_localhost=True,
        )


async def paid(sessions: Sessions, order: OrderInfo) -> None:
    """The order is paid; the worker runs the push handler of ``orders.paid``."""
    async with unit_of_work(sessions) as session:
        await orders.mark_paid(session=session, order_id=order.id)
    event = events.OrderPaid(
        order_id=order.id, number=order.number, channel_id=order.channel_id, total=1, currency="RUB"
    )
    async with unit_of_work(sessions) as session:
        await push_jobs.push_when_paid(session, event)


def test_the_push_handlers_are_registered_with_the_worker() -> None:
    handlers.register()
    assert push_jobs.push_when_paid in HANDLERS[events.OrderPaid.topic]
    assert push_jobs.push_when_shipped in HANDLERS[events.OrderShipped.topic]


async def test_a_paid_order_pushes_to_the_browser_that_opted_in_on_its_confirmation_page(
    sessions: Sessions, push_service: FakePushService
) -> None:
    order = await an_order(sessions)
    guest, stranger = Browser(), Browser()
    await opt_in(sessions, push_service, "guest", guest, order_id=order.id, locale="en")
    await opt_in(
        sessions, push_service, "stranger", stranger, order_id=(await an_order(sessions)).id
    )

    await paid(sessions, order)

    [got] = push_service.for_endpoint("guest")
    assert push_service.for_endpoint("stranger") == []
    check_vapid(got, get_settings(), audience=push_service.base)
    assert got.headers["content-encoding"] == "aes128gcm"
    assert int(got.headers["ttl"]) > 0
    message = guest.decrypt(got.body)
    assert message["title"] == f"Order {order.number}"
    assert message["url"] == f"/order/{order.token}"
    assert message["body"]


async def test_a_signed_in_customers_browsers_get_their_orders_news_in_their_language(
    sessions: Sessions, push_service: FakePushService
) -> None:
    async with unit_of_work(sessions) as session:
        who = await identities.sign_in(
            session=session, kind="telegram", external_id=str(uuid.uuid4().int)[:12]
        )
    order = await an_order(sessions, customer_id=who.customer_id)
    phone, laptop = Browser(), Browser()
    await opt_in(sessions, push_service, "phone", phone, customer_id=who.customer_id, locale="ka")
    await opt_in(sessions, push_service, "laptop", laptop, customer_id=who.customer_id)

    await paid(sessions, order)

    assert phone.decrypt(push_service.for_endpoint("phone")[0].body)["title"].endswith(order.number)
    ru = laptop.decrypt(push_service.for_endpoint("laptop")[0].body)
    assert ru["title"] == f"Заказ {order.number}"


async def test_a_redelivered_event_does_not_push_twice(
    sessions: Sessions, push_service: FakePushService
) -> None:
    order = await an_order(sessions)
    await opt_in(sessions, push_service, "once", Browser(), order_id=order.id)

    await paid(sessions, order)
    await paid(sessions, order)  # the outbox delivers at least once

    assert len(push_service.for_endpoint("once")) == 1


async def test_each_shipment_is_its_own_notification(
    sessions: Sessions, push_service: FakePushService
) -> None:
    order = await an_order(sessions)
    browser = Browser()
    await opt_in(sessions, push_service, "ship", browser, order_id=order.id, locale="en")
    for shipment_id in (uuid.uuid4(), uuid.uuid4()):
        event = events.OrderShipped(
            order_id=order.id,
            number=order.number,
            channel_id=order.channel_id,
            shipment_id=shipment_id,
            carrier="cdek",
            tracking_number="T1",
            complete=False,
        )
        async with unit_of_work(sessions) as session:
            await push_jobs.push_when_shipped(session, event)

    got = push_service.for_endpoint("ship")
    assert len(got) == 2
    assert browser.decrypt(got[0].body)["body"] == "Your order is on its way."


@pytest.mark.parametrize(("status", "kept"), [(410, False), (404, False), (500, True), (429, True)])
async def test_gone_subscriptions_are_deleted_and_failing_ones_kept_for_a_retry(
    sessions: Sessions, push_service: FakePushService, status: int, kept: bool
) -> None:
    order = await an_order(sessions)
    sid = await opt_in(sessions, push_service, f"s{status}", Browser(), order_id=order.id)
    push_service.status[f"/push/s{status}"] = status

    await paid(sessions, order)

    async with sessions() as session:
        assert (await session.get(PushSubscription, sid) is not None) is kept
    if kept:  # not recorded as sent: the next delivery of the event tries again
        push_service.status.clear()
        await paid(sessions, order)
        assert len(push_service.for_endpoint(f"s{status}")) == 2


async def test_unsubscribed_browsers_get_nothing(
    sessions: Sessions, push_service: FakePushService
) -> None:
    order = await an_order(sessions)
    await opt_in(sessions, push_service, "bye", Browser(), order_id=order.id)
    async with unit_of_work(sessions) as session:
        assert await push.unsubscribe(session=session, endpoint=push_service.endpoint("bye"))
        assert not await push.unsubscribe(session=session, endpoint=push_service.endpoint("bye"))

    await paid(sessions, order)

    assert push_service.received == []


async def test_subscribing_again_keeps_one_row_per_browser(
    sessions: Sessions, push_service: FakePushService
) -> None:
    browser = Browser()
    first = await opt_in(sessions, push_service, "same", browser)
    again = await opt_in(sessions, push_service, "same", browser, locale="ka")

    assert first == again
    async with sessions() as session:
        count = await session.scalar(
            select(func.count())
            .where(PushSubscription.endpoint_hash.is_not(None))
            .select_from(PushSubscription)
            .where(PushSubscription.id == first)
        )
        row = await session.get(PushSubscription, first)
    assert count == 1 and row is not None and row.locale == "ka"


@pytest.mark.parametrize(
    ("endpoint", "p256dh", "auth"),
    [
        ("http://push.example.com/x", None, None),  # not https
        ("https://10.0.0.5/x", None, None),  # private address
        ("https://localhost/x", None, None),
        ("ftp://push.example.com/x", None, None),
        ("https://push.example.com/x", "AAAA", None),  # not a P-256 point
        ("https://push.example.com/x", None, "c2hvcnQ"),  # auth too short
        ("https://push.example.com/x", "!!!", None),
    ],
)
async def test_unusable_subscriptions_are_refused(
    session: AsyncSession, endpoint: str, p256dh: str | None, auth: str | None
) -> None:
    browser = Browser()
    with pytest.raises(ValidationFailed):
        await push.subscribe(
            session=session,
            endpoint=endpoint,
            p256dh=p256dh or browser.p256dh,
            auth=auth or browser.auth_b64,
            locale="ru",
        )


async def test_another_orders_news_reaches_nobody_here(
    sessions: Sessions, push_service: FakePushService
) -> None:
    order = await an_order(sessions)
    await opt_in(sessions, push_service, "mine", Browser(), order_id=order.id)
    async with unit_of_work(sessions) as session:
        targets = await push.targets_for_order(
            session=session, order_id=uuid.uuid4(), customer_id=None, key="x"
        )
    assert targets == []


async def test_a_click_and_collect_order_ready_for_pickup_is_pushed(
    sessions: Sessions, push_service: FakePushService
) -> None:
    order = await an_order(sessions)
    browser = Browser()
    await opt_in(sessions, push_service, "pickup", browser, order_id=order.id, locale="ru")
    event = events.OrderReadyForPickup(
        order_id=order.id,
        number=order.number,
        channel_id=order.channel_id,
        customer_id=None,
        location_id=uuid.uuid4(),
        expires_at="2030-01-01T00:00:00+00:00",
        actor="staff",
    )
    async with unit_of_work(sessions) as session:
        await push_jobs.push_when_ready(session, event)

    [got] = push_service.for_endpoint("pickup")
    assert browser.decrypt(got.body)["body"] == "Ваш заказ готов к выдаче."
