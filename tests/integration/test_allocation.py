"""Channel-aware cart holds on SQLite and PostgreSQL: split, nearest, TTL, shrink, pickup."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.channels import service as channels
from omnishop.channels.models import AllocationRule, Channel, ChannelKind
from omnishop.channels.schemas import ChannelCreate
from omnishop.inventory import allocation, fulfilment, locations, reservations, service
from omnishop.inventory.errors import HoldReleased, OutOfStock
from omnishop.inventory.ledger import verify_ledger
from omnishop.inventory.models import LocationKind, Reservation, StockLevel
from omnishop.inventory.schemas import LocationCreate, LocationUpdate
from omnishop.kernel import clock
from omnishop.kernel.errors import NotFound, ValidationFailed
from tests.integration.test_inventory import variant

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
MOSCOW = (55.7558, 37.6173)
TVER = (56.8587, 35.9176)
SPB = (59.9343, 30.3351)


async def channel(
    session: AsyncSession,
    code: str = "web",
    *,
    rule: AllocationRule = AllocationRule.PRIORITY,
    hold_minutes: int = 15,
) -> Channel:
    data = ChannelCreate(
        code=code, name=code, kind=ChannelKind.WEB, currency="RUB", default_locale="ru",
        country="RU", hold_minutes=hold_minutes, allocation_rule=rule,
    )  # fmt: skip
    return await channels.create(session=session, data=data)


async def place(
    session: AsyncSession,
    code: str,
    *,
    priority: int = 100,
    at: tuple[float, float] | None = None,
    pickup: bool = False,
    kind: LocationKind = LocationKind.WAREHOUSE,
) -> uuid.UUID:
    data = LocationCreate(
        code=code, name=code.title(), kind=kind, country="RU", priority=priority, pickup=pickup,
        city="City", address=f"{code} street 1",
        latitude=Decimal(str(at[0])) if at else None,
        longitude=Decimal(str(at[1])) if at else None,
    )  # fmt: skip
    return (await service.create_location(session=session, data=data)).id


async def stock(session: AsyncSession, vid: uuid.UUID, lid: uuid.UUID, n: int) -> None:
    await service.set_on_hand(session=session, variant_id=vid, location_id=lid, quantity=n)


async def levels(session: AsyncSession, vid: uuid.UUID) -> dict[uuid.UUID, tuple[int, int, int]]:
    rows = await session.execute(
        select(
            StockLevel.location_id, StockLevel.on_hand, StockLevel.reserved, StockLevel.committed
        )
        .where(StockLevel.variant_id == vid)
        .execution_options(populate_existing=True)
    )
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


async def ledger_ok(session: AsyncSession, vid: uuid.UUID, *lids: uuid.UUID) -> bool:
    checks = [await verify_ledger(session=session, variant_id=vid, location_id=lid) for lid in lids]
    return all(c.ok for c in checks)


async def test_one_location_with_everything_is_preferred_over_a_split(
    session: AsyncSession,
) -> None:
    ch = await channel(session)
    vid = await variant(session)
    first, second = await place(session, "first", priority=1), await place(session, "second")
    await stock(session, vid, first, 2)
    await stock(session, vid, second, 5)

    holds = await allocation.hold(
        session=session, variant_id=vid, quantity=4, reference="cart:a", channel=ch
    )

    assert [(h.location_id, h.quantity) for h in holds] == [(second, 4)]
    assert holds[0].channel_id == ch.id


async def test_a_quantity_no_location_has_is_split_in_priority_order(
    session: AsyncSession,
) -> None:
    ch = await channel(session)
    vid = await variant(session)
    a = await place(session, "a", priority=1)
    b = await place(session, "b", priority=2)
    c = await place(session, "c", priority=3)
    for lid, n in ((a, 2), (b, 3), (c, 4)):
        await stock(session, vid, lid, n)

    holds = await allocation.hold(
        session=session, variant_id=vid, quantity=7, reference="cart:a", channel=ch
    )

    assert [(h.location_id, h.quantity) for h in holds] == [(a, 2), (b, 3), (c, 2)]
    assert await levels(session, vid) == {a: (2, 2, 0), b: (3, 3, 0), c: (4, 2, 0)}
    assert await ledger_ok(session, vid, a, b, c)
    held = await reservations.holds_for(session=session, reference="cart:a")
    assert sorted(h.quantity for h in held) == [2, 2, 3]


async def test_too_much_raises_and_leaves_nothing_taken(session: AsyncSession) -> None:
    ch = await channel(session)
    vid = await variant(session)
    a, b = await place(session, "a", priority=1), await place(session, "b", priority=2)
    await stock(session, vid, a, 2)
    await stock(session, vid, b, 3)

    with pytest.raises(OutOfStock) as raised:
        await allocation.hold(
            session=session, variant_id=vid, quantity=6, reference="cart:a", channel=ch
        )

    assert raised.value.code == "out_of_stock"
    assert await levels(session, vid) == {a: (2, 0, 0), b: (3, 0, 0)}
    assert await reservations.holds_for(session=session, reference="cart:a") == []


async def test_nearest_rule_takes_from_the_closest_location_to_the_buyer(
    session: AsyncSession,
) -> None:
    ch = await channel(session, rule=AllocationRule.NEAREST)
    vid = await variant(session)
    spb = await place(session, "spb", priority=1, at=SPB)
    tver = await place(session, "tver", priority=2, at=TVER)
    far = await place(session, "nowhere", priority=0)  # no coordinates: last under "nearest"
    for lid in (spb, tver, far):
        await stock(session, vid, lid, 3)

    near_moscow = await allocation.hold(
        session=session, variant_id=vid, quantity=2, reference="c1", channel=ch, near=MOSCOW
    )
    split = await allocation.hold(
        session=session, variant_id=vid, quantity=5, reference="c2", channel=ch, near=MOSCOW
    )
    unknown = await allocation.hold(
        session=session, variant_id=vid, quantity=1, reference="c3", channel=ch
    )

    assert [(h.location_id, h.quantity) for h in near_moscow] == [(tver, 2)]
    # Tver has 1 left: the split goes Tver, then St Petersburg, then the one without a place.
    assert [(h.location_id, h.quantity) for h in split] == [(tver, 1), (spb, 3), (far, 1)]
    # Without a position the nearest rule falls back to priority.
    assert [(h.location_id, h.quantity) for h in unknown] == [(far, 1)]


async def test_priority_rule_ignores_the_buyers_position(session: AsyncSession) -> None:
    ch = await channel(session)
    vid = await variant(session)
    spb = await place(session, "spb", priority=1, at=SPB)
    await place(session, "tver", priority=2, at=TVER)
    for lid in await _all_locations(session):
        await stock(session, vid, lid, 3)

    holds = await allocation.hold(
        session=session, variant_id=vid, quantity=1, reference="c", channel=ch, near=MOSCOW
    )

    assert holds[0].location_id == spb


async def _all_locations(session: AsyncSession) -> list[uuid.UUID]:
    return [loc.id for loc in await service.list_locations(session=session)]


async def test_a_given_location_is_the_only_one_used(session: AsyncSession) -> None:
    ch = await channel(session)
    vid = await variant(session)
    a, b = await place(session, "a", priority=1), await place(session, "b", priority=2)
    await stock(session, vid, a, 5)
    await stock(session, vid, b, 2)

    holds = await allocation.hold(
        session=session, variant_id=vid, quantity=2, reference="c", channel=ch, location_id=b
    )
    with pytest.raises(OutOfStock):
        await allocation.hold(
            session=session, variant_id=vid, quantity=1, reference="c", channel=ch, location_id=b
        )

    assert [(h.location_id, h.quantity) for h in holds] == [(b, 2)]
    assert (await levels(session, vid))[a] == (5, 0, 0)


async def test_locations_not_serving_the_channel_are_never_used(session: AsyncSession) -> None:
    web, app = await channel(session, "web"), await channel(session, "app")
    vid = await variant(session)
    app_only = await place(session, "app-only", priority=1)
    await service.set_location_channels(session=session, location_id=app_only, channel_ids=[app.id])
    await stock(session, vid, app_only, 5)

    with pytest.raises(OutOfStock):
        await allocation.hold(
            session=session, variant_id=vid, quantity=1, reference="c", channel=web
        )
    with pytest.raises(OutOfStock):
        await allocation.hold(
            session=session, variant_id=vid, quantity=1, reference="c", channel=web,
            location_id=app_only,
        )  # fmt: skip
    holds = await allocation.hold(
        session=session, variant_id=vid, quantity=1, reference="c", channel=app
    )
    assert holds[0].location_id == app_only


async def test_bad_quantity_or_position_is_rejected(session: AsyncSession) -> None:
    ch = await channel(session)
    vid = await variant(session)
    for quantity in (0, -1):
        with pytest.raises(ValidationFailed):
            await allocation.hold(
                session=session, variant_id=vid, quantity=quantity, reference="c", channel=ch
            )
    with pytest.raises(ValidationFailed) as raised:
        await allocation.hold(
            session=session, variant_id=vid, quantity=1, reference="c", channel=ch, near=(91, 0)
        )
    assert raised.value.field == "near"


async def test_hold_time_to_live_comes_from_the_channel(session: AsyncSession) -> None:
    clock.freeze(T0)
    quick = await channel(session, "quick", hold_minutes=5)
    slow = await channel(session, "slow", hold_minutes=60)
    vid = await variant(session)
    await stock(session, vid, await place(session, "a"), 5)

    short = await allocation.hold(
        session=session, variant_id=vid, quantity=1, reference="q", channel=quick
    )
    long = await allocation.hold(
        session=session, variant_id=vid, quantity=1, reference="s", channel=slow
    )
    clock.freeze(T0 + timedelta(minutes=6))
    released = await reservations.release_expired(session=session, now=clock.now())

    assert allocation.hold_ttl(quick) == timedelta(minutes=5)
    assert short[0].expires_at == T0 + timedelta(minutes=5)
    assert long[0].expires_at == T0 + timedelta(minutes=60)
    assert released == 1
    assert [h.reference for h in await reservations.holds_for(session=session, reference="s")]


async def test_extend_pushes_every_active_hold_of_a_reference(session: AsyncSession) -> None:
    clock.freeze(T0)
    ch = await channel(session, hold_minutes=10)
    vid = await variant(session)
    a, b = await place(session, "a", priority=1), await place(session, "b", priority=2)
    await stock(session, vid, a, 1)
    await stock(session, vid, b, 1)
    holds = await allocation.hold(
        session=session, variant_id=vid, quantity=2, reference="cart:x", channel=ch
    )
    clock.freeze(T0 + timedelta(minutes=8))

    count = await allocation.extend(session=session, reference="cart:x", channel=ch)
    none = await allocation.extend(session=session, reference="cart:none", channel=ch)
    clock.freeze(T0 + timedelta(minutes=12))
    released = await reservations.release_expired(session=session, now=clock.now())

    assert (count, none, released) == (2, 0, 0)
    assert {h.expires_at for h in holds} == {T0 + timedelta(minutes=18)}


async def test_shrink_lowers_a_hold_and_zero_releases_it(session: AsyncSession) -> None:
    ch = await channel(session)
    vid = await variant(session)
    lid = await place(session, "a")
    await stock(session, vid, lid, 10)
    (hold,) = await allocation.hold(
        session=session, variant_id=vid, quantity=5, reference="c", channel=ch
    )

    await allocation.shrink(session=session, reservation_id=hold.id, quantity=2)
    after_shrink = await levels(session, vid)
    await allocation.shrink(session=session, reservation_id=hold.id, quantity=2)  # no change
    with pytest.raises(ValidationFailed):
        await allocation.shrink(session=session, reservation_id=hold.id, quantity=3)
    await allocation.shrink(session=session, reservation_id=hold.id, quantity=0)
    await allocation.shrink(session=session, reservation_id=hold.id, quantity=0)  # idempotent

    assert after_shrink == {lid: (10, 2, 0)}
    assert hold.quantity == 2
    assert await levels(session, vid) == {lid: (10, 0, 0)}
    assert await ledger_ok(session, vid, lid)
    with pytest.raises(HoldReleased):
        await allocation.shrink(session=session, reservation_id=hold.id, quantity=1)
    with pytest.raises(NotFound):
        await allocation.shrink(session=session, reservation_id=uuid.uuid4(), quantity=1)
    with pytest.raises(ValidationFailed):
        await allocation.shrink(session=session, reservation_id=hold.id, quantity=-1)


async def test_commit_holds_commits_many_holds_at_once(session: AsyncSession) -> None:
    ch = await channel(session)
    v1, v2 = await variant(session, "p1"), await variant(session, "p2")
    a, b = await place(session, "a", priority=1), await place(session, "b", priority=2)
    await stock(session, v1, a, 2)
    await stock(session, v1, b, 2)
    await stock(session, v2, a, 5)
    split = await allocation.hold(
        session=session, variant_id=v1, quantity=3, reference="cart:1", channel=ch
    )
    more = await allocation.hold(
        session=session, variant_id=v2, quantity=4, reference="cart:1", channel=ch
    )
    ids = [h.id for h in split + more]

    committed = await fulfilment.commit_holds(session, ids, "order:1")

    assert [h.id for h in committed] == ids
    assert all(h.released_at is not None for h in committed)
    assert await levels(session, v1) == {a: (2, 0, 2), b: (2, 0, 1)}
    assert await levels(session, v2) == {a: (5, 0, 4)}
    assert await ledger_ok(session, v1, a, b) and await ledger_ok(session, v2, a)
    assert await reservations.holds_for(session=session, reference="cart:1") == []
    assert await fulfilment.commit_holds(session=session, hold_ids=[], reference="x") == []


async def test_commit_holds_is_all_or_nothing(session: AsyncSession) -> None:
    ch = await channel(session)
    vid = await variant(session)
    lid = await place(session, "a")
    await stock(session, vid, lid, 5)
    first = await allocation.hold(
        session=session, variant_id=vid, quantity=1, reference="c", channel=ch
    )
    second = await allocation.hold(
        session=session, variant_id=vid, quantity=2, reference="c", channel=ch
    )
    await reservations.release(session=session, reservation_id=second[0].id)

    with pytest.raises(HoldReleased) as raised:
        await fulfilment.commit_holds(session, [first[0].id, second[0].id], "order:1")
    with pytest.raises(NotFound):
        await fulfilment.commit_holds(session, [first[0].id, uuid.uuid4()], "order:1")

    assert raised.value.code == "reservation_released"
    assert raised.value.extra["reservation_ids"] == [str(second[0].id)]
    assert await levels(session, vid) == {lid: (5, 1, 0)}
    active = await session.scalar(
        select(Reservation.released_at)
        .where(Reservation.id == first[0].id)
        .execution_options(populate_existing=True)
    )
    assert active is None
    # Still committable afterwards: the failed attempts left it untouched.
    await fulfilment.commit_holds(session, [first[0].id, first[0].id])
    assert await levels(session, vid) == {lid: (5, 0, 1)}
    assert await ledger_ok(session, vid, lid)


async def test_pickup_options_list_complete_locations_first_then_nearest(
    session: AsyncSession,
) -> None:
    ch = await channel(session)
    v1, v2 = await variant(session, "p1"), await variant(session, "p2")
    kind = LocationKind.STORE
    spb = await place(session, "spb", priority=1, at=SPB, pickup=True, kind=kind)
    tver = await place(session, "tver", priority=2, at=TVER, pickup=True, kind=kind)
    moscow = await place(session, "moscow", priority=3, at=MOSCOW, pickup=True, kind=kind)
    await place(session, "warehouse", priority=0)  # not a pickup point: never listed
    closed = await place(session, "closed", pickup=True, kind=kind)
    await locations.update(session=session, location_id=closed, data=LocationUpdate(active=False))
    await stock(session, v1, spb, 2)
    await stock(session, v2, spb, 1)
    await stock(session, v1, tver, 2)
    await stock(session, v2, tver, 1)
    await stock(session, v1, moscow, 1)  # lacks one v1 and both v2

    options = await allocation.pickup_options(
        session=session, channel=ch, needs={v1: 2, v2: 1}, near=MOSCOW
    )

    assert [o.location_id for o in options] == [tver, spb, moscow]
    assert [o.complete for o in options] == [True, True, False]
    assert options[2].missing == {v1: 1, v2: 1}
    assert options[2].distance_km == pytest.approx(0, abs=0.01)
    assert options[0].distance_km == pytest.approx(161, abs=3)
    assert options[0].code == "tver" and options[0].address == "tver street 1"
    assert options[0].latitude == pytest.approx(TVER[0])


async def test_a_carts_own_holds_count_as_available_at_their_location(
    session: AsyncSession,
) -> None:
    ch = await channel(session)
    vid = await variant(session)
    shop = await place(session, "shop", pickup=True, kind=LocationKind.STORE)
    await stock(session, vid, shop, 3)
    await allocation.hold(session=session, variant_id=vid, quantity=3, reference="mine", channel=ch)

    mine = await allocation.pickup_options(
        session=session, channel=ch, needs={vid: 3}, reference="mine"
    )
    theirs = await allocation.pickup_options(
        session=session, channel=ch, needs={vid: 1}, reference="theirs"
    )
    anonymous = await allocation.pickup_options(session=session, channel=ch, needs={vid: 2})

    assert mine[0].missing == {} and mine[0].distance_km is None
    assert theirs[0].missing == {vid: 1}
    assert anonymous[0].missing == {vid: 2}


async def test_pickup_options_respect_the_channels_a_location_serves(
    session: AsyncSession,
) -> None:
    web, app = await channel(session, "web"), await channel(session, "app")
    vid = await variant(session)
    shop = await place(session, "shop", pickup=True, kind=LocationKind.STORE)
    await service.set_location_channels(session=session, location_id=shop, channel_ids=[app.id])

    assert await allocation.pickup_options(session=session, channel=web, needs={vid: 1}) == []
    (only,) = await allocation.pickup_options(session=session, channel=app, needs={vid: 1})
    assert only.missing == {vid: 1}
