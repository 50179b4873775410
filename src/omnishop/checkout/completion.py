"""Completing a cart: the one path from a cart to a paid-for order, for every channel.

Talking to a payment provider cannot happen inside our transaction (a PSP call may take
seconds, and its effect is not ours to roll back), so completion owns its units of work:

1. claim the cart (one conditional UPDATE open → completing: a second, concurrent
   completion of the same cart is refused), re-check prices and holds, create the payment;
2. authorise with the provider, outside any transaction of ours;
3. in ONE transaction: place the order (holds become committed stock), attach the payment,
   mark the cart completed — or, if the payment asks the buyer to act (3-D Secure, a bank
   app), park the cart awaiting_payment; a declined payment reopens the cart.

If the order cannot be placed after a charge, the charge is voided at once; if the process
dies in between, ``reconcile`` (a worker job) finds the orphaned payment and either places
the order (the buyer paid and the stock is still held) or voids the charge.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any, Literal

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.channels import service as channels
from omnishop.checkout import gifts
from omnishop.checkout import holds as cart_holds
from omnishop.checkout import points as cart_points
from omnishop.checkout import totals as cart_totals
from omnishop.checkout.completion_errors import (
    CartNotReady,
    CheckoutInProgress,
    PaymentDeclined,
    PriceChanged,
    PromotionChanged,
)
from omnishop.checkout.models import Cart, CartLine, CartState
from omnishop.inventory import allocation
from omnishop.inventory.errors import OutOfStock
from omnishop.kernel import clock, ids
from omnishop.kernel.db import unit_of_work
from omnishop.kernel.errors import Conflict, DomainError, NotFound
from omnishop.kernel.logging import get_logger
from omnishop.orders import service as orders
from omnishop.orders.drafts import DraftLine, OrderDraft
from omnishop.payments import service as payments
from omnishop.payments.rules import NO_CONTACT_NEEDED
from omnishop.payments.schemas import PaymentInput
from omnishop.payments.service import PaymentInfo
from omnishop.pricing import promotion_service as promotions
from omnishop.pricing import service as pricing

log = get_logger(__name__)

# A completion that has held a cart this long died with its process; another may take over.
STALE_CLAIM = timedelta(minutes=2)
OFFLINE_METHODS = {"cod": "shipping", "pay_at_pickup": "pickup"}


@dataclass(frozen=True)
class Completion:
    status: Literal["completed", "requires_action"]
    payment: PaymentInfo
    order: Any | None = None  # orders.service OrderInfo once placed
    next_action: dict[str, Any] | None = None


def cart_of(reference: str) -> uuid.UUID | None:
    kind, _, raw = reference.partition(":")
    if kind != "cart":
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        return None


async def complete(
    factory: async_sessionmaker[AsyncSession], *, token: str, payment: PaymentInput
) -> Completion:
    """Turn the cart into an order paid (or to be paid) with ``payment``."""
    async with unit_of_work(factory) as session:
        cart = await _claim(session, token)
        if isinstance(cart, Completion):
            return cart
        started = await _start_payment(session, cart, payment)
    return await _settle(factory, cart.id, await payments.authorize(factory, payment_id=started))


async def _claim(session: AsyncSession, token: str) -> Cart | Completion:
    """Take the cart for this completion, or say what became of an earlier one."""
    now = clock.now()
    # One statement claims and loads the cart (RETURNING the row).
    claimed = await session.scalar(
        update(Cart)
        .where(
            Cart.token == token,
            or_(
                Cart.state == CartState.OPEN,
                (Cart.state == CartState.COMPLETING) & (Cart.completing_since < now - STALE_CLAIM),
            ),
        )
        .values(state=CartState.COMPLETING, completing_since=now, last_activity_at=now)
        .returning(Cart)
        .execution_options(synchronize_session=False, populate_existing=True)
    )
    if claimed is not None:
        return claimed
    cart = await session.scalar(select(Cart).where(Cart.token == token))
    if cart is None:
        raise NotFound("cart not found", field="token")
    return await _earlier_outcome(session, cart)


async def _earlier_outcome(session: AsyncSession, cart: Cart) -> Completion | Cart:
    """A retried completion answers with what the first one achieved (or, after a failed
    challenge, takes the cart for a new payment: then the cart is returned)."""
    if cart.state == CartState.COMPLETED and cart.order_id is not None and cart.payment_id:
        order = await orders.get(session=session, order_id=cart.order_id)
        paid = await payments.get(session=session, payment_id=cart.payment_id)
        return Completion("completed", paid, order)
    if cart.state == CartState.AWAITING_PAYMENT and cart.payment_id is not None:
        waiting = await payments.get(session=session, payment_id=cart.payment_id)
        if waiting.status == "requires_action":
            return Completion("requires_action", waiting, next_action=waiting.next_action)
        if waiting.status in ("failed", "canceled"):
            # The buyer failed the challenge and tries again: this request takes the cart.
            retaken = await session.execute(
                update(Cart)
                .where(Cart.id == cart.id, Cart.state == CartState.AWAITING_PAYMENT)
                .values(state=CartState.COMPLETING, completing_since=clock.now())
                .execution_options(synchronize_session=False)
            )
            if retaken.rowcount:  # type: ignore[attr-defined]
                await cart_points.give_back(session, cart.id)  # the failed payment's points
                return cart
        raise CheckoutInProgress(
            "the payment for this cart is being confirmed; fetch the cart again shortly"
        )
    if cart.state == CartState.COMPLETING:
        raise CheckoutInProgress("this cart is being completed by another request")
    raise Conflict(f"the cart is {cart.state}", field="token", state=str(cart.state))


async def _start_payment(session: AsyncSession, cart: Cart, payment: PaymentInput) -> uuid.UUID:
    """Check the cart can be bought as it stands and create its pending payment."""
    lines = list(
        await session.scalars(
            select(CartLine).where(CartLine.cart_id == cart.id).order_by(CartLine.created_at)
        )
    )
    _check_ready(cart, lines, payment)
    await _check_prices(session, cart, lines)
    await _check_holds(session, cart, lines)
    totals = await _check_totals(session, cart, lines)
    started = await payments.create(
        session=session,
        reference=cart_holds.reference_of(cart.id),
        channel_id=cart.channel_id,
        customer_id=cart.customer_id,
        amount=totals.total,
        currency=cart.currency,
        payment=payment,
    )
    cart.payment_id = started.id
    cart.totals_snapshot = totals.as_json()
    await session.flush()
    # The points the payment was reduced by are burned with it (given back in _move).
    await cart_points.take(session, cart, totals.points, started.id)
    return started.id


def _check_ready(cart: Cart, lines: list[CartLine], payment: PaymentInput) -> None:
    if not lines:
        raise CartNotReady("the cart is empty", field="lines")
    # A walk-in buyer paying at a store counter (or a Telegram buyer, reachable in the chat
    # that paid) may stay anonymous.
    if not (cart.email or cart.phone) and payment.method not in NO_CONTACT_NEEDED:
        raise CartNotReady("an email or a phone number is needed", field="email")
    if not cart.delivery:
        raise CartNotReady("choose a delivery option first", field="delivery")
    needs = OFFLINE_METHODS.get(payment.method)
    if needs is not None and cart.delivery.get("kind") != needs:
        raise CartNotReady(
            f"{payment.method} is only offered with {needs} delivery", field="payment.method"
        )


async def _check_prices(session: AsyncSession, cart: Cart, lines: list[CartLine]) -> None:
    """A price that moved since the line was added is refused, never silently changed."""
    current = await pricing.prices_for_variants(
        session=session, variant_ids=[line.variant_id for line in lines], channel_id=cart.channel_id
    )
    for index, line in enumerate(lines):
        price = current.get(line.variant_id)
        if price is None or price.currency != cart.currency or price.amount != line.unit_amount:
            raise PriceChanged(
                line.id, line.sku, line.unit_amount, price.amount if price else None, index
            )


async def _check_totals(
    session: AsyncSession, cart: Cart, lines: list[CartLine]
) -> cart_totals.CartTotals:
    """The cart's money now, refused if a promotion the buyer was shown is gone or a voucher
    on the cart can no longer be used; takes each voucher's use (exactly, within limits)."""
    channel = await channels.get(session=session, channel_id=cart.channel_id)
    totals = await cart_totals.compute(session, cart=cart, lines=lines, channel=channel)
    # Gifts hold their unit like lines (a lapsed hold is taken again); one out of stock
    # loses its promotion, refused below like any other lost promotion.
    totals = await gifts.sync(session, cart=cart, channel=channel, totals=totals)
    for refused in totals.rejected:
        if refused.code and refused.code in (cart.voucher_codes or []):
            raise promotions.VoucherUnavailable(refused.code, refused.reason)
    lost = set(cart.promotions_seen or []) - {a.promotion_id for a in totals.applied}
    if lost:
        names = await promotions.names(
            session=session, promotion_ids=sorted(lost), locale=cart.locale
        )
        raise PromotionChanged(sorted(lost), names)
    amounts = {a.code: a.amount for a in totals.applied if a.code}
    await promotions.redeem(
        session=session, cart_id=cart.id, amounts=amounts,
        customer_key=cart_totals.customer_key(cart),
    )  # fmt: skip
    return totals


async def _check_holds(session: AsyncSession, cart: Cart, lines: list[CartLine]) -> None:
    """Every unit must still be held; a lapsed hold is taken again if stock allows."""
    channel = await channels.get(session=session, channel_id=cart.channel_id)
    holds = await cart_holds.active(session, cart)
    for index, line in enumerate(lines):
        try:
            await cart_holds.resize(
                session, cart=cart, channel=channel, line=line, quantity=line.quantity,
                holds=holds,
            )  # fmt: skip
        except OutOfStock as exc:
            raise OutOfStock(line.variant_id, line.quantity, field=f"lines[{index}]") from exc
    # Fresh holds for the time the payment takes.
    await allocation.extend(
        session=session, reference=cart_holds.reference_of(cart.id), channel=channel
    )


async def _settle(
    factory: async_sessionmaker[AsyncSession], cart_id: uuid.UUID, paid: PaymentInfo
) -> Completion:
    """Act on the provider's answer to the authorisation."""
    if paid.places_order:
        return await finalize(factory, cart_id, paid)
    if paid.status == "requires_action":
        async with unit_of_work(factory) as session:
            await _move(session, cart_id, CartState.COMPLETING, CartState.AWAITING_PAYMENT)
        return Completion("requires_action", paid, next_action=paid.next_action)
    async with unit_of_work(factory) as session:
        await _move(session, cart_id, CartState.COMPLETING, CartState.OPEN)
    raise PaymentDeclined(paid.failure_code or "payment_failed", paid.failure_message)


async def finalize(
    factory: async_sessionmaker[AsyncSession], cart_id: uuid.UUID, paid: PaymentInfo
) -> Completion:
    """Place the order for a payment the provider accepted; void the payment if we cannot."""
    try:
        async with unit_of_work(factory) as session:
            order = await place(session, cart_id, paid)
        return Completion("completed", paid, order)
    except CheckoutInProgress:
        raise  # another completion owns the cart: the payment is theirs to settle
    except DomainError as exc:
        log.warning("order not placed after payment", cart_id=str(cart_id), error=exc.detail)
        async with unit_of_work(factory) as session:
            await _move(session, cart_id, None, CartState.OPEN)
        await payments.void(factory, payment_id=paid.id, reason=f"order not placed: {exc.code}")
        raise


async def place(session: AsyncSession, cart_id: uuid.UUID, paid: PaymentInfo) -> Any:
    """In the caller's transaction: order + committed stock + attached payment + cart done.
    The cart must be owned by this payment (completing or awaiting it)."""
    order_id = ids.new_id()  # chosen here so the cart records it in the same UPDATE
    cart = await session.scalar(
        update(Cart)
        .where(
            Cart.id == cart_id,
            Cart.payment_id == paid.id,
            Cart.state.in_([CartState.COMPLETING, CartState.AWAITING_PAYMENT]),
        )
        .values(state=CartState.COMPLETED, order_id=order_id, last_activity_at=clock.now())
        .returning(Cart)
        .execution_options(synchronize_session=False, populate_existing=True)
    )
    if cart is None:
        raise CheckoutInProgress("the cart is no longer waiting for this payment")
    lines = list(
        await session.scalars(
            select(CartLine).where(CartLine.cart_id == cart_id).order_by(CartLine.created_at)
        )
    )
    draft = _draft(cart, lines, paid, order_id)
    wanted = {a["code"] for a in draft.adjustments if a.get("code")}
    if wanted - await promotions.redeemed_codes(session=session, cart_id=cart_id):
        # Never an order with a voucher whose use it does not hold.
        raise promotions.VoucherUnavailable(", ".join(sorted(wanted)), "its use was not taken")
    order = await orders.place(session=session, draft=draft)
    await payments.attach_order(session=session, payment_id=paid.id, order_id=order.id)
    return order


def _draft(cart: Cart, lines: list[CartLine], paid: PaymentInfo, order_id: uuid.UUID) -> OrderDraft:
    if not cart.totals_snapshot:
        raise CheckoutInProgress("the cart has no priced payment to place")
    totals = cart_totals.CartTotals.from_json(cart.totals_snapshot)
    delivery = dict(cart.delivery or {})
    if cart.shipping_address and delivery.get("kind") != "pickup":
        delivery["address"] = cart.shipping_address
    return OrderDraft(
        channel_id=cart.channel_id,
        cart_id=cart.id,
        currency=cart.currency,
        lines=tuple(
            DraftLine(
                variant_id=line.variant_id,
                sku=line.sku,
                name=line.name,
                quantity=line.quantity,
                unit_amount=line.unit_amount,
                hold_ids=tuple(uuid.UUID(str(h)) for h in line.hold_ids),
                discount_amount=totals.line(line.id).discount,
                tax_amount=totals.line(line.id).tax,
            )
            for line in lines
        )
        + tuple(_gift_line(g) for g in cart.gifts or []),
        shipping_amount=totals.shipping,
        discount_amount=totals.discount,
        tax_amount=totals.tax,
        tax_included=totals.tax_included,
        duty_amount=totals.duties,
        points_spent=totals.points,
        points_amount=totals.points_amount,
        adjustments=(*(_adjustment(a) for a in totals.applied), *totals.tax_adjustments()),
        email=cart.email,
        phone=cart.phone,
        customer_id=cart.customer_id,
        delivery=delivery,
        payment_id=paid.id,
        payment_method=paid.method,
        locale=cart.locale,
        order_id=order_id,
    )


def _gift_line(gift: dict[str, Any]) -> DraftLine:
    """A gift a promotion added: a zero-price line with its held unit."""
    return DraftLine(
        variant_id=uuid.UUID(str(gift["variant_id"])),
        sku=str(gift["sku"]),
        name=str(gift["name"]),
        quantity=1,
        unit_amount=0,
        hold_ids=tuple(uuid.UUID(str(h)) for h in gift["hold_ids"]),
    )


def _adjustment(applied: cart_totals.AppliedPromotion) -> dict[str, Any]:
    return {"kind": "promotion", **asdict(applied)}


async def _move(
    session: AsyncSession, cart_id: uuid.UUID, source: CartState | None, target: CartState
) -> bool:
    """Move the cart between completion states; ``source`` None means any unfinished one."""
    sources = [source] if source else [CartState.COMPLETING, CartState.AWAITING_PAYMENT]
    values: dict[str, Any] = {"state": target, "completing_since": None}
    if target == CartState.OPEN:
        values["totals_snapshot"] = None
    done = await session.execute(
        update(Cart)
        .where(Cart.id == cart_id, Cart.state.in_(sources))
        .values(last_activity_at=clock.now(), **values)
        .execution_options(synchronize_session=False)
    )
    moved = bool(done.rowcount)  # type: ignore[attr-defined]
    if moved and target == CartState.OPEN:
        # No order came of this payment: its voucher uses and points go back.
        await promotions.release(session=session, cart_id=cart_id)
        await cart_points.give_back(session, cart_id)
    return moved


async def settle_later(
    factory: async_sessionmaker[AsyncSession], paid: PaymentInfo, *, recovering: bool = False
) -> None:
    """A payment's outcome arrived after the request (webhook after 3-D Secure, or the
    reconcile job): place the order, reopen the cart, or void a charge nothing waits for.

    Only a cart awaiting the payment is settled here, unless ``recovering``: then a cart
    left ``completing`` by a request that died counts too (the job waits long enough that
    no live request still owns it)."""
    cart_id = cart_of(paid.reference)
    if cart_id is None or paid.order_id is not None:
        return
    states = [CartState.AWAITING_PAYMENT] + ([CartState.COMPLETING] if recovering else [])
    async with unit_of_work(factory) as session:
        cart = await session.get(Cart, cart_id)
        waiting = cart is not None and cart.payment_id == paid.id and cart.state in states
    if paid.places_order and waiting:
        try:
            await finalize(factory, cart_id, paid)
        except DomainError as exc:  # finalize voided the payment and reopened the cart
            log.info("late payment not turned into an order", error=exc.detail)
        return
    if paid.status in ("failed", "canceled"):
        if waiting:
            async with unit_of_work(factory) as session:
                await _move(session, cart_id, None, CartState.OPEN)
        return
    if not waiting and recovering:
        # Charged (or still pending) for a cart that moved on: give the money back.
        await payments.void(factory, payment_id=paid.id, reason="no order waits for it")
