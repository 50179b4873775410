"""Completing a cart whose money a chat platform already collected (Telegram Payments).

The same completion as every channel (completion.py: claim the cart, re-check prices, holds
and totals, create the payment, place the order), but in the CALLER's transaction: there is
no provider to call outside it, the money is already taken, so claim + captured payment +
order + committed stock + cart completed happen in one unit of work, all or nothing."""

from __future__ import annotations

from typing import ClassVar

from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.checkout import completion
from omnishop.checkout.completion import Completion
from omnishop.kernel.errors import Conflict
from omnishop.payments import service as payments
from omnishop.payments import telegram
from omnishop.payments.schemas import TelegramPayment


class AmountMismatch(Conflict):
    code: ClassVar[str] = "paid_amount_mismatch"
    title: ClassVar[str] = "The amount paid is not the cart's total"


async def complete_telegram(
    *, session: AsyncSession, token: str, charge_id: str, amount: int, currency: str
) -> Completion:
    """Place the cart's order on the Telegram charge ``charge_id`` of ``amount`` minor units.

    Raises a DomainError (and the caller rolls back) when the cart cannot be placed or the
    amount paid is not what the cart costs now. A cart already completed answers with its
    earlier outcome (a redelivered payment places nothing twice)."""
    claimed = await completion._claim(session, token)
    if isinstance(claimed, Completion):
        return claimed
    payment = TelegramPayment.model_validate({"method": "telegram", "token": charge_id})
    payment_id = await completion._start_payment(session, claimed, payment)
    started = await payments.get(session=session, payment_id=payment_id)
    if started.amount != amount or started.currency != currency.upper():
        raise AmountMismatch(
            f"paid {amount} {currency}, the cart costs {started.amount} {started.currency}",
            field="total_amount",
        )
    paid = await telegram.collect(session=session, payment_id=payment_id)
    order = await completion.place(session, claimed.id, paid)
    return Completion("completed", paid, order)
