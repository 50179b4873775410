"""Orders on SQLite and PostgreSQL: placing an order from held stock, numbering, reading it
back, following its payment and canceling it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.channels import service as channels
from omnishop.channels.schemas import ChannelCreate
from omnishop.inventory import reservations
from omnishop.inventory import service as inventory
from omnishop.inventory.errors import HoldReleased
from omnishop.inventory.ledger import verify_ledger
from omnishop.inventory.models import StockLevel
from omnishop.kernel import clock, ids
from omnishop.kernel.errors import NotFound
from omnishop.kernel.outbox import OutboxEvent
from omnishop.orders import service
from omnishop.orders.drafts import DraftLine, OrderDraft
from omnishop.orders.errors import HoldsMismatch, OrderExists
from omnishop.orders.rules import InvalidOrderTransition
from omnishop.orders.schemas import OrderFilters
from tests.integration.test_inventory import location, variant


@dataclass(frozen=True)
class Shop:
    channel_id: uuid.UUID
    kettle: uuid.UUID
    mug: uuid.UUID
    main: uuid.UUID
    spare: uuid.UUID


async def shop(session: AsyncSession, code: str = "web-ru") -> Shop:
    """Given a channel, two variants and two warehouses (main first) with 5 of each."""
    channel = await channels.create(
        session=session,
        data=ChannelCreate(
            code=code, name="Web", kind="web", currency="RUB", default_locale="ru", country="RU"
        ),
    )
    kettle, mug = await variant(session, f"kettle-{code}"), await variant(session, f"mug-{code}")
    main = await location(session, f"main-{code}", priority=1)
    spare = await location(session, f"spare-{code}", priority=2)
    for vid in (kettle, mug):
        for lid in (main, spare):
            await inventory.set_on_hand(
                session=session, variant_id=vid, location_id=lid, quantity=5
            )
    return Shop(channel.id, kettle, mug, main, spare)


async def hold(
    session: AsyncSession, s: Shop, vid: uuid.UUID, qty: int, at: uuid.UUID | None = None
) -> uuid.UUID:
    reservation = await reservations.reserve(
        session=session,
        variant_id=vid,
        quantity=qty,
        reference="cart:test",
        channel_id=s.channel_id,
        location_id=at,
    )
    return reservation.id


async def make_draft(
    session: AsyncSession,
    s: Shop,
    *,
    kettles: int = 2,
    mugs: int = 1,
    payment_method: str = "card",
    payment_id: uuid.UUID | None = None,
    delivery: dict[str, object] | None = None,
    customer_id: uuid.UUID | None = None,
) -> OrderDraft:
    """A draft of kettles (held at main) and mugs, the way checkout hands it over."""
    lines = [
        DraftLine(
            s.kettle,
            "kettle-1",
            "Kettle",
            kettles,
            150_000,
            (await hold(session, s, s.kettle, kettles, s.main),),
        )
    ]
    if mugs:
        lines.append(
            DraftLine(
                s.mug, "mug-1", "Mug", mugs, 50_000, (await hold(session, s, s.mug, mugs, s.main),)
            )
        )
    return OrderDraft(
        channel_id=s.channel_id,
        cart_id=ids.new_id(),
        currency="RUB",
        lines=tuple(lines),
        shipping_amount=30_000,
        email="Buyer@Example.com",
        phone="+79990001122",
        customer_id=customer_id,
        delivery=delivery or {"kind": "shipping", "method": "courier", "name": "Courier"},
        payment_id=payment_id or ids.new_id(),
        payment_method=payment_method,
    )


async def level(session: AsyncSession, vid: uuid.UUID, lid: uuid.UUID) -> tuple[int, int, int]:
    row = (
        await session.execute(
            select(StockLevel.on_hand, StockLevel.reserved, StockLevel.committed)
            .where(StockLevel.variant_id == vid, StockLevel.location_id == lid)
            .execution_options(populate_existing=True)
        )
    ).one()
    return row[0], row[1], row[2]


async def topics(session: AsyncSession) -> list[str]:
    rows = await session.scalars(select(OutboxEvent.topic).order_by(OutboxEvent.created_at))
    return [t for t in rows if t.startswith("orders.")]


async def test_placing_commits_the_holds_numbers_the_order_and_announces_it(
    session: AsyncSession,
) -> None:
    s = await shop(session)
    draft = await make_draft(session, s)

    order = await service.place(session=session, draft=draft)

    assert order.number == "WEB-RU-000001"
    assert (order.status, order.payment_status) == ("placed", "pending")
    assert (order.subtotal, order.shipping_amount, order.total) == (350_000, 30_000, 380_000)
    assert [(ln.sku, ln.quantity, ln.total) for ln in order.lines] == [
        ("kettle-1", 2, 300_000),
        ("mug-1", 1, 50_000),
    ]
    assert order.lines[0].allocations[0].location_id == s.main
    assert await level(session, s.kettle, s.main) == (5, 0, 2)
    assert await reservations.holds_for(session=session, reference="cart:test") == []
    assert (await verify_ledger(session=session, variant_id=s.kettle, location_id=s.main)).ok
    assert await topics(session) == ["orders.placed"]
    assert len(order.token) >= 30
    assert (await service.get_by_token(session=session, token=order.token)).id == order.id
    assert (await service.get_by_cart(session=session, cart_id=draft.cart_id)) is not None


async def test_numbers_run_per_channel(session: AsyncSession) -> None:
    web, tg = await shop(session, "web"), await shop(session, "tg-bot-shop")

    first = await service.place(session=session, draft=await make_draft(session, web, mugs=0))
    second = await service.place(session=session, draft=await make_draft(session, web, mugs=0))
    other = await service.place(session=session, draft=await make_draft(session, tg, mugs=0))

    assert [first.number, second.number, other.number] == [
        "WEB-000001",
        "WEB-000002",
        "TG-BOT-000001",
    ]


async def test_a_line_split_over_locations_is_allocated_at_each(session: AsyncSession) -> None:
    s = await shop(session)
    base = await make_draft(session, s, kettles=1, mugs=0)  # its own hold is left aside
    holds = (
        await hold(session, s, s.kettle, 4, s.main),
        await hold(session, s, s.kettle, 2, s.spare),
    )
    draft = replace(base, lines=(DraftLine(s.kettle, "kettle-1", "Kettle", 6, 100, holds),))

    order = await service.place(session=session, draft=draft)

    assert sorted((a.location_id == s.main, a.quantity) for a in order.lines[0].allocations) == [
        (False, 2),
        (True, 4),
    ]
    assert await level(session, s.kettle, s.spare) == (5, 0, 2)


async def test_a_cart_becomes_at_most_one_order(session: AsyncSession) -> None:
    s = await shop(session)
    draft = await make_draft(session, s)
    await service.place(session=session, draft=draft)
    again = replace(draft, lines=(await make_draft(session, s, mugs=0)).lines)

    with pytest.raises(OrderExists) as raised:
        await service.place(session=session, draft=again)

    assert raised.value.code == "order_exists"


async def test_placing_twice_with_the_same_holds_is_order_exists(session: AsyncSession) -> None:
    s = await shop(session)
    draft = await make_draft(session, s)
    await service.place(session=session, draft=draft)

    with pytest.raises(OrderExists):
        await service.place(session=session, draft=draft)


async def test_a_lapsed_hold_refuses_the_order_and_changes_nothing(
    session: AsyncSession,
) -> None:
    s = await shop(session)
    draft = await make_draft(session, s)
    await reservations.release(session=session, reservation_id=draft.lines[1].hold_ids[0])
    await session.commit()

    with pytest.raises(HoldReleased):
        async with session.begin_nested():
            await service.place(session=session, draft=draft)

    assert await level(session, s.kettle, s.main) == (5, 2, 0)
    assert await service.get_by_cart(session=session, cart_id=draft.cart_id) is None


async def test_holds_that_do_not_match_the_line_are_refused(session: AsyncSession) -> None:
    s = await shop(session)
    draft = await make_draft(session, s, kettles=2)
    wrong = replace(draft, lines=(replace(draft.lines[0], quantity=3), draft.lines[1]))

    with pytest.raises(HoldsMismatch) as raised:
        await service.place(session=session, draft=wrong)

    assert raised.value.field == "lines[0].hold_ids"


async def test_mark_paid_moves_a_placed_order_once(session: AsyncSession) -> None:
    s = await shop(session)
    order = await service.place(session=session, draft=await make_draft(session, s))

    paid = await service.mark_paid(session=session, order_id=order.id)
    again = await service.mark_paid(session=session, order_id=order.id)
    detail = await service.get(session=session, order_id=order.id, with_history=True)

    assert (paid.status, paid.payment_status) == ("paid", "paid")
    assert (again.status, again.payment_status) == ("paid", "paid")
    assert await topics(session) == ["orders.placed", "orders.paid"]
    assert [(h.from_status, h.to_status) for h in detail.history] == [
        (None, "placed"),
        ("placed", "paid"),
    ]


async def test_payment_news_only_moves_forward(session: AsyncSession) -> None:
    s = await shop(session)
    order = await service.place(session=session, draft=await make_draft(session, s))
    await service.set_payment_status(session=session, order_id=order.id, payment_status="refunded")

    late = await service.set_payment_status(
        session=session, order_id=order.id, payment_status="authorized"
    )

    assert late.payment_status == "refunded"


async def test_cancel_returns_unshipped_stock_and_announces_it(session: AsyncSession) -> None:
    s = await shop(session)
    order = await service.place(session=session, draft=await make_draft(session, s))

    canceled = await service.cancel(
        session=session, order_id=order.id, reason="buyer asked", actor="staff:1"
    )
    twice = await service.cancel(session=session, order_id=order.id, reason="again", actor="x")

    assert (canceled.status, canceled.cancel_reason) == ("canceled", "buyer asked")
    assert twice.cancel_reason == "buyer asked"
    assert await level(session, s.kettle, s.main) == (5, 0, 0)
    assert canceled.lines[0].canceled == 2
    assert await topics(session) == ["orders.placed", "orders.canceled"]
    assert (await verify_ledger(session=session, variant_id=s.mug, location_id=s.main)).ok


async def test_a_shipped_order_cannot_be_canceled(session: AsyncSession) -> None:
    from omnishop.orders.schemas import ShipmentCreate

    s = await shop(session)
    order = await service.place(session=session, draft=await make_draft(session, s))
    await service.create_shipment(session=session, order_id=order.id, data=ShipmentCreate())

    with pytest.raises(InvalidOrderTransition):
        await service.cancel(session=session, order_id=order.id, reason="late", actor="staff")


async def test_unknown_orders_are_not_found(session: AsyncSession) -> None:
    with pytest.raises(NotFound):
        await service.get(session=session, order_id=ids.new_id())
    with pytest.raises(NotFound):
        await service.get_by_token(session=session, token="nope")
    with pytest.raises(NotFound):
        await service.mark_paid(session=session, order_id=ids.new_id())


async def test_staff_list_filters_and_pages_newest_first(session: AsyncSession) -> None:
    s = await shop(session)
    start = clock.now()
    placed = []
    for minutes in range(3):
        clock.freeze(start + timedelta(minutes=minutes))
        draft = await make_draft(session, s, kettles=1, mugs=minutes % 2)
        placed.append(await service.place(session=session, draft=draft))
    await service.mark_paid(session=session, order_id=placed[0].id)

    first = await service.list_orders(session=session, filters=OrderFilters(), cursor=None, limit=2)
    rest = await service.list_orders(
        session=session, filters=OrderFilters(), cursor=first.next_cursor, limit=2
    )
    paid = await service.list_orders(
        session=session, filters=OrderFilters(payment_status="paid"), cursor=None, limit=10
    )
    by_email = await service.list_orders(
        session=session, filters=OrderFilters(email="buyer@example.COM"), cursor=None, limit=10
    )
    later = await service.list_orders(
        session=session,
        filters=OrderFilters(placed_from=start + timedelta(seconds=30)),
        cursor=None,
        limit=10,
    )

    assert [o.number for o in first.data + rest.data] == [p.number for p in reversed(placed)]
    assert rest.next_cursor is None
    assert [o.id for o in paid.data] == [placed[0].id]
    assert len(by_email.data) == 3
    assert len(later.data) == 2
    assert [o.items for o in first.data] == [1, 2]
