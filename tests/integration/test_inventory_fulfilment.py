"""Stock after the cart on SQLite and PostgreSQL: commit, ship, cancel, abandon."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.inventory import fulfilment, reservations, service
from omnishop.inventory.errors import HoldReleased, OutOfStock
from omnishop.inventory.ledger import verify_ledger
from omnishop.inventory.models import StockLevel
from tests.integration.test_inventory import location, variant


async def quantities(session: AsyncSession) -> tuple[int, int, int]:
    row = (
        await session.execute(
            select(StockLevel.on_hand, StockLevel.reserved, StockLevel.committed).execution_options(
                populate_existing=True
            )
        )
    ).one()
    return row[0], row[1], row[2]


async def test_a_hold_becomes_an_order_then_a_shipment_and_the_ledger_follows(
    session: AsyncSession,
) -> None:
    vid, lid = await variant(session), await location(session, "main")
    await service.set_on_hand(session=session, variant_id=vid, location_id=lid, quantity=5)
    hold = await reservations.reserve(
        session=session, variant_id=vid, quantity=3, reference="cart", channel_id=None
    )

    await fulfilment.commit_hold(session=session, reservation_id=hold.id, reference="order-1")
    committed = await quantities(session)
    await fulfilment.ship(
        session=session, variant_id=vid, location_id=lid, quantity=2, reference="order-1"
    )
    shipped = await quantities(session)
    await fulfilment.release_committed(
        session=session, variant_id=vid, location_id=lid, quantity=1, reference="order-1"
    )

    assert committed == (5, 0, 3)
    assert shipped == (3, 0, 1)
    assert await quantities(session) == (3, 0, 0)
    assert await reservations.holds_for(session=session, reference="cart") == []
    assert (await verify_ledger(session=session, variant_id=vid, location_id=lid)).ok
    with pytest.raises(OutOfStock):
        await fulfilment.ship(
            session=session, variant_id=vid, location_id=lid, quantity=1, reference="order-1"
        )


async def test_a_released_hold_cannot_become_an_order(session: AsyncSession) -> None:
    vid, lid = await variant(session), await location(session, "main")
    await service.set_on_hand(session=session, variant_id=vid, location_id=lid, quantity=2)
    hold = await reservations.reserve(
        session=session, variant_id=vid, quantity=2, reference="cart", channel_id=None
    )
    await reservations.release(session=session, reservation_id=hold.id)

    with pytest.raises(HoldReleased) as raised:
        await fulfilment.commit_hold(session=session, reservation_id=hold.id)

    assert raised.value.code == "reservation_released"
    assert await quantities(session) == (2, 0, 0)


async def test_abandoning_a_cart_releases_all_its_holds_at_once(session: AsyncSession) -> None:
    vid, lid = await variant(session), await location(session, "main")
    await service.set_on_hand(session=session, variant_id=vid, location_id=lid, quantity=4)
    for _ in range(2):
        await reservations.reserve(
            session=session, variant_id=vid, quantity=1, reference="cart", channel_id=None
        )
    await reservations.reserve(
        session=session, variant_id=vid, quantity=1, reference="other", channel_id=None
    )

    released = await fulfilment.release_reference(session=session, reference="cart")

    assert released == 2
    assert await quantities(session) == (4, 1, 0)
    assert (await verify_ledger(session=session, variant_id=vid, location_id=lid)).ok
