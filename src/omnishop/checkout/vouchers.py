"""Voucher codes on a cart: the buyer types a code, sees what it gives (or why not), removes it.

Typing a code only checks that it exists and may be used now; its use is taken when the
payment starts (``checkout.completion``), so an abandoned cart never holds one."""

from __future__ import annotations

from typing import ClassVar

from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.checkout import service
from omnishop.checkout.schemas import CartView
from omnishop.checkout.totals import customer_key
from omnishop.kernel.errors import Conflict, NotFound
from omnishop.pricing import promotion_service as promotions
from omnishop.pricing.promotion_rules import normalize_code

MAX_CODES = 5


class TooManyVouchers(Conflict):
    code: ClassVar[str] = "too_many_vouchers"
    title: ClassVar[str] = "Too many voucher codes"


async def apply_voucher(*, session: AsyncSession, token: str, code: str) -> CartView:
    """Put a voucher code on an open cart: 404 ``voucher_not_found`` for an unknown code,
    409 ``voucher_unavailable`` (used up, ended, already used by this buyer) with the reason."""
    cart, channel = await service._open(session, token)
    normalized = await promotions.check_code(
        session=session, code=code, customer_key=customer_key(cart)
    )
    codes = list(cart.voucher_codes or [])
    if normalized not in codes:
        if len(codes) >= MAX_CODES:
            raise TooManyVouchers(f"at most {MAX_CODES} codes per cart", field="code")
        cart.voucher_codes = [*codes, normalized]
    await session.flush()
    return await service._view(session, cart, channel)


async def remove_voucher(*, session: AsyncSession, token: str, code: str) -> CartView:
    """Take a code off an open cart (404 if it is not on it)."""
    cart, channel = await service._open(session, token)
    normalized = normalize_code(code)
    codes = list(cart.voucher_codes or [])
    if normalized not in codes:
        raise NotFound("that code is not on the cart", field="code")
    cart.voucher_codes = [c for c in codes if c != normalized]
    await session.flush()
    return await service._view(session, cart, channel)
