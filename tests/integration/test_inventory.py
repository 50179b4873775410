"""Inventory on SQLite and PostgreSQL: the movement ledger, cart holds and staff operations."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.catalog import service as catalog
from omnishop.catalog.schemas import ProductCreate, TranslationIn, VariantCreate
from omnishop.channels import service as channels
from omnishop.channels.schemas import ChannelCreate
from omnishop.inventory import operations, reservations, service
from omnishop.inventory.errors import OutOfStock, StockChangedConcurrently
from omnishop.inventory.ledger import verify_ledger
from omnishop.inventory.models import LocationKind, StockLevel, StockMovement
from omnishop.inventory.schemas import (
    Adjustment,
    LevelSet,
    LocationCreate,
    StockCount,
    TransferCreate,
)
from omnishop.kernel import clock
from omnishop.kernel.errors import NotFound
from omnishop.kernel.outbox import OutboxEvent


async def variant(session: AsyncSession, slug: str = "p") -> uuid.UUID:
    product = await catalog.create_product(
        session=session,
        data=ProductCreate(
            slug=slug,
            translations={"ru": TranslationIn(name="P")},
            variants=[VariantCreate(sku=f"{slug}-1")],
        ),
    )
    bundle = await catalog.get_bundle(session=session, id_or_slug=str(product.id))
    return bundle.variants[0].id


async def location(session: AsyncSession, code: str, priority: int = 100) -> uuid.UUID:
    data = LocationCreate(
        code=code, name=code, kind=LocationKind.WAREHOUSE, country="RU", priority=priority
    )
    return (await service.create_location(session=session, data=data)).id


async def level(session: AsyncSession, vid: uuid.UUID, lid: uuid.UUID) -> tuple[int, int]:
    row = (
        await session.execute(
            select(StockLevel.on_hand, StockLevel.reserved)
            .where(StockLevel.variant_id == vid, StockLevel.location_id == lid)
            .execution_options(populate_existing=True)
        )
    ).one()
    return row[0], row[1]


async def stock_events(session: AsyncSession) -> int:
    return int(
        await session.scalar(
            select(func.count())
            .select_from(OutboxEvent)
            .where(OutboxEvent.topic == "inventory.stock_changed")
        )
        or 0
    )


async def test_every_count_is_a_movement_and_the_ledger_rebuilds_the_level(
    session: AsyncSession,
) -> None:
    vid, lid = await variant(session), await location(session, "main")

    await service.set_on_hand(session=session, variant_id=vid, location_id=lid, quantity=10)
    await service.set_on_hand_many(
        session=session, counts=[StockCount(vid, lid, 4)], reason="stocktake", actor="alice"
    )

    deltas = list(
        await session.scalars(
            select(StockMovement.delta)
            .where(StockMovement.variant_id == vid)
            .order_by(StockMovement.created_at, StockMovement.delta.desc())
        )
    )
    check = await verify_ledger(session=session, variant_id=vid, location_id=lid)
    assert deltas == [10, -6]
    assert check.ok and check.level["on_hand"] == 4


async def test_a_level_changed_behind_the_ledger_fails_verification(
    session: AsyncSession,
) -> None:
    vid, lid = await variant(session), await location(session, "main")
    await service.set_on_hand(session=session, variant_id=vid, location_id=lid, quantity=5)

    stock = await session.scalar(select(StockLevel).where(StockLevel.variant_id == vid))
    assert stock is not None
    stock.on_hand = 7  # a write that bypassed the service
    await session.flush()

    check = await verify_ledger(session=session, variant_id=vid, location_id=lid)
    assert not check.ok
    assert (check.level["on_hand"], check.ledger["on_hand"]) == (7, 5)


async def test_a_hold_takes_from_the_first_location_by_priority_that_has_enough(
    session: AsyncSession,
) -> None:
    vid = await variant(session)
    first, second = await location(session, "a", priority=1), await location(session, "b", 2)
    await service.set_on_hand(session=session, variant_id=vid, location_id=first, quantity=2)
    await service.set_on_hand(session=session, variant_id=vid, location_id=second, quantity=5)
    events_before = await stock_events(session)

    small = await reservations.reserve(
        session=session, variant_id=vid, quantity=2, reference="cart-1", channel_id=None
    )
    large = await reservations.reserve(
        session=session, variant_id=vid, quantity=3, reference="cart-2", channel_id=None
    )

    assert (small.location_id, large.location_id) == (first, second)
    assert await level(session, vid, first) == (2, 2)
    assert await level(session, vid, second) == (5, 3)
    assert await service.available_for_variants(session=session, variant_ids=[vid]) == {vid: 2}
    assert await stock_events(session) == events_before + 2
    for lid in (first, second):
        assert (await verify_ledger(session=session, variant_id=vid, location_id=lid)).ok


async def test_a_hold_beyond_the_available_stock_is_out_of_stock_naming_the_variant(
    session: AsyncSession,
) -> None:
    vid, lid = await variant(session), await location(session, "main")
    await service.set_on_hand(session=session, variant_id=vid, location_id=lid, quantity=5)
    stock = await session.scalar(select(StockLevel).where(StockLevel.variant_id == vid))
    assert stock is not None
    stock.safety_stock = 2
    await session.flush()

    with pytest.raises(OutOfStock) as raised:
        await reservations.reserve(
            session=session, variant_id=vid, quantity=4, reference="c", channel_id=None
        )
    with pytest.raises(OutOfStock):
        await reservations.reserve(
            session=session, variant_id=vid, quantity=4, reference="c", channel_id=None,
            location_id=lid,
        )  # fmt: skip

    assert raised.value.code == "out_of_stock" and str(vid) in raised.value.detail
    assert await level(session, vid, lid) == (5, 0)


async def test_release_returns_the_stock_once_however_often_it_is_called(
    session: AsyncSession,
) -> None:
    vid, lid = await variant(session), await location(session, "main")
    await service.set_on_hand(session=session, variant_id=vid, location_id=lid, quantity=3)
    hold = await reservations.reserve(
        session=session, variant_id=vid, quantity=3, reference="c", channel_id=None
    )

    first = await reservations.release(session=session, reservation_id=hold.id)
    again = await reservations.release(session=session, reservation_id=hold.id)

    assert (first, again) == (True, False)
    assert await level(session, vid, lid) == (3, 0)
    assert (await verify_ledger(session=session, variant_id=vid, location_id=lid)).ok
    with pytest.raises(NotFound):
        await reservations.release(session=session, reservation_id=uuid.uuid4())


async def test_the_worker_releases_only_holds_whose_time_ran_out(session: AsyncSession) -> None:
    vid, lid = await variant(session), await location(session, "main")
    await service.set_on_hand(session=session, variant_id=vid, location_id=lid, quantity=5)
    start = datetime(2026, 1, 1, 12, tzinfo=UTC)
    clock.freeze(start)
    short = await reservations.reserve(
        session=session, variant_id=vid, quantity=1, reference="a", channel_id=None,
        ttl=timedelta(minutes=5),
    )  # fmt: skip
    await reservations.reserve(
        session=session, variant_id=vid, quantity=2, reference="b", channel_id=None
    )

    released = await reservations.release_expired(
        session=session, now=start + timedelta(minutes=10)
    )

    assert released == 1
    assert [h.reference for h in await reservations.holds_for(session=session, reference="b")] == [
        "b"
    ]
    assert await reservations.holds_for(session=session, reference=short.reference) == []
    assert await level(session, vid, lid) == (5, 2)


async def test_compare_and_set_refuses_a_stale_count(session: AsyncSession) -> None:
    vid, lid = await variant(session), await location(session, "main")
    created = await operations.set_level(
        session=session,
        data=LevelSet(variant_id=vid, location_id=lid, on_hand=8, expected_on_hand=0),
    )

    with pytest.raises(StockChangedConcurrently) as raised:
        await operations.set_level(
            session=session,
            data=LevelSet(variant_id=vid, location_id=lid, on_hand=1, expected_on_hand=5),
        )
    updated = await operations.set_level(
        session=session,
        data=LevelSet(variant_id=vid, location_id=lid, on_hand=6, expected_on_hand=8),
    )

    assert created.on_hand == 8 and updated.on_hand == 6
    assert raised.value.extra["current_on_hand"] == 8
    assert (await verify_ledger(session=session, variant_id=vid, location_id=lid)).ok


async def test_adjustments_never_take_on_hand_below_zero(session: AsyncSession) -> None:
    vid, lid = await variant(session), await location(session, "main")

    received = await operations.adjust(
        session=session, data=Adjustment(variant_id=vid, location_id=lid, delta=4, reason="po-1")
    )
    with pytest.raises(OutOfStock):
        await operations.adjust(
            session=session, data=Adjustment(variant_id=vid, location_id=lid, delta=-5, reason="x")
        )
    damaged = await operations.adjust(
        session=session, data=Adjustment(variant_id=vid, location_id=lid, delta=-1, reason="broken")
    )

    assert (received.on_hand, damaged.on_hand) == (4, 3)
    assert (await verify_ledger(session=session, variant_id=vid, location_id=lid)).ok


async def test_a_transfer_moves_only_available_stock_and_both_ledgers_agree(
    session: AsyncSession,
) -> None:
    vid = await variant(session)
    src, dst = await location(session, "src"), await location(session, "dst")
    await service.set_on_hand(session=session, variant_id=vid, location_id=src, quantity=5)
    await reservations.reserve(
        session=session, variant_id=vid, quantity=2, reference="c", channel_id=None, location_id=src
    )

    with pytest.raises(OutOfStock):
        await operations.transfer(
            session=session,
            data=TransferCreate(
                variant_id=vid, from_location_id=src, to_location_id=dst, quantity=4
            ),
        )
    moved = await operations.transfer(
        session=session,
        data=TransferCreate(variant_id=vid, from_location_id=src, to_location_id=dst, quantity=3),
    )

    assert (moved.source.on_hand, moved.source.reserved, moved.destination.on_hand) == (2, 2, 3)
    for lid in (src, dst):
        assert (await verify_ledger(session=session, variant_id=vid, location_id=lid)).ok


async def test_a_hold_only_takes_from_locations_serving_the_channel(session: AsyncSession) -> None:
    web = await channels.create(
        session=session,
        data=ChannelCreate(
            code="web", name="Web", kind="web", currency="RUB", default_locale="ru", country="RU"
        ),
    )
    chat = await channels.create(
        session=session,
        data=ChannelCreate(
            code="chat", name="Chat", kind="web", currency="RUB", default_locale="ru", country="RU"
        ),
    )
    vid = await variant(session)
    chat_only, everyone = await location(session, "chat-only", 1), await location(session, "all", 2)
    await service.set_location_channels(
        session=session, location_id=chat_only, channel_ids=[chat.id]
    )
    for lid in (chat_only, everyone):
        await service.set_on_hand(session=session, variant_id=vid, location_id=lid, quantity=1)

    from_web = await reservations.reserve(
        session=session, variant_id=vid, quantity=1, reference="w", channel_id=web.id
    )
    with pytest.raises(OutOfStock):
        await reservations.reserve(
            session=session, variant_id=vid, quantity=1, reference="w2", channel_id=web.id
        )
    from_chat = await reservations.reserve(
        session=session, variant_id=vid, quantity=1, reference="c", channel_id=chat.id
    )

    assert (from_web.location_id, from_chat.location_id) == (everyone, chat_only)
    assert [loc.id for loc in await service.list_locations(session=session, channel_id=web.id)] == [
        everyone
    ]
    assert await service.location_channels(session=session, location_id=chat_only) == [chat.id]
    with pytest.raises(NotFound):
        await service.set_location_channels(
            session=session, location_id=chat_only, channel_ids=[uuid.uuid4()]
        )
