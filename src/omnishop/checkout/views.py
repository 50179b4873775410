"""How a cart reads: lines with their holds, totals formatted in the cart's locale."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from omnishop.checkout import holds as cart_holds
from omnishop.checkout.models import Cart, CartLine
from omnishop.checkout.schemas import (
    CartLineView,
    CartView,
    HoldView,
    MoneyView,
    PromotionView,
    TaxLineView,
)
from omnishop.checkout.totals import CartTotals
from omnishop.inventory.models import Reservation
from omnishop.kernel.money import Money


def money(amount: int, currency: str, locale: str) -> MoneyView:
    return MoneyView(
        amount=amount, currency=currency, formatted=Money(amount, currency).format(locale)
    )


def subtotal_of(lines: Sequence[CartLine]) -> int:
    return sum(line.unit_amount * line.quantity for line in lines)


def shipping_of(cart: Cart) -> int:
    return int((cart.delivery or {}).get("amount") or 0)


def cart_view(
    cart: Cart,
    *,
    channel_code: str,
    lines: Sequence[CartLine],
    holds: Mapping[uuid.UUID, Reservation],
    totals: CartTotals,
) -> CartView:
    """The cart as the API and every channel's client sees it (``totals`` from
    ``checkout.totals.compute``)."""
    cur, loc = cart.currency, cart.locale
    line_views = []
    for line in lines:
        mine = cart_holds.of_line(line, holds)
        line_views.append(
            CartLineView(
                id=line.id,
                variant_id=line.variant_id,
                sku=line.sku,
                name=line.name,
                quantity=line.quantity,
                unit_price=money(line.unit_amount, cur, loc),
                line_total=money(line.unit_amount * line.quantity, cur, loc),
                discount=money(totals.line(line.id).discount, cur, loc),
                tax=money(totals.line(line.id).tax, cur, loc),
                held=sum(h.quantity for h in mine),
                holds=[
                    HoldView(
                        location_id=h.location_id, quantity=h.quantity, expires_at=h.expires_at
                    )
                    for h in mine
                ],
                hold_expires_at=min((h.expires_at for h in mine), default=None),
            )
        )
    return CartView(
        token=cart.token,
        channel=channel_code,
        state=cart.state,
        currency=cur,
        locale=loc,
        lines=line_views,
        subtotal=money(totals.subtotal, cur, loc),
        shipping=money(totals.shipping, cur, loc),
        total=money(totals.total, cur, loc),
        discount=money(totals.discount, cur, loc),
        shipping_discount=money(totals.shipping_discount, cur, loc),
        tax=money(totals.tax, cur, loc),
        tax_included=totals.tax_included,
        duties=money(totals.duties, cur, loc),
        tax_lines=[
            TaxLineView(name=t.name, rate_percent=t.rate_percent, amount=money(t.amount, cur, loc))
            for t in totals.tax_lines
        ],
        duties_mode=totals.duties_mode,
        duties_estimate=money(totals.duties_estimate, cur, loc) if totals.duties_mode else None,
        landed_total=money(totals.landed_total, cur, loc),
        points=totals.points,
        points_amount=money(totals.points_amount, cur, loc),
        vouchers=list(cart.voucher_codes or []),
        promotions=[
            PromotionView(
                name=a.name,
                reason=a.reason,
                promotion_id=a.promotion_id,
                code=a.code,
                amount=money(a.amount, cur, loc),
            )
            for a in totals.applied
        ],
        gifts=[_gift(g) for g in cart.gifts or []],
        promotions_rejected=[
            PromotionView(name=r.name, reason=r.reason, promotion_id=r.promotion_id, code=r.code)
            for r in totals.rejected
        ],
        email=cart.email,
        phone=cart.phone,
        shipping_address=cart.shipping_address,
        delivery=cart.delivery,
        order_id=cart.order_id,
        payment_id=cart.payment_id,
        expires_at=min((h.expires_at for lv in line_views for h in lv.holds), default=None),
    )


def _gift(gift: Mapping[str, Any]) -> dict[str, Any]:
    keys = ("variant_id", "sku", "name", "promotion_id")
    return {k: gift.get(k) for k in keys}
