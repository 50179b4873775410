"""Read-side helpers of the buying pages (delivery estimate, cart freshness)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.channels.models import Channel
from omnishop.checkout import shipping
from omnishop.kernel import clock
from omnishop.kernel.money import Money


@dataclass(frozen=True)
class Estimate:
    name: str
    min_days: int
    max_days: int
    price: Money


async def delivery_estimate(
    *, session: AsyncSession, channel: Channel, locale: str, subtotal: Money | None
) -> list[Estimate]:
    """Shipping methods to the channel's country for one item, cheapest tier (the address
    refines it at checkout)."""
    if subtotal is None or not channel.country:
        return []
    quotes = await shipping.quotes(
        session=session,
        channel=channel,
        address={"country": channel.country},
        currency=channel.currency,
        locale=locale,
        weight_grams=0,
        subtotal=subtotal.amount,
    )
    return [Estimate(q.name, q.min_days, q.max_days, Money(q.amount, q.currency)) for q in quotes]


def minutes_left(expires_at: datetime | None) -> int | None:
    """Whole minutes until a hold lapses (0 once it has), for "reserved for N minutes"."""
    if expires_at is None:
        return None
    return max(0, int((expires_at - clock.now()).total_seconds() // 60))
