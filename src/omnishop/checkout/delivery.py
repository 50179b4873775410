"""Delivery for a cart: shipping quotes for its address, pickup locations, the choice.

Choosing pickup moves the cart's holds to the location; the chosen shipping is re-priced
whenever the cart changes.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.catalog.sale import variants_for_sale
from omnishop.channels.models import Channel
from omnishop.checkout import holds as cart_holds
from omnishop.checkout import shipping
from omnishop.checkout.errors import (
    DeliveryUnavailable,
    PickupUnavailable,
    ShippingAddressRequired,
)
from omnishop.checkout.models import Cart, CartLine
from omnishop.checkout.schemas import (
    DeliveryOptions,
    Estimate,
    MissingLine,
    PickupOptionView,
    ShippingOption,
)
from omnishop.checkout.views import money, subtotal_of
from omnishop.inventory import allocation
from omnishop.inventory.errors import OutOfStock
from omnishop.inventory.models import Reservation
from omnishop.kernel.errors import NotFound


def missing_line(line: CartLine, quantity: int) -> dict[str, Any]:
    return {
        "line_id": str(line.id), "variant_id": str(line.variant_id),
        "sku": line.sku, "quantity": quantity,
    }  # fmt: skip


async def _weights(session: AsyncSession, cart: Cart, lines: list[CartLine]) -> int:
    found = await variants_for_sale(
        session=session, variant_ids=[x.variant_id for x in lines], channel_id=cart.channel_id
    )
    return sum(
        (found[x.variant_id].weight_grams or 0) * x.quantity for x in lines if x.variant_id in found
    )


async def _quotes(
    session: AsyncSession, cart: Cart, channel: Channel, lines: list[CartLine]
) -> list[shipping.Quote]:
    if not cart.shipping_address:
        return []
    return await shipping.quotes(
        session=session,
        channel=channel,
        address=cart.shipping_address,
        currency=cart.currency,
        locale=cart.locale,
        weight_grams=await _weights(session, cart, lines),
        subtotal=subtotal_of(lines),
    )


def _snapshot(quote: shipping.Quote) -> dict[str, Any]:
    return {
        "kind": "shipping", "method": quote.method, "name": quote.name,
        "carrier": quote.carrier, "amount": quote.amount, "currency": quote.currency,
        "estimate": {"min_days": quote.min_days, "max_days": quote.max_days},
    }  # fmt: skip


async def choose_shipping(
    session: AsyncSession, cart: Cart, channel: Channel, lines: list[CartLine], method: str
) -> dict[str, Any]:
    if not cart.shipping_address:
        raise ShippingAddressRequired("give a shipping address first", field="shipping_address")
    for quote in await _quotes(session, cart, channel, lines):
        if quote.method == method:
            return _snapshot(quote)
    raise DeliveryUnavailable(
        f"shipping method {method!r} does not deliver this cart to this address",
        field="delivery.method",
    )


async def requote(
    session: AsyncSession, cart: Cart, channel: Channel, lines: list[CartLine]
) -> None:
    """The chosen shipping is priced for the cart as it is now (weight, value, address); a
    method that no longer applies is unchosen rather than kept at a stale price."""
    delivery = cart.delivery or {}
    if delivery.get("kind") != "shipping":
        return
    for quote in await _quotes(session, cart, channel, lines):
        if quote.method == delivery.get("method"):
            fresh = _snapshot(quote)
            if fresh != delivery:
                cart.delivery = fresh
            return
    cart.delivery = None


async def choose_pickup(
    session: AsyncSession,
    cart: Cart,
    channel: Channel,
    lines: list[CartLine],
    location_id: uuid.UUID,
) -> dict[str, Any]:
    options = await allocation.pickup_options(
        session=session,
        channel=channel,
        needs=_needs(lines),
        reference=cart_holds.reference_of(cart.id),
        near=cart_holds.near_of(cart),
    )
    option = next((o for o in options if o.location_id == location_id), None)
    if option is None:
        raise NotFound("no pickup at this location for this channel", field="delivery.location_id")
    if option.missing:
        missing = [
            missing_line(x, option.missing[x.variant_id])
            for x in lines
            if x.variant_id in option.missing
        ]
        raise PickupUnavailable(
            f"{option.name} lacks {', '.join(m['sku'] for m in missing)}", missing=missing
        )
    holds: dict[uuid.UUID, Reservation] = await cart_holds.active(session, cart)
    for line in lines:
        try:
            await cart_holds.move_to(
                session, cart=cart, channel=channel, line=line, location_id=location_id, holds=holds
            )
        except OutOfStock as exc:  # a concurrent buyer took it since the options were read
            raise PickupUnavailable(
                f"{option.name} no longer has {line.sku}",
                missing=[missing_line(line, line.quantity)],
            ) from exc
    return {
        "kind": "pickup", "pickup_location_id": str(option.location_id), "code": option.code,
        "name": option.name, "address": option.address, "city": option.city,
        "timezone": option.timezone, "opening_hours": option.opening_hours,
        "amount": 0, "currency": cart.currency,
    }  # fmt: skip


def _missing_view(line: CartLine, quantity: int) -> MissingLine:
    return MissingLine(line_id=line.id, variant_id=line.variant_id, sku=line.sku, quantity=quantity)


def _needs(lines: list[CartLine]) -> dict[uuid.UUID, int]:
    return {line.variant_id: line.quantity for line in lines}


async def options(
    session: AsyncSession, cart: Cart, channel: Channel, lines: list[CartLine]
) -> DeliveryOptions:
    """Shipping methods for the cart's address with prices, and pickup locations (those that
    can give the whole cart first, the others saying which lines they lack). Read-only."""
    cur, loc = cart.currency, cart.locale
    shipping_options = [
        ShippingOption(
            method=q.method, name=q.name, carrier=q.carrier, amount=q.amount, currency=cur,
            formatted=money(q.amount, cur, loc).formatted,
            estimate=Estimate(min_days=q.min_days, max_days=q.max_days),
        )
        for q in await _quotes(session, cart, channel, lines)
    ]  # fmt: skip
    by_variant = {line.variant_id: line for line in lines}
    pickup = [
        PickupOptionView(
            location_id=o.location_id, code=o.code, name=o.name, address=o.address,
            city=o.city, latitude=o.latitude, longitude=o.longitude,
            opening_hours=o.opening_hours, timezone=o.timezone, distance_km=o.distance_km,
            amount=0, currency=cur, formatted=money(0, cur, loc).formatted,
            complete=not o.missing,
            missing=[_missing_view(by_variant[v], n) for v, n in o.missing.items()],
        )
        for o in await allocation.pickup_options(
            session=session, channel=channel, needs=_needs(lines),
            reference=cart_holds.reference_of(cart.id), near=cart_holds.near_of(cart),
        )
    ]  # fmt: skip
    return DeliveryOptions(
        shipping=shipping_options,
        pickup=pickup,
        needs=[] if cart.shipping_address else ["shipping_address"],
    )
