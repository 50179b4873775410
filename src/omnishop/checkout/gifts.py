"""Gift items a promotion adds to a cart at zero price: each needs a unit of stock held like
any line (reference ``cart:<id>``, so abandoning or expiring the cart releases it too).

The cart keeps its gifts in ``Cart.gifts`` (``[{"promotion_id", "variant_id", "sku", "name",
"hold_ids"}]``), not as lines: the buyer cannot change a gift's quantity or price, and the
gift comes and goes with its promotion. Placing the order turns each into a zero-price line.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.catalog.sale import variants_for_sale
from omnishop.channels.models import Channel
from omnishop.checkout import holds as cart_holds
from omnishop.checkout.models import Cart, CartLine
from omnishop.checkout.totals import CartTotals, RejectedPromotion, say
from omnishop.inventory import allocation
from omnishop.inventory.errors import OutOfStock
from omnishop.pricing.promotion_rules import N_, Phrase

OUT_OF_STOCK = N_("the gift is out of stock")


def wanted(totals: CartTotals) -> dict[str, str]:
    """Gift variant id -> the promotion that gives it."""
    return {a.gift: a.promotion_id for a in totals.applied if a.gift}


async def sync(
    session: AsyncSession, *, cart: Cart, channel: Channel, totals: CartTotals
) -> CartTotals:
    """Hold one unit of each gift the totals give and release gifts no longer given. A gift
    that cannot be held moves its promotion to the rejected ones ("out of stock")."""
    want = wanted(totals)
    have = {str(g["variant_id"]): g for g in cart.gifts or []}
    holds = await cart_holds.active(session, cart)
    kept: list[dict[str, Any]] = []
    for variant_id, gift in have.items():
        if variant_id not in want:
            for raw in gift.get("hold_ids", []):
                if uuid.UUID(str(raw)) in holds:
                    await allocation.shrink(
                        session=session, reservation_id=uuid.UUID(str(raw)), quantity=0
                    )
    missing = [v for v in want if v not in have]
    info = await variants_for_sale(
        session=session, variant_ids=[uuid.UUID(v) for v in missing], channel_id=channel.id
    )
    failed: set[str] = set()
    for variant_id, promotion_id in want.items():
        gift = have.get(variant_id)
        if gift is None:
            sale = info.get(uuid.UUID(variant_id))
            if sale is None:
                failed.add(promotion_id)
                continue
            name = sale.names.get(cart.locale) or next(iter(sale.names.values()), sale.sku)
            gift = {"variant_id": variant_id, "sku": sale.sku, "name": name, "hold_ids": []}
        gift = {**gift, "promotion_id": promotion_id}
        # A transient line only for the hold bookkeeping: takes the unit, or again if lapsed.
        line = CartLine(variant_id=uuid.UUID(variant_id), quantity=0, hold_ids=gift["hold_ids"])
        try:
            async with session.begin_nested():
                await cart_holds.resize(
                    session, cart=cart, channel=channel, line=line, quantity=1, holds=holds
                )
        except OutOfStock:
            failed.add(promotion_id)
            continue
        kept.append({**gift, "hold_ids": list(line.hold_ids)})
    cart.gifts = kept
    await session.flush()
    if not failed:
        return totals
    gone = [a for a in totals.applied if a.promotion_id in failed]
    return replace(
        totals,
        applied=tuple(a for a in totals.applied if a.promotion_id not in failed),
        rejected=(
            *totals.rejected,
            *(
                RejectedPromotion(a.name, say(Phrase(OUT_OF_STOCK), cart), a.promotion_id, a.code)
                for a in gone
            ),
        ),
        gifts=tuple(g for g in totals.gifts if want.get(g) not in failed),
    )
