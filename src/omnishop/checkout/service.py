"""Carts for every channel: lines backed by stock holds, contact, address and delivery.

The storefront, the chat bot and the public API reach the same cart through these calls.
Every change needs an ``open`` cart; it refreshes the cart's activity and its holds' time.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.catalog.rules import pick
from omnishop.catalog.sale import variants_for_sale
from omnishop.channels import service as channels
from omnishop.channels.models import Channel
from omnishop.checkout import delivery, gifts, rules
from omnishop.checkout import holds as cart_holds
from omnishop.checkout import totals as cart_totals
from omnishop.checkout.errors import (
    CartNotFound,
    CartNotOpen,
    LineNotFound,
    PickupUnavailable,
    VariantNotForSale,
)
from omnishop.checkout.models import Cart, CartLine, CartState
from omnishop.checkout.schemas import (
    CartUpdate,
    CartView,
    DeliveryOptions,
    OrderRef,
)
from omnishop.checkout.views import cart_view
from omnishop.inventory import allocation
from omnishop.inventory.errors import OutOfStock
from omnishop.inventory.fulfilment import release_reference
from omnishop.inventory.models import Reservation
from omnishop.kernel import clock, ids
from omnishop.kernel.errors import NotFound, ValidationFailed
from omnishop.kernel.i18n import LOCALES
from omnishop.orders import service as orders
from omnishop.payments import service as payments
from omnishop.pricing import service as pricing

# --- loading ---


async def _find(session: AsyncSession, token: str) -> Cart:
    cart = await session.scalar(select(Cart).where(Cart.token == token))
    if cart is None:
        raise CartNotFound("cart not found", field="token")
    return cart


async def _lines(session: AsyncSession, cart_id: uuid.UUID) -> list[CartLine]:
    return list(
        await session.scalars(
            select(CartLine).where(CartLine.cart_id == cart_id).order_by(CartLine.created_at)
        )
    )


async def _open(session: AsyncSession, token: str) -> tuple[Cart, Channel]:
    """The cart, if open, claimed for this change. The UPDATE that records the activity is
    also the lock: a concurrent change or completion of the cart waits for this one."""
    cart = await session.scalar(
        update(Cart)
        .where(Cart.token == token, Cart.state == CartState.OPEN)
        .values(last_activity_at=clock.now())
        .returning(Cart),
        execution_options={"populate_existing": True},
    )
    if cart is None:
        raise CartNotOpen((await _find(session, token)).state)
    channel = await channels.get(session=session, channel_id=cart.channel_id)
    return cart, channel


async def _view(
    session: AsyncSession,
    cart: Cart,
    channel: Channel | None = None,
    lines: list[CartLine] | None = None,
) -> CartView:
    if channel is None:
        channel = await channels.get(session=session, channel_id=cart.channel_id)
    if lines is None:
        lines = await _lines(session, cart.id)
    holds = await cart_holds.active(session, cart)
    if cart.totals_snapshot and cart.state != CartState.OPEN:
        # What the payment was created for, not what a recomputation would say now.
        totals = cart_totals.CartTotals.from_json(cart.totals_snapshot)
    else:
        totals = await cart_totals.compute(session, cart=cart, lines=lines, channel=channel)
        if cart.state == CartState.OPEN and set(gifts.wanted(totals)) != {
            str(g["variant_id"]) for g in cart.gifts or []
        }:
            totals = await gifts.sync(session, cart=cart, channel=channel, totals=totals)
    if cart.state == CartState.OPEN and seen_changed(cart, totals):
        cart.promotions_seen = [a.promotion_id for a in totals.applied]
        await session.flush()
    view = cart_view(cart, channel_code=channel.code, lines=lines, holds=holds, totals=totals)
    if cart.order_id is not None:
        order = await orders.get(session=session, order_id=cart.order_id)
        view.order = OrderRef(id=order.id, number=order.number, token=order.token)
    elif cart.state == CartState.AWAITING_PAYMENT and cart.payment_id is not None:
        waiting = await payments.get(session=session, payment_id=cart.payment_id)
        view.next_action = waiting.next_action
    return view


async def _finish(
    session: AsyncSession, cart: Cart, channel: Channel, lines: list[CartLine]
) -> CartView:
    """After a change: the cart's holds live another TTL, the delivery price follows it."""
    await session.flush()
    await allocation.extend(
        session=session, reference=cart_holds.reference_of(cart.id), channel=channel
    )
    await delivery.requote(session, cart, channel, lines)
    await session.flush()
    return await _view(session, cart, channel, lines)


# --- carts ---


async def create_cart(
    *,
    session: AsyncSession,
    channel: Channel,
    customer_id: uuid.UUID | None = None,
    locale: str | None = None,
) -> CartView:
    """A new empty cart in a channel, addressed by an unguessable token."""
    if not channel.active:
        raise NotFound(f"unknown channel {channel.code!r}", field="channel")
    if locale is not None and locale not in LOCALES:
        raise ValidationFailed(f"locale must be one of {', '.join(LOCALES)}", field="locale")
    cart = Cart(
        token=ids.new_token(),
        channel_id=channel.id,
        customer_id=customer_id,
        currency=channel.currency,
        locale=locale or channel.default_locale,
        state=CartState.OPEN,
        last_activity_at=clock.now(),
    )
    session.add(cart)
    await session.flush()
    return cart_view(
        cart, channel_code=channel.code, lines=[], holds={},
        totals=cart_totals.empty(cart.currency),
    )  # fmt: skip


def seen_changed(cart: Cart, totals: cart_totals.CartTotals) -> bool:
    """The applied promotions differ from those the buyer was last shown."""
    return sorted(cart.promotions_seen or []) != sorted(a.promotion_id for a in totals.applied)


async def get_cart(*, session: AsyncSession, token: str) -> CartView:
    """The cart with its lines, holds and totals (any state)."""
    return await _view(session, await _find(session, token))


async def load_for_completion(*, session: AsyncSession, token: str) -> tuple[Cart, list[CartLine]]:
    """The cart row and its lines, loaded as they are (completion checks the state)."""
    cart = await _find(session, token)
    return cart, await _lines(session, cart.id)


async def abandon(*, session: AsyncSession, token: str) -> CartView:
    """The buyer (or the idle-cart job) gives the cart up: its stock is on sale again at once.
    Abandoning an abandoned cart changes nothing."""
    done = await session.scalar(
        update(Cart)
        .where(Cart.token == token, Cart.state == CartState.OPEN)
        .values(state=CartState.ABANDONED, last_activity_at=clock.now())
        .returning(Cart),
        execution_options={"populate_existing": True},
    )
    if done is None:
        cart = await _find(session, token)
        if cart.state != CartState.ABANDONED:
            raise CartNotOpen(cart.state)
        return await _view(session, cart)
    await release_reference(session=session, reference=cart_holds.reference_of(done.id))
    lines = await _lines(session, done.id)
    for line in lines:
        line.hold_ids = []
    await session.flush()
    return await _view(session, done, lines=lines)


# --- lines ---


async def _unit_price(
    session: AsyncSession, cart: Cart, channel: Channel, variant_id: uuid.UUID
) -> tuple[int, str, str]:
    """(price, sku, name) of a variant for sale in the cart's channel, or a clear refusal."""
    found = await variants_for_sale(
        session=session, variant_ids=[variant_id], channel_id=channel.id
    )
    variant = found.get(variant_id)
    if variant is None:
        raise NotFound("variant not found", field="variant_id")
    if not variant.for_sale:
        raise VariantNotForSale(variant.reason or "not for sale", field="variant_id")
    price = (
        await pricing.prices_for_variants(
            session=session, variant_ids=[variant_id], channel_id=channel.id
        )
    ).get(variant_id)
    if price is None or price.currency != cart.currency:
        raise VariantNotForSale("the variant has no price in this channel", field="variant_id")
    name = (
        pick(variant.names, cart.locale, channel.default_locale)
        or next(iter(variant.names.values()), None)
        or variant.sku
    )
    if variant.options:
        name = f"{name} ({', '.join(variant.options.values())})"
    return price.amount, variant.sku, name[:300]


async def add_line(
    *, session: AsyncSession, token: str, variant_id: uuid.UUID, quantity: int
) -> CartView:
    """Put a variant in the cart and hold its stock; the same variant again adds to its line.

    The price the buyer sees now is the line's price. 404 for an unknown variant, 409
    ``variant_not_for_sale`` when the channel does not sell it, 409 ``out_of_stock``."""
    rules.check_quantity(quantity)
    cart, channel = await _open(session, token)
    amount, sku, name = await _unit_price(session, cart, channel, variant_id)
    lines = await _lines(session, cart.id)
    line = next((x for x in lines if x.variant_id == variant_id), None)
    target = quantity + (line.quantity if line else 0)
    rules.check_quantity(target)
    if line is None:
        line = CartLine(
            id=ids.new_id(), cart_id=cart.id, variant_id=variant_id, quantity=0,
            unit_amount=amount, sku=sku, name=name, hold_ids=[], created_at=clock.now(),
        )  # fmt: skip
        session.add(line)
        lines.append(line)
    line.unit_amount, line.sku, line.name = amount, sku, name
    return await _grow(session, cart, channel, lines, line, target)


async def update_line(
    *, session: AsyncSession, token: str, line_id: uuid.UUID, quantity: int
) -> CartView:
    """Set a line's quantity: fewer units go back on sale at once, more are held; 0 removes."""
    rules.check_quantity(quantity, allow_zero=True)
    if quantity == 0:
        return await remove_line(session=session, token=token, line_id=line_id)
    cart, channel = await _open(session, token)
    lines = await _lines(session, cart.id)
    line = _line(lines, line_id)
    return await _grow(session, cart, channel, lines, line, quantity)


async def remove_line(*, session: AsyncSession, token: str, line_id: uuid.UUID) -> CartView:
    """Take a line out of the cart; its stock is on sale again at once."""
    cart, channel = await _open(session, token)
    lines = await _lines(session, cart.id)
    line = _line(lines, line_id)
    await cart_holds.release_line(session, line=line, holds=await cart_holds.active(session, cart))
    await session.delete(line)
    lines.remove(line)
    return await _finish(session, cart, channel, lines)


def _line(lines: list[CartLine], line_id: uuid.UUID) -> CartLine:
    for line in lines:
        if line.id == line_id:
            return line
    raise LineNotFound("no such line in this cart", field="line_id")


async def _grow(
    session: AsyncSession,
    cart: Cart,
    channel: Channel,
    lines: list[CartLine],
    line: CartLine,
    quantity: int,
) -> CartView:
    """Set a line's quantity. When it grows, every other write comes first and the stock
    row is updated last: in a flash sale that row is contended, and its lock is held from
    that UPDATE until the commit, so nothing else may sit in between."""
    with session.no_autoflush:  # a new line is inserted once, with its final values
        holds = await cart_holds.active(session, cart)
    mine = cart_holds.of_line(line, holds)
    if quantity <= sum(h.quantity for h in mine):
        await _resize(session, cart, channel, line, quantity, holds)
        return await _finish(session, cart, channel, lines)
    planned = ids.new_id()  # the new hold's id, recorded on the line before it exists
    line.quantity = quantity
    line.hold_ids = [str(h.id) for h in mine] + [str(planned)]
    await session.flush()
    await allocation.extend(
        session=session, reference=cart_holds.reference_of(cart.id), channel=channel
    )
    await delivery.requote(session, cart, channel, lines)
    await session.flush()
    await _resize(session, cart, channel, line, quantity, holds, planned)
    await session.flush()  # nothing to write unless the hold had to be split
    return await _view(session, cart, channel, lines)


async def _resize(
    session: AsyncSession,
    cart: Cart,
    channel: Channel,
    line: CartLine,
    quantity: int,
    holds: Mapping[uuid.UUID, Reservation] | None = None,
    planned: uuid.UUID | None = None,
) -> None:
    if holds is None:
        holds = await cart_holds.active(session, cart)
    try:
        await cart_holds.resize(
            session, cart=cart, channel=channel, line=line, quantity=quantity, holds=holds,
            reservation_id=planned,
        )  # fmt: skip
    except OutOfStock as exc:
        location = cart_holds.pickup_location(cart)
        if location is None:
            raise
        raise PickupUnavailable(
            "the chosen pickup location does not have this many",
            missing=[delivery.missing_line(line, quantity)],
        ) from exc


# --- contact, address, delivery ---


def _address(raw: dict[str, Any]) -> dict[str, Any]:
    address = dict(raw)
    address["country"] = rules.check_country(address["country"], field="shipping_address.country")
    if address.get("phone"):
        address["phone"] = rules.check_phone(address["phone"], field="shipping_address.phone")
    return address


async def update_cart(*, session: AsyncSession, token: str, data: CartUpdate) -> CartView:
    """Contact (email, phone), shipping address and the chosen delivery; only the fields
    sent change and ``null`` clears one. Shipping needs an address it delivers to; pickup
    moves the cart's holds to the location (409 ``pickup_unavailable`` naming the lines it
    lacks)."""
    sent = data.model_fields_set
    email = rules.check_email(data.email) if data.email is not None else None
    phone = rules.check_phone(data.phone) if data.phone is not None else None
    address = (
        _address(data.shipping_address.model_dump(exclude_none=True))
        if data.shipping_address is not None
        else None
    )
    cart, channel = await _open(session, token)
    lines = await _lines(session, cart.id)
    if "email" in sent:
        cart.email = email
    if "phone" in sent:
        cart.phone = phone
    if "shipping_address" in sent:
        cart.shipping_address = address
    if "delivery" in sent:
        choice = data.delivery
        if choice is None:
            cart.delivery = None
        elif choice.kind == "shipping":
            cart.delivery = await delivery.choose_shipping(
                session, cart, channel, lines, choice.method
            )
        else:
            cart.delivery = await delivery.choose_pickup(
                session, cart, channel, lines, choice.location_id
            )
    if "duties" in sent:
        cart.duties_mode = data.duties or "ddp"
    return await _finish(session, cart, channel, lines)


async def delivery_options(*, session: AsyncSession, token: str) -> DeliveryOptions:
    """Shipping methods for the cart's address with prices, and pickup locations (those that
    can give the whole cart first, the others saying which lines they lack). Read-only."""
    cart = await _find(session, token)
    channel = await channels.get(session=session, channel_id=cart.channel_id)
    return await delivery.options(session, cart, channel, await _lines(session, cart.id))
