"""Delivery for a cart on SQLite and PostgreSQL: shipping quotes by zone, weight and value;
the chosen shipping follows the cart; pickup only where the whole cart is, holds moved there."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.checkout import service, shipping
from omnishop.checkout.errors import (
    DeliveryUnavailable,
    PickupUnavailable,
    ShippingAddressRequired,
)
from omnishop.checkout.schemas import Address, CartUpdate, MethodCreate, Tier, ZoneCreate
from omnishop.inventory import operations
from omnishop.kernel.errors import NotFound, ValidationFailed
from omnishop.pricing import service as pricing
from omnishop.pricing.schemas import FxRateSet
from tests.integration.test_cart_fixtures import KAZAN, MOSCOW, Shop, open_shop, russian_shipping


async def cart_with(session: AsyncSession, shop: Shop, **lines: int) -> str:
    token = (await service.create_cart(session=session, channel=shop.channel)).token
    for name, quantity in lines.items():
        variant_id = getattr(shop, name)
        await service.add_line(
            session=session, token=token, variant_id=variant_id, quantity=quantity
        )
    return token


def update(**fields: Any) -> CartUpdate:
    return CartUpdate.model_validate(fields)


async def test_shipping_needs_an_address_first(session: AsyncSession) -> None:
    shop = await open_shop(session)
    await russian_shipping(session)
    token = await cart_with(session, shop, kettle=1)

    options = await service.delivery_options(session=session, token=token)

    assert (options.shipping, options.needs) == ([], ["shipping_address"])
    with pytest.raises(ShippingAddressRequired):
        await service.update_cart(
            session=session,
            token=token,
            data=update(delivery={"kind": "shipping", "method": "post"}),
        )


async def test_moscow_gets_the_courier_and_the_post_priced_by_weight(
    session: AsyncSession,
) -> None:
    shop = await open_shop(session)
    await russian_shipping(session)
    token = await cart_with(session, shop, kettle=1, mug=1)  # 1 500 g, 3 490 ₽
    await service.update_cart(session=session, token=token, data=update(shipping_address=MOSCOW))

    options = await service.delivery_options(session=session, token=token)

    assert [(o.method, o.name, o.amount) for o in options.shipping] == [
        ("courier", "Курьер", 39000),
        ("post", "Почта", 44000),
    ]
    assert options.needs == []
    assert options.shipping[0].estimate.max_days == 2
    assert options.shipping[0].formatted.replace("\xa0", " ") == "390,00 ₽"


async def test_outside_the_moscow_postcodes_only_the_post_delivers(session: AsyncSession) -> None:
    shop = await open_shop(session)
    await russian_shipping(session)
    token = await cart_with(session, shop, mug=1)
    await service.update_cart(session=session, token=token, data=update(shipping_address=KAZAN))

    options = await service.delivery_options(session=session, token=token)

    assert [(o.method, o.amount) for o in options.shipping] == [("post", 29000)]


async def test_the_chosen_shipping_is_repriced_as_the_cart_changes(session: AsyncSession) -> None:
    shop = await open_shop(session)
    await russian_shipping(session)
    token = await cart_with(session, shop, mug=1)
    cart = await service.update_cart(
        session=session,
        token=token,
        data=update(shipping_address=MOSCOW, delivery={"kind": "shipping", "method": "courier"}),
    )
    assert (cart.delivery or {})["method"] == "courier"
    assert (cart.shipping.amount, cart.total.amount) == (39000, 99000 + 39000)

    # Two kettles take the order past 5 000 ₽: the courier becomes free.
    cart = await service.add_line(session=session, token=token, variant_id=shop.kettle, quantity=2)
    assert (cart.shipping.amount, cart.total.amount) == (0, 99000 + 500000)

    # Moving to Kazan: the courier does not go there, so the choice is dropped, not kept stale.
    cart = await service.update_cart(
        session=session, token=token, data=update(shipping_address=KAZAN)
    )
    assert (cart.delivery, cart.shipping.amount) == (None, 0)


async def test_a_method_that_does_not_deliver_here_cannot_be_chosen(
    session: AsyncSession,
) -> None:
    shop = await open_shop(session)
    await russian_shipping(session)
    token = await cart_with(session, shop, kettle=3)  # 3 600 g: beyond the post's last tier
    await service.update_cart(session=session, token=token, data=update(shipping_address=KAZAN))

    for method in ("post", "courier", "nope"):
        with pytest.raises(DeliveryUnavailable) as err:
            await service.update_cart(
                session=session,
                token=token,
                data=update(delivery={"kind": "shipping", "method": method}),
            )
        assert err.value.field == "delivery.method"


async def test_a_method_priced_in_another_currency_is_converted(session: AsyncSession) -> None:
    shop = await open_shop(session)
    zone = await shipping.create_zone(session=session, data=ZoneCreate(name="RU", countries=["RU"]))
    await shipping.create_method(
        session=session,
        data=MethodCreate(
            zone_id=zone.id, code="dhl", names={"en": "DHL"}, currency="EUR",
            tiers=[Tier(amount=1250)], free_over=10000,
        ),
    )  # fmt: skip
    await pricing.set_fx_rate(
        session=session, data=FxRateSet(base="EUR", quote="RUB", rate=Decimal("100"))
    )
    token = await cart_with(session, shop, mug=1)  # 990 ₽ = 9.90 €: under the 100 € threshold
    await service.update_cart(session=session, token=token, data=update(shipping_address=KAZAN))

    options = await service.delivery_options(session=session, token=token)
    await service.add_line(session=session, token=token, variant_id=shop.mug, quantity=10)
    richer = await service.delivery_options(session=session, token=token)  # 108.90 €

    assert [(o.method, o.name, o.amount, o.currency) for o in options.shipping] == [
        ("dhl", "DHL", 125000, "RUB")
    ]
    assert [o.amount for o in richer.shipping] == [0]


async def test_pickup_offers_whole_cart_locations_and_names_missing_lines(
    session: AsyncSession,
) -> None:
    shop = await open_shop(session, in_store=2)
    token = await cart_with(session, shop, kettle=3, mug=1)

    options = await service.delivery_options(session=session, token=token)

    (store,) = options.pickup
    assert (store.location_id, store.name, store.complete, store.amount) == (
        shop.store,
        "Магазин на Арбате",
        False,
        0,
    )
    assert [(m.sku, m.quantity) for m in store.missing] == [("web-kettle-1", 1)]
    with pytest.raises(PickupUnavailable) as err:
        await service.update_cart(
            session=session,
            token=token,
            data=update(delivery={"kind": "pickup", "location_id": str(shop.store)}),
        )
    assert err.value.code == "pickup_unavailable"
    assert [m["sku"] for m in err.value.extra["missing"]] == ["web-kettle-1"]


async def test_choosing_pickup_moves_the_holds_to_the_location(session: AsyncSession) -> None:
    shop = await open_shop(session, in_store=2)
    token = await cart_with(session, shop, kettle=2, mug=1)

    cart = await service.update_cart(
        session=session,
        token=token,
        data=update(delivery={"kind": "pickup", "location_id": str(shop.store)}),
    )

    assert cart.delivery is not None
    assert (cart.delivery["kind"], cart.delivery["pickup_location_id"]) == (
        "pickup",
        str(shop.store),
    )
    assert {h.location_id for line in cart.lines for h in line.holds} == {shop.store}
    assert [line.held for line in cart.lines] == [2, 1]
    for variant_id, at_store in ((shop.kettle, 2), (shop.mug, 1)):
        levels = await operations.levels_for_variant(session=session, variant_id=variant_id)
        assert {lv.location_id: lv.reserved for lv in levels} == {
            shop.warehouse: 0,
            shop.store: at_store,
        }
    # Now the store has no kettle left for anyone else, but this cart's own holds count.
    again = await service.delivery_options(session=session, token=token)
    assert again.pickup[0].complete

    # More than the store has, while pickup is chosen: refused, naming the line.
    with pytest.raises(PickupUnavailable):
        await service.add_line(session=session, token=token, variant_id=shop.kettle, quantity=1)


async def test_pickup_at_an_unknown_location_is_404(session: AsyncSession) -> None:
    shop = await open_shop(session)
    token = await cart_with(session, shop, mug=1)
    with pytest.raises(NotFound) as err:
        await service.update_cart(
            session=session,
            token=token,
            data=update(delivery={"kind": "pickup", "location_id": str(shop.warehouse)}),
        )
    assert err.value.field == "delivery.location_id"


async def test_contact_and_address_are_checked_and_cleared_with_null(
    session: AsyncSession,
) -> None:
    shop = await open_shop(session)
    token = await cart_with(session, shop)

    cart = await service.update_cart(
        session=session,
        token=token,
        data=update(email="Anna@Example.com", phone="+7 916 123-45-67", shipping_address=MOSCOW),
    )
    assert (cart.email, cart.phone) == ("Anna@example.com", "+79161234567")
    assert (cart.shipping_address or {})["postcode"] == "101000"

    cart = await service.update_cart(session=session, token=token, data=update(phone=None))
    assert (cart.email, cart.phone) == ("Anna@example.com", None)

    bad: list[tuple[dict[str, Any], str]] = [
        ({"email": "anna.example.com"}, "email"),
        ({"phone": "8 916 123 45 67"}, "phone"),
        ({"shipping_address": {**MOSCOW, "country": "XX"}}, "shipping_address.country"),
        ({"shipping_address": {**MOSCOW, "phone": "12"}}, "shipping_address.phone"),
    ]
    for fields, field in bad:
        with pytest.raises(ValidationFailed) as err:
            await service.update_cart(session=session, token=token, data=update(**fields))
        assert err.value.field == field
    assert Address.model_fields["country"].is_required()
