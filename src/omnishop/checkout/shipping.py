"""Shipping zones and methods (staff), and the quotes a cart gets for an address."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.catalog.rules import pick
from omnishop.channels import service as channels
from omnishop.channels.models import Channel
from omnishop.checkout import rules
from omnishop.checkout.models import ShippingMethod, ShippingZone
from omnishop.checkout.schemas import MethodCreate, MethodUpdate, ZoneCreate, ZoneUpdate
from omnishop.kernel.errors import Conflict, NotFound, ValidationFailed
from omnishop.kernel.logging import get_logger
from omnishop.kernel.money import Money, check_currency
from omnishop.pricing import service as pricing

log = get_logger(__name__)


def _countries(values: Sequence[str]) -> list[str]:
    out = [rules.check_country(c, field=f"countries[{i}]") for i, c in enumerate(values)]
    return sorted(set(out))


def _postcodes(values: Sequence[str]) -> list[str]:
    return [rules.check_postcode_pattern(p, field=f"postcodes[{i}]") for i, p in enumerate(values)]


async def create_zone(*, session: AsyncSession, data: ZoneCreate) -> ShippingZone:
    """A new shipping zone: countries, optionally narrowed to regions and postcodes."""
    zone = ShippingZone(
        name=data.name,
        countries=_countries(data.countries),
        regions=list(data.regions),
        postcodes=_postcodes(data.postcodes),
        active=data.active,
    )
    session.add(zone)
    await session.flush()
    return zone


async def update_zone(
    *, session: AsyncSession, zone_id: uuid.UUID, data: ZoneUpdate
) -> ShippingZone:
    """Change the fields sent; ``active=False`` stops every method of the zone."""
    zone = await session.get(ShippingZone, zone_id)
    if zone is None:
        raise NotFound("shipping zone not found", field="zone_id")
    changes = data.model_dump(exclude_unset=True)
    for name in ("name", "countries", "active"):
        if name in changes and changes[name] is None:
            raise ValidationFailed(f"{name} cannot be null", field=name)
    if "countries" in changes:
        changes["countries"] = _countries(changes["countries"])
    if "postcodes" in changes:
        changes["postcodes"] = _postcodes(changes["postcodes"] or [])
    if "regions" in changes:
        changes["regions"] = list(changes["regions"] or [])
    for name, value in changes.items():
        setattr(zone, name, value)
    await session.flush()
    return zone


async def list_zones(*, session: AsyncSession) -> list[ShippingZone]:
    return list(await session.scalars(select(ShippingZone).order_by(ShippingZone.name)))


async def _check_method(session: AsyncSession, values: Mapping[str, Any]) -> None:
    if await session.get(ShippingZone, values["zone_id"]) is None:
        raise NotFound("shipping zone not found", field="zone_id")
    check_currency(values["currency"])
    rules.check_tiers(values["rate_kind"], values["tiers"])
    if values["min_days"] > values["max_days"]:
        raise ValidationFailed("min_days cannot exceed max_days", field="min_days")
    for i, code in enumerate(values["channels"]):
        try:
            await channels.get_by_code(session=session, code=code, active_only=False)
        except NotFound:
            raise NotFound(f"unknown channel {code!r}", field=f"channels[{i}]") from None


async def create_method(*, session: AsyncSession, data: MethodCreate) -> ShippingMethod:
    """A shipping method in a zone; codes are unique."""
    values = data.model_dump()
    await _check_method(session, values)
    if await session.scalar(select(ShippingMethod.id).where(ShippingMethod.code == data.code)):
        raise Conflict(f"shipping method {data.code!r} already exists", field="code")
    method = ShippingMethod(**values)
    session.add(method)
    await session.flush()
    return method


async def update_method(
    *, session: AsyncSession, method_id: uuid.UUID, data: MethodUpdate
) -> ShippingMethod:
    """Change the fields sent (the whole method is re-checked); the code never changes."""
    method = await session.get(ShippingMethod, method_id)
    if method is None:
        raise NotFound("shipping method not found", field="method_id")
    changes = data.model_dump(exclude_unset=True)
    nullable = {"carrier", "free_over"}
    for name, value in changes.items():
        if value is None and name not in nullable:
            raise ValidationFailed(f"{name} cannot be null", field=name)
    current = {
        "zone_id": method.zone_id,
        "currency": method.currency,
        "rate_kind": method.rate_kind,
        "tiers": method.tiers,
        "min_days": method.min_days,
        "max_days": method.max_days,
        "channels": method.channels,
    }
    await _check_method(session, {**current, **changes})
    for name, value in changes.items():
        setattr(method, name, value)
    await session.flush()
    return method


async def list_methods(
    *, session: AsyncSession, zone_id: uuid.UUID | None = None
) -> list[ShippingMethod]:
    query = select(ShippingMethod).order_by(ShippingMethod.position, ShippingMethod.code)
    if zone_id is not None:
        query = query.where(ShippingMethod.zone_id == zone_id)
    return list(await session.scalars(query))


@dataclass(frozen=True)
class Quote:
    method: str
    name: str
    carrier: str | None
    amount: int  # in the cart's currency
    currency: str
    min_days: int
    max_days: int


async def _in(session: AsyncSession, amount: int, source: str, target: str) -> int:
    if source == target:
        return amount
    converted = await pricing.convert(
        session=session, price=Money(amount, source), to_currency=target
    )
    return converted.amount


async def quotes(
    *,
    session: AsyncSession,
    channel: Channel,
    address: Mapping[str, Any],
    currency: str,
    locale: str,
    weight_grams: int,
    subtotal: int,
) -> list[Quote]:
    """Every active method of every active zone covering ``address`` that can ship this
    cart, priced in the cart's ``currency`` (converted at the latest FX rate when the method
    is priced in another one; a method whose rate cannot be converted is not offered)."""
    zones = [
        z
        for z in await session.scalars(select(ShippingZone).where(ShippingZone.active.is_(True)))
        if rules.zone_matches(
            countries=z.countries, regions=z.regions, postcodes=z.postcodes, address=address
        )
    ]
    if not zones:
        return []
    methods = await session.scalars(
        select(ShippingMethod)
        .where(ShippingMethod.zone_id.in_([z.id for z in zones]), ShippingMethod.active.is_(True))
        .order_by(ShippingMethod.position, ShippingMethod.code)
    )
    out = []
    for m in methods:
        if m.channels and channel.code not in m.channels:
            continue
        try:
            value = await _in(session, subtotal, currency, m.currency)
            amount = rules.shipping_rate(
                rate_kind=m.rate_kind,
                tiers=m.tiers,
                free_over=m.free_over,
                weight_grams=weight_grams,
                order_value=value,
            )
            if amount is None:
                continue
            amount = await _in(session, amount, m.currency, currency)
        except NotFound:
            log.warning("no FX rate for a shipping method", method=m.code, currency=currency)
            continue
        # Staff may name a method in one language only: any name beats the bare code.
        name = pick(m.names, locale, channel.default_locale) or next(iter(m.names.values()), m.code)
        out.append(Quote(m.code, name, m.carrier, amount, currency, m.min_days, m.max_days))
    return out
