"""Cart service on SQLite and PostgreSQL: lines are backed by stock holds that follow every
change at once, and a cart that is not open refuses changes."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.catalog import service as catalog
from omnishop.catalog.schemas import PublicationIn, VariantUpdate
from omnishop.checkout import maintenance, service
from omnishop.checkout.errors import CartNotOpen, LineNotFound, VariantNotForSale
from omnishop.checkout.models import Cart
from omnishop.inventory import operations
from omnishop.inventory.errors import OutOfStock
from omnishop.inventory.ledger import verify_ledger
from omnishop.kernel import clock
from omnishop.kernel.db import unit_of_work
from omnishop.kernel.errors import NotFound, ValidationFailed
from tests.integration.test_cart_fixtures import Shop, open_shop, product


async def reserved(session: AsyncSession, variant_id: uuid.UUID) -> dict[str, int]:
    levels = await operations.levels_for_variant(session=session, variant_id=variant_id)
    return {lv.location_code.split("-")[-1]: lv.reserved for lv in levels}


async def new_cart(session: AsyncSession, shop: Shop) -> str:
    return (await service.create_cart(session=session, channel=shop.channel)).token


async def test_adding_a_line_holds_its_stock_and_snapshots_the_price(
    session: AsyncSession,
) -> None:
    shop = await open_shop(session)
    token = await new_cart(session, shop)

    cart = await service.add_line(session=session, token=token, variant_id=shop.kettle, quantity=3)

    (line,) = cart.lines
    assert (line.sku, line.name, line.quantity, line.held) == ("web-kettle-1", "Чайник", 3, 3)
    assert (line.unit_price.amount, line.line_total.amount, cart.subtotal.amount) == (
        250000,
        750000,
        750000,
    )
    assert cart.total.formatted.replace("\xa0", " ").startswith("7 500,00")
    assert [h.location_id for h in line.holds] == [shop.warehouse]
    assert cart.expires_at is not None and cart.expires_at > clock.now()
    assert await reserved(session, shop.kettle) == {"wh": 3, "store": 0}


async def test_the_same_variant_twice_is_one_line(session: AsyncSession) -> None:
    shop = await open_shop(session)
    token = await new_cart(session, shop)

    await service.add_line(session=session, token=token, variant_id=shop.kettle, quantity=2)
    cart = await service.add_line(session=session, token=token, variant_id=shop.kettle, quantity=3)

    assert [(x.quantity, x.held) for x in cart.lines] == [(5, 5)]
    assert (await reserved(session, shop.kettle))["wh"] == 5


async def test_a_line_larger_than_any_location_is_split_over_locations(
    session: AsyncSession,
) -> None:
    shop = await open_shop(session, in_warehouse=10, in_store=2)
    token = await new_cart(session, shop)

    cart = await service.add_line(session=session, token=token, variant_id=shop.kettle, quantity=12)

    assert sorted(h.quantity for h in cart.lines[0].holds) == [2, 10]
    assert await reserved(session, shop.kettle) == {"wh": 10, "store": 2}


async def test_shrinking_a_line_puts_stock_back_on_sale_at_once_and_zero_removes_it(
    session: AsyncSession,
) -> None:
    shop = await open_shop(session, in_warehouse=10, in_store=2)
    token = await new_cart(session, shop)
    cart = await service.add_line(session=session, token=token, variant_id=shop.kettle, quantity=12)
    line_id = cart.lines[0].id

    cart = await service.update_line(session=session, token=token, line_id=line_id, quantity=9)
    assert (cart.lines[0].quantity, cart.lines[0].held) == (9, 9)
    # The newest hold (the split's second take, at the store) gives back first.
    assert await reserved(session, shop.kettle) == {"wh": 9, "store": 0}

    cart = await service.update_line(session=session, token=token, line_id=line_id, quantity=0)
    assert cart.lines == []
    assert await reserved(session, shop.kettle) == {"wh": 0, "store": 0}
    for location_id in (shop.warehouse, shop.store):
        check = await verify_ledger(
            session=session, variant_id=shop.kettle, location_id=location_id
        )
        assert check.ok, check


async def test_growing_beyond_stock_is_out_of_stock_and_changes_nothing(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with unit_of_work(sessions) as session:
        shop = await open_shop(session, in_warehouse=3, in_store=0)
        token = await new_cart(session, shop)
        cart = await service.add_line(
            session=session, token=token, variant_id=shop.kettle, quantity=2
        )

    with pytest.raises(OutOfStock) as err:
        async with unit_of_work(sessions) as session:
            await service.update_line(
                session=session, token=token, line_id=cart.lines[0].id, quantity=4
            )

    async with unit_of_work(sessions) as session:
        after = await service.get_cart(session=session, token=token)
        assert err.value.code == "out_of_stock"
        assert [(x.quantity, x.held) for x in after.lines] == [(2, 2)]
        assert (await reserved(session, shop.kettle))["wh"] == 2


async def test_only_variants_sold_in_the_channel_can_be_added(session: AsyncSession) -> None:
    shop = await open_shop(session)
    token = await new_cart(session, shop)
    unpriced = await product(session, shop.channel, "unpriced", "Без цены", 100, 100)
    from omnishop.pricing.models import Price

    price = await session.scalar(select(Price).where(Price.variant_id == unpriced))
    assert price is not None
    await session.delete(price)
    await catalog.update_variant(
        session=session, variant_id=shop.mug, data=VariantUpdate(active=False)
    )
    hidden = await product(session, shop.channel, "hidden", "Скрыт", 100, 100)
    bundle = await catalog.get_bundle(session=session, id_or_slug="hidden")
    await catalog.publish(
        session=session,
        product_id=bundle.id,
        channel_id=shop.channel.id,
        data=PublicationIn(purchasable=False),
    )

    for variant_id in (unpriced, shop.mug, hidden):
        with pytest.raises(VariantNotForSale) as err:
            await service.add_line(session=session, token=token, variant_id=variant_id, quantity=1)
        assert (err.value.code, err.value.field) == ("variant_not_for_sale", "variant_id")
    with pytest.raises(NotFound) as missing:
        await service.add_line(session=session, token=token, variant_id=uuid.uuid4(), quantity=1)
    assert missing.value.field == "variant_id"
    for quantity in (0, 1000):
        with pytest.raises(ValidationFailed):
            await service.add_line(
                session=session, token=token, variant_id=shop.kettle, quantity=quantity
            )
    assert (await service.get_cart(session=session, token=token)).lines == []


async def test_merging_past_999_is_refused(session: AsyncSession) -> None:
    shop = await open_shop(session, in_warehouse=2000)
    token = await new_cart(session, shop)
    await service.add_line(session=session, token=token, variant_id=shop.kettle, quantity=999)
    with pytest.raises(ValidationFailed) as err:
        await service.add_line(session=session, token=token, variant_id=shop.kettle, quantity=1)
    assert err.value.field == "quantity"


async def test_an_abandoned_cart_refuses_changes_naming_its_state_and_holds_nothing(
    session: AsyncSession,
) -> None:
    shop = await open_shop(session)
    token = await new_cart(session, shop)
    cart = await service.add_line(session=session, token=token, variant_id=shop.kettle, quantity=4)

    abandoned = await service.abandon(session=session, token=token)
    again = await service.abandon(session=session, token=token)

    assert (abandoned.state, again.state) == ("abandoned", "abandoned")
    assert abandoned.lines[0].held == 0
    assert (await reserved(session, shop.kettle))["wh"] == 0
    with pytest.raises(CartNotOpen) as err:
        await service.update_line(
            session=session, token=token, line_id=cart.lines[0].id, quantity=1
        )
    assert (err.value.code, err.value.extra["state"]) == ("cart_not_open", "abandoned")


async def test_unknown_cart_and_line(session: AsyncSession) -> None:
    shop = await open_shop(session)
    token = await new_cart(session, shop)
    with pytest.raises(NotFound) as err:
        await service.get_cart(session=session, token="x" * 32)
    assert err.value.code == "cart_not_found"
    with pytest.raises(LineNotFound):
        await service.remove_line(session=session, token=token, line_id=uuid.uuid4())


async def test_cart_activity_extends_every_hold_by_the_channels_ttl(
    session: AsyncSession,
) -> None:
    shop = await open_shop(session)
    start = clock.now()
    clock.freeze(start)
    token = await new_cart(session, shop)
    await service.add_line(session=session, token=token, variant_id=shop.kettle, quantity=1)

    clock.freeze(start + timedelta(minutes=10))
    cart = await service.add_line(session=session, token=token, variant_id=shop.mug, quantity=1)

    ttl = timedelta(minutes=shop.channel.hold_minutes)
    assert {x.hold_expires_at for x in cart.lines} == {start + timedelta(minutes=10) + ttl}


async def test_a_lapsed_hold_is_taken_again_when_its_line_changes(session: AsyncSession) -> None:
    from omnishop.inventory import reservations

    shop = await open_shop(session)
    token = await new_cart(session, shop)
    cart = await service.add_line(session=session, token=token, variant_id=shop.kettle, quantity=2)
    for hold in cart.lines[0].holds:
        assert hold.quantity == 2
    clock.freeze(clock.now() + timedelta(hours=1))
    await reservations.release_expired(session=session, now=clock.now())
    assert (await service.get_cart(session=session, token=token)).lines[0].held == 0

    cart = await service.update_line(
        session=session, token=token, line_id=cart.lines[0].id, quantity=3
    )

    assert (cart.lines[0].quantity, cart.lines[0].held) == (3, 3)
    assert (await reserved(session, shop.kettle))["wh"] == 3


async def test_carts_idle_for_30_days_are_abandoned_and_release_their_stock(
    session: AsyncSession,
) -> None:
    shop = await open_shop(session)
    start = clock.now()
    clock.freeze(start)
    idle = await new_cart(session, shop)
    await service.add_line(session=session, token=idle, variant_id=shop.kettle, quantity=2)
    clock.freeze(start + timedelta(days=20))
    busy = await new_cart(session, shop)
    await service.add_line(session=session, token=busy, variant_id=shop.kettle, quantity=1)

    clock.freeze(start + timedelta(days=31))
    count = await maintenance.abandon_idle_carts(session)
    again = await maintenance.abandon_idle_carts(session)

    states = {t: s for t, s in (await session.execute(select(Cart.token, Cart.state))).all()}
    assert (count, again) == (1, 0)
    assert (states[idle], states[busy]) == ("abandoned", "open")
    assert (await reserved(session, shop.kettle))["wh"] == 1


async def test_load_for_completion_gives_the_rows(session: AsyncSession) -> None:
    shop = await open_shop(session)
    token = await new_cart(session, shop)
    await service.add_line(session=session, token=token, variant_id=shop.kettle, quantity=2)

    cart, lines = await service.load_for_completion(session=session, token=token)

    assert (cart.token, cart.currency, cart.locale) == (token, "RUB", "ru")
    assert [(x.variant_id, x.quantity, x.unit_amount, len(x.hold_ids)) for x in lines] == [
        (shop.kettle, 2, 250000, 1)
    ]
