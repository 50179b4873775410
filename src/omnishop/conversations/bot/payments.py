"""Telegram Payments inside the chat: the pre-checkout query is answered after a stock check
(whoever holds the conversation: Telegram cancels the payment after 10 s without an answer),
and a successful payment places the order through the checkout's completion (a captured
``telegram`` payment), or, when it cannot, is recorded for a refund by staff and handed to a
person.

The invoice (``invoice``) bills the cart's lines; its payload is the cart token. A delivery
invoice also asks Telegram for the buyer's name, phone and address and prices the shipping
options when the address arrives (bot/delivery.py)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.checkout import collected
from omnishop.checkout import service as checkout
from omnishop.checkout.completion_errors import CartNotReady
from omnishop.checkout.models import CartState
from omnishop.checkout.schemas import CartUpdate, CartView, MoneyView
from omnishop.conversations import handoff, service
from omnishop.conversations.bot import delivery, rules
from omnishop.conversations.bot.texts import t
from omnishop.conversations.models import Conversation, Message
from omnishop.conversations.wire import Invoice, OutboundContent
from omnishop.inventory import service as inventory
from omnishop.kernel.errors import Conflict, DomainError, NotFound
from omnishop.kernel.settings import get_settings
from omnishop.payments import telegram


def invoice_total(cart: CartView) -> int:
    """What the invoice bills: the cart's total, what completion charges (minor units)."""
    return cart.total.amount


def invoice_prices(cart: CartView, language: str) -> tuple[tuple[str, int], ...]:
    """Telegram's price breakdown: the lines, then what checkout.totals added or took off
    (a discount and points as negative components, as the Bot API allows). It always sums
    to the cart's total; if a component the cart does not itemise made up the difference,
    one "Total" component is billed instead, never a wrong amount."""
    parts = [(line.name[:32], line.line_total.amount) for line in cart.lines]

    def add(key: str, money: MoneyView | None, sign: int = 1) -> None:
        if money is not None and money.amount:
            parts.append((t(key, language)[:32], sign * money.amount))

    add("invoice.discount", cart.discount, -1)
    add("invoice.shipping", cart.shipping)
    if not cart.tax_included:
        add("invoice.tax", cart.tax)
    add("invoice.duties", cart.duties)
    add("invoice.points", cart.points_amount, -1)
    if sum(amount for _, amount in parts) != cart.total.amount:
        return ((t("invoice.total", language), cart.total.amount),)
    return tuple(parts)


def invoice(cart: CartView, language: str, shop: str, *, ship: bool = False) -> Invoice:
    """sendInvoice for the cart; ``ship``: Telegram collects a name, a phone and an address
    and asks us for the shipping options (``is_flexible``); the cart holds no delivery then."""
    return Invoice(
        title=f"{t('invoice.title', language)} — {shop}"[:32],
        description=", ".join(f"{x.name} × {x.quantity}" for x in cart.lines)[:255],
        payload=cart.token,
        currency=cart.currency,
        prices=invoice_prices(cart, language),
        need_name=ship,
        need_phone_number=ship,
        need_shipping_address=ship,
        is_flexible=ship,
    )


async def shipping_query(
    *, session: AsyncSession, conversation_id: uuid.UUID, message_id: uuid.UUID
) -> None:
    """Answer one shipping_query: the shipping options for the address, priced by checkout,
    or ok=false with the reason when we cannot deliver there (or the cart is gone)."""
    conversation = await session.get(Conversation, conversation_id)
    message = await session.get(Message, message_id)
    if conversation is None or message is None:
        return
    asked: dict[str, Any] = dict((message.body or {}).get("payment") or {})
    query_id = asked.get("shipping_query_id")
    if not query_id:
        return
    language = conversation.language
    token = str(asked.get("invoice_payload") or "")
    try:
        cart: CartView | None = await checkout.get_cart(session=session, token=token)
    except NotFound:
        cart = None
    found: list[dict[str, Any]] = []
    if cart is not None and cart.state == CartState.OPEN:
        found = await delivery.options(
            session=session,
            token=token,
            address=delivery.address_of(asked.get("shipping_address")),
            language=language,
        )
    answer: dict[str, Any] = {
        "method": "answerShippingQuery",
        "shipping_query_id": str(query_id),
        "ok": bool(found),
    }
    if found:
        answer["shipping_options"] = found
    else:
        gone = cart is None or cart.state != CartState.OPEN
        answer["error_message"] = t(
            "precheckout.gone" if gone else "shipping.unavailable", language
        )
    await service.send(
        session=session,
        conversation_id=conversation_id,
        content=OutboundContent(answer=answer),
        author="system",
    )


async def _held(session: AsyncSession, cart: CartView) -> bool:
    """Hold again the units of lines whose hold lapsed; False when stock is gone."""
    for line in cart.lines:
        if line.held >= line.quantity:
            continue
        try:
            async with session.begin_nested():
                await checkout.update_line(
                    session=session, token=cart.token, line_id=line.id, quantity=line.quantity
                )
        except DomainError:
            return False
    return True


async def pre_checkout(
    *, session: AsyncSession, conversation_id: uuid.UUID, message_id: uuid.UUID
) -> None:
    """Answer one pre_checkout_query: ok only for an open cart whose units are all held (at
    the pickup point, chosen here when the customer has not) and whose lines still cost what
    the invoice said."""
    conversation = await session.get(Conversation, conversation_id)
    message = await session.get(Message, message_id)
    if conversation is None or message is None:
        return
    asked: dict[str, Any] = dict((message.body or {}).get("payment") or {})
    query_id = asked.get("pre_checkout_query_id")
    if not query_id:
        return
    try:
        cart: CartView | None = await checkout.get_cart(
            session=session, token=str(asked.get("invoice_payload") or "")
        )
    except NotFound:
        cart = None
    held = cart is not None and cart.state == CartState.OPEN and await _held(session, cart)
    undeliverable = False
    if held and cart is not None:
        # The pickup point (or the address and shipping option the buyer gave Telegram) is
        # settled now, before Telegram takes the money: a store that cannot hold every unit,
        # or an address we do not ship to, refuses the payment instead of a refund after it.
        try:
            async with session.begin_nested():
                await _delivery(session, conversation, cart, asked)
        except DomainError:
            held = False
            undeliverable = delivery.wants_delivery(asked)
        cart = await checkout.get_cart(session=session, token=cart.token)
    verdict = (
        "shipping.unavailable"
        if undeliverable
        else rules.pre_checkout_verdict(
            cart_open=cart is not None and cart.state == CartState.OPEN,
            held=held,
            currency=cart.currency if cart else None,
            total=invoice_total(cart) if cart else None,
            asked_currency=str(asked.get("currency") or ""),
            asked_total=int(asked.get("total_amount") or -1),
        )
    )
    language = conversation.language
    answer: dict[str, Any] = {
        "method": "answerPreCheckoutQuery",
        "pre_checkout_query_id": str(query_id),
        "ok": verdict is None,
    }
    if verdict is not None:
        answer["error_message"] = t(verdict, language)
    await service.send(
        session=session,
        conversation_id=conversation_id,
        content=OutboundContent(answer=answer),
        author="system",
    )


async def _delivery(
    session: AsyncSession, conversation: Conversation, cart: CartView, payment: dict[str, Any]
) -> dict[str, str]:
    """Settle the delivery a Telegram payment is for on the cart: the address and shipping
    option the buyer gave Telegram (a delivery invoice), else pickup. Returns what the
    confirmation says of it; DomainError when it cannot be had."""
    if delivery.wants_delivery(payment):
        shipped = await delivery.apply(session=session, token=cart.token, payment=payment)
        name, address = delivery.where(shipped)
        return {"delivery": name, "address": address}
    return {"pickup": await _pickup(session, conversation, cart)}


async def _pickup(session: AsyncSession, conversation: Conversation, cart: CartView) -> str:
    """The invoice bills the lines only, so the order is picked up (free): at the store the
    customer chose before paying, else the first pickup point (by priority) holding every
    unit. Returns the pickup point's name; DomainError when none can."""
    delivery = cart.delivery or {}
    if delivery.get("kind") == "pickup":
        return str(delivery.get("name") or delivery.get("code") or "—")
    spots = await inventory.list_locations(session=session, channel_id=conversation.channel_id)
    last: DomainError = CartNotReady("no pickup point holds the items", field="delivery")
    for spot in spots:
        if not spot.pickup:
            continue
        try:
            async with session.begin_nested():
                await checkout.update_cart(
                    session=session,
                    token=cart.token,
                    data=CartUpdate.model_validate(
                        {"delivery": {"kind": "pickup", "location_id": str(spot.id)}}
                    ),
                )
            return spot.name
        except DomainError as exc:
            last = exc
    raise last


async def paid(*, session: AsyncSession, conversation_id: uuid.UUID, message_id: uuid.UUID) -> None:
    """A successful_payment (stored once per telegram_payment_charge_id by ``receive``):
    its delivery (pickup, or the address and shipping option from ``order_info``, whose
    price ``total_amount`` includes) is put on the cart, then the cart becomes an order
    through the checkout's completion, in this transaction, on a captured ``telegram``
    payment; the customer gets the order number and its status link.

    If the order cannot be placed (the amount paid is not the cart's total, the cart is gone
    or cannot be bought as it stands) the payment is still recorded, flagged for a refund by
    staff, the customer is told and the chat goes to a person. Idempotent on the charge id."""
    conversation = await session.get(Conversation, conversation_id)
    message = await session.get(Message, message_id)
    if conversation is None or message is None:
        return
    payment: dict[str, Any] = dict((message.body or {}).get("payment") or {})
    charge_id = str(payment.get("telegram_payment_charge_id") or "")
    if not charge_id or await telegram.by_charge(session=session, charge_id=charge_id):
        return  # nothing to act on, or this charge was settled already
    token = str(payment.get("invoice_payload") or "")
    amount = int(payment.get("total_amount") or 0)
    currency = str(payment.get("currency") or "")
    language = conversation.language
    try:
        async with session.begin_nested():
            cart = await checkout.get_cart(session=session, token=token)
            said = await _delivery(session, conversation, cart, payment)
            done = await collected.complete_telegram(
                session=session, token=token, charge_id=charge_id, amount=amount,
                currency=currency,
            )  # fmt: skip
            order = done.order
            ours = await telegram.by_charge(session=session, charge_id=charge_id)
            if order is None or ours is None or ours.id != done.payment.id:
                raise Conflict("the cart was paid for by another payment", field="token")
    except DomainError as exc:
        await _unplaced(session, conversation, payment, exc)
        return
    link = f"{get_settings().base_url.rstrip('/')}/order/{order.token}"
    if "pickup" in said:
        text = t("placed.pickup", language, number=order.number, pickup=said["pickup"], link=link)
    else:
        text = t("placed.delivery", language, number=order.number, link=link, **said)
    await service.send(
        session=session,
        conversation_id=conversation_id,
        content=OutboundContent(text=text),
        author="system",
    )


async def _unplaced(
    session: AsyncSession, conversation: Conversation, payment: dict[str, Any], exc: DomainError
) -> None:
    """Compensation: the money is recorded for a refund by staff, the customer told, the
    chat handed to a person with everything needed to refund or place the order by hand."""
    charge_id = str(payment.get("telegram_payment_charge_id") or "")
    recorded = await telegram.record_unplaced(
        session=session,
        channel_id=conversation.channel_id,
        customer_id=conversation.customer_id,
        charge_id=charge_id,
        provider_charge_id=payment.get("provider_payment_charge_id"),
        amount=int(payment.get("total_amount") or 0),
        currency=str(payment.get("currency") or "XXX"),
        reason=f"order not placed: {exc.code}: {exc.detail or exc.title}",
        conversation_id=conversation.id,
    )
    await service.send(
        session=session,
        conversation_id=conversation.id,
        content=OutboundContent(text=t("unplaced", conversation.language)),
        author="system",
    )
    summary = "\n".join(
        [
            "reason: telegram payment received, the order could not be placed: REFUND it "
            "in the payment provider's dashboard, or place the order by hand",
            f"why: {exc.code}: {exc.detail or exc.title}",
            f"payment: {recorded.id} ({telegram.REFUND_REQUIRED})",
            f"telegram_payment_charge_id: {charge_id}",
            f"provider_payment_charge_id: {payment.get('provider_payment_charge_id')}",
            f"amount: {payment.get('total_amount')} {payment.get('currency')}",
            f"cart: {payment.get('invoice_payload')}",
        ]
    )
    await handoff.handoff(
        session=session, conversation_id=conversation.id, reason="payment", summary=summary
    )
