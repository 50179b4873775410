"""Placing an order without reading it back, and a refused placement leaving nothing behind.
SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from omnishop.inventory import reservations
from omnishop.kernel import ids
from omnishop.orders import service
from omnishop.orders.errors import OrderExists
from tests.integration.test_orders_service import hold, level, make_draft, shop, topics

SKIPPED = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


async def test_the_placed_order_reads_as_it_is_stored(session: AsyncSession) -> None:
    s = await shop(session)
    draft = await make_draft(session, s)
    await reservations.release(session=session, reservation_id=draft.lines[0].hold_ids[0])
    main, spare = (
        await hold(session, s, s.kettle, 3, s.main),
        await hold(session, s, s.kettle, 2, s.spare),
    )
    split = replace(draft.lines[0], quantity=5, hold_ids=(main, spare))
    draft = replace(draft, lines=(split, draft.lines[1]))

    placed = await service.place(session=session, draft=draft)
    stored = await service.get(session=session, order_id=placed.id)

    assert placed == stored
    assert sorted((a.location_id == s.main, a.quantity) for a in placed.lines[0].allocations) == [
        (False, 2),
        (True, 3),
    ]
    assert [(ln.shipped, ln.canceled) for ln in placed.lines] == [(0, 0), (0, 0)]
    assert placed.shipments == [] and placed.history == []


async def test_placing_reads_no_order_rows_back(
    session: AsyncSession, connection: AsyncConnection
) -> None:
    s = await shop(session)
    draft = await make_draft(session, s)
    seen: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not statement.lstrip().upper().startswith(SKIPPED):
            seen.append(" ".join(statement.split()))

    sync = connection.sync_connection
    assert sync is not None
    event.listen(sync, "before_cursor_execute", count)
    try:
        await service.place(session=session, draft=draft)
    finally:
        event.remove(sync, "before_cursor_execute", count)

    selects = [q for q in seen if q.upper().startswith("SELECT")]
    assert not [q for q in selects if " FROM orders" in q or " FROM order_" in q], selects
    assert not [q for q in selects if " FROM shipments" in q], selects


async def test_a_second_order_of_a_cart_is_refused_and_changes_nothing(
    session: AsyncSession,
) -> None:
    s = await shop(session)
    first = await make_draft(session, s)
    await service.place(session=session, draft=first)
    again = await make_draft(session, s, kettles=1, mugs=0)  # fresh holds, same cart
    again = replace(again, cart_id=first.cart_id)
    before = await level(session, s.kettle, s.main)

    with pytest.raises(OrderExists) as raised:
        await service.place(session=session, draft=again)

    assert raised.value.code == "order_exists"
    assert await level(session, s.kettle, s.main) == before == (5, 1, 2)
    held = await reservations.holds_for(session=session, reference="cart:test")
    assert [h.id for h in held] == list(again.lines[0].hold_ids)  # still held, not committed
    assert await topics(session) == ["orders.placed"]
    # The refused attempt took no number.
    other = await make_draft(session, s, kettles=1, mugs=0)
    assert (await service.place(session=session, draft=other)).number == "WEB-RU-000002"


async def test_the_caller_may_choose_the_order_id(session: AsyncSession) -> None:
    s = await shop(session)
    chosen = ids.new_id()
    draft = replace(await make_draft(session, s), order_id=chosen)

    placed = await service.place(session=session, draft=draft)

    assert placed.id == chosen
    assert (await service.get(session=session, order_id=chosen)).cart_id == draft.cart_id
