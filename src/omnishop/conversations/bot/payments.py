"""Telegram Payments inside the chat: the pre-checkout query is answered after a stock check
(whoever holds the conversation: Telegram cancels the payment after 10 s without an answer),
and a successful payment is acknowledged and handed to a person to place the order.

The invoice (shop.pay) bills the cart's lines; its payload is the cart token."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.checkout import service as checkout
from omnishop.checkout.models import CartState
from omnishop.checkout.schemas import CartView
from omnishop.conversations import handoff, service
from omnishop.conversations.bot import rules
from omnishop.conversations.bot.texts import t
from omnishop.conversations.models import Conversation, Message
from omnishop.conversations.wire import OutboundContent
from omnishop.kernel.errors import DomainError, NotFound


def invoice_total(cart: CartView) -> int:
    """What the invoice bills: the sum of the line totals (minor units)."""
    return sum(line.line_total.amount for line in cart.lines)


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
    """Answer one pre_checkout_query: ok only for an open cart whose units are all held and
    whose lines still cost what the invoice said."""
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
    if held and cart is not None:
        cart = await checkout.get_cart(session=session, token=cart.token)
    verdict = rules.pre_checkout_verdict(
        cart_open=cart is not None and cart.state == CartState.OPEN,
        held=held,
        currency=cart.currency if cart else None,
        total=invoice_total(cart) if cart else None,
        asked_currency=str(asked.get("currency") or ""),
        asked_total=int(asked.get("total_amount") or -1),
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


async def paid(*, session: AsyncSession, conversation_id: uuid.UUID, message_id: uuid.UUID) -> None:
    """A successful_payment (stored once per telegram_payment_charge_id by ``receive``):
    thank the customer and queue the chat for a person with the charge and the cart."""
    conversation = await session.get(Conversation, conversation_id)
    message = await session.get(Message, message_id)
    if conversation is None or message is None:
        return
    payment: dict[str, Any] = dict((message.body or {}).get("payment") or {})
    await service.send(
        session=session,
        conversation_id=conversation_id,
        content=OutboundContent(text=t("paid", conversation.language)),
        author="system",
    )
    summary = "\n".join(
        [
            "reason: telegram payment received, place the order",
            f"telegram_payment_charge_id: {payment.get('telegram_payment_charge_id')}",
            f"provider_payment_charge_id: {payment.get('provider_payment_charge_id')}",
            f"amount: {payment.get('total_amount')} {payment.get('currency')}",
            f"cart: {payment.get('invoice_payload')}",
        ]
    )
    await handoff.handoff(
        session=session, conversation_id=conversation_id, reason="payment", summary=summary
    )
