"""An in-store (POS) sale: the cashier rings up what the buyer holds and takes the money.

It goes through the same cart and completion as every other channel: a cart in the store's
channel, pickup at the store (so every unit is held, then committed, at that store), the
completion places the order on an in-person payment (cash or the store's card terminal,
captured at once), and the order is handed over at once. A phone or e-mail links the sale to
the customer's profile, so loyalty and returns work for it like for any online order."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.catalog.skus import variant_ids_by_sku
from omnishop.channels import service as channels
from omnishop.channels.models import Channel
from omnishop.checkout import completion, rules
from omnishop.checkout import service as carts
from omnishop.checkout.schemas import CartUpdate
from omnishop.customers import contacts
from omnishop.inventory import availability
from omnishop.inventory import service as inventory
from omnishop.inventory.models import Location
from omnishop.kernel.db import unit_of_work
from omnishop.kernel.errors import DomainError, NotFound, ValidationFailed
from omnishop.orders import pickup
from omnishop.orders import service as orders
from omnishop.orders.schemas import OrderInfo
from omnishop.payments.rules import COUNTER_CHANNELS
from omnishop.payments.schemas import InPersonPayment


@dataclass(frozen=True)
class SaleLine:
    quantity: int
    variant_id: uuid.UUID | None = None
    sku: str | None = None


@dataclass(frozen=True)
class Sale:
    order: OrderInfo
    payment: Any  # payments.service.PaymentInfo


async def _store_channel(session: AsyncSession, location: Location, code: str | None) -> Channel:
    """The channel the sale is made in: the one named (a store or POS channel), else the
    first store channel (by code) the location serves."""
    if code is not None:
        channel = await channels.get_by_code(session=session, code=code)
        if channel.kind not in COUNTER_CHANNELS:
            raise ValidationFailed(f"{code!r} is not a store channel", field="channel")
        return channel
    served = set(await inventory.location_channels(session=session, location_id=location.id))
    for channel in await channels.list_channels(session=session):
        if channel.kind in COUNTER_CHANNELS and (not served or channel.id in served):
            return channel
    raise NotFound(f"no store channel is served by {location.code!r}", field="channel")


async def _variant_ids(session: AsyncSession, lines: list[SaleLine]) -> list[uuid.UUID]:
    by_sku = await variant_ids_by_sku(
        session=session, skus=[ln.sku for ln in lines if ln.variant_id is None and ln.sku]
    )
    found: list[uuid.UUID] = []
    for index, line in enumerate(lines):
        if line.variant_id is not None:
            found.append(line.variant_id)
        elif line.sku is not None and line.sku in by_sku:
            found.append(by_sku[line.sku])
        else:
            raise NotFound(f"unknown SKU {line.sku!r}", field=f"lines[{index}].sku")
    return found


async def _ring_up(
    session: AsyncSession,
    *,
    location_code: str,
    lines: list[SaleLine],
    email: str | None,
    phone: str | None,
    channel_code: str | None,
) -> str:
    """The sale's cart, held at the store: its token."""
    location = await availability.location_by_code(session=session, code=location_code)
    channel = await _store_channel(session, location, channel_code)
    email = rules.check_email(email, field="customer.email") if email else None
    phone = rules.check_phone(phone, field="customer.phone") if phone else None
    customer_id = None
    if email or phone:
        customer_id = await contacts.find_or_create(
            session=session, email=email, phone=phone,
            locale=channel.default_locale, source_channel=channel.code,
        )  # fmt: skip
    cart = await carts.create_cart(session=session, channel=channel, customer_id=customer_id)
    # Pickup at the store first: every unit is then held at this store, nowhere else.
    contact: dict[str, Any] = {"delivery": {"kind": "pickup", "location_id": str(location.id)}}
    if email:
        contact["email"] = email
    if phone:
        contact["phone"] = phone
    await carts.update_cart(
        session=session, token=cart.token, data=CartUpdate.model_validate(contact)
    )
    for index, variant_id in enumerate(await _variant_ids(session, lines)):
        try:
            await carts.add_line(
                session=session, token=cart.token, variant_id=variant_id,
                quantity=lines[index].quantity,
            )  # fmt: skip
        except DomainError as exc:
            exc.field = f"lines[{index}]"
            raise
    return cart.token


async def sell(
    factory: async_sessionmaker[AsyncSession],
    *,
    location_code: str,
    lines: list[SaleLine],
    method: str,
    email: str | None = None,
    phone: str | None = None,
    channel_code: str | None = None,
    actor: str = "staff",
) -> Sale:
    """Ring up, take the money and hand over: a ``store``-channel order, paid and delivered,
    its units gone from that store's stock. Refusals (unknown SKU, not enough at this store)
    leave nothing behind."""
    if not lines:
        raise ValidationFailed("a sale needs at least one line", field="lines")
    async with unit_of_work(factory) as session:
        token = await _ring_up(
            session, location_code=location_code, lines=lines, email=email, phone=phone,
            channel_code=channel_code,
        )  # fmt: skip
    try:
        done = await completion.complete(
            factory, token=token, payment=InPersonPayment.model_validate({"method": method})
        )
    except DomainError:
        try:
            async with unit_of_work(factory) as session:  # the stock goes back on the shelf
                await carts.abandon(session=session, token=token)
        except DomainError:  # the cart moved on (e.g. still completing): its holds expire
            pass
        raise
    assert done.order is not None  # an in-person payment is captured: the order is placed
    async with unit_of_work(factory) as session:
        if done.payment.status == "captured":  # the order follows at once, not via the worker
            await orders.mark_paid(session=session, order_id=done.order.id, actor=actor)
        await pickup.collect_at_counter(session=session, order_id=done.order.id, actor=actor)
        order = await orders.get(session=session, order_id=done.order.id)
    return Sale(order=order, payment=done.payment)
