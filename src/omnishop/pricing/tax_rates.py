"""Staff upkeep of the tax tables: country settings, tax rates, duty rates, channel overrides."""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.channels import service as channels
from omnishop.kernel.errors import Conflict, NotFound, ValidationFailed
from omnishop.kernel.money import check_currency
from omnishop.pricing import taxes
from omnishop.pricing.tax_models import ChannelTaxSetting, DutyRate, TaxCountry, TaxRate
from omnishop.pricing.tax_schemas import (
    ChannelTaxRead,
    DutyRateCreate,
    DutyRateRead,
    DutyRateUpdate,
    TaxCountryRead,
    TaxCountrySet,
    TaxRateCreate,
    TaxRateRead,
    TaxRateUpdate,
)


def _rate_read(r: TaxRate) -> TaxRateRead:
    return TaxRateRead(
        id=r.id,
        country=r.country,
        region=r.region or None,
        tax_class=r.tax_class,
        rate_percent=Decimal(r.rate_percent),
        name=r.name,
        active=r.active,
    )


async def set_country(
    *, session: AsyncSession, country: str, data: TaxCountrySet
) -> TaxCountryRead:
    """Store how a country taxes (upsert)."""
    code = country.upper()
    if len(code) != 2 or not code.isalpha():
        raise ValidationFailed("country must be an ISO 3166 alpha-2 code", field="country")
    row = await session.scalar(select(TaxCountry).where(TaxCountry.country == code))
    if row is None:
        row = TaxCountry(country=code)
        session.add(row)
    for name, value in data.model_dump().items():
        setattr(row, name, value)
    await session.flush()
    return TaxCountryRead.model_validate(row)


async def list_countries(*, session: AsyncSession) -> list[TaxCountryRead]:
    """Every country's stored tax settings, by country code."""
    rows = await session.scalars(select(TaxCountry).order_by(TaxCountry.country))
    return [TaxCountryRead.model_validate(r) for r in rows]


async def create_tax_rate(*, session: AsyncSession, data: TaxRateCreate) -> TaxRateRead:
    """Add the rate of a tax class in a country (or one of its regions); one per class."""
    region = data.region or ""
    taken = await session.scalar(
        select(TaxRate.id).where(
            TaxRate.country == data.country,
            TaxRate.region == region,
            TaxRate.tax_class == data.tax_class,
        )
    )
    if taken is not None:
        raise Conflict(
            f"{data.country} {region or '(country)'} already has a {data.tax_class} rate",
            field="tax_class",
        )
    row = TaxRate(
        country=data.country,
        region=region,
        tax_class=data.tax_class,
        rate_percent=data.rate_percent,
        name=data.name,
        active=data.active,
    )
    session.add(row)
    await session.flush()
    return _rate_read(row)


async def _tax_rate(session: AsyncSession, rate_id: uuid.UUID) -> TaxRate:
    row = await session.get(TaxRate, rate_id)
    if row is None:
        raise NotFound("tax rate not found", field="id")
    return row


async def get_tax_rate(*, session: AsyncSession, rate_id: uuid.UUID) -> TaxRateRead:
    """One tax rate."""
    return _rate_read(await _tax_rate(session, rate_id))


async def update_tax_rate(
    *, session: AsyncSession, rate_id: uuid.UUID, data: TaxRateUpdate
) -> TaxRateRead:
    """Change the fields sent."""
    row = await _tax_rate(session, rate_id)
    for name, value in data.model_dump(exclude_unset=True).items():
        if value is None:
            raise ValidationFailed(f"{name} cannot be null", field=name)
        setattr(row, name, value)
    await session.flush()
    return _rate_read(row)


async def delete_tax_rate(*, session: AsyncSession, rate_id: uuid.UUID) -> None:
    """Remove a tax rate (orders keep the tax they were charged)."""
    await session.delete(await _tax_rate(session, rate_id))
    await session.flush()


async def list_tax_rates(*, session: AsyncSession, country: str | None = None) -> list[TaxRateRead]:
    """Tax rates, by country, region and class."""
    query = select(TaxRate).order_by(TaxRate.country, TaxRate.region, TaxRate.tax_class)
    if country:
        query = query.where(TaxRate.country == country.upper())
    return [_rate_read(r) for r in await session.scalars(query)]


async def create_duty_rate(*, session: AsyncSession, data: DutyRateCreate) -> DutyRateRead:
    """Add a destination's duty for an HS prefix; one per country and prefix."""
    check_currency(data.de_minimis_currency, field="de_minimis_currency")
    taken = await session.scalar(
        select(DutyRate.id).where(
            DutyRate.country == data.country, DutyRate.hs_prefix == data.hs_prefix
        )
    )
    if taken is not None:
        raise Conflict(
            f"{data.country} already has a duty rate for {data.hs_prefix or 'every code'}",
            field="hs_prefix",
        )
    row = DutyRate(**data.model_dump())
    session.add(row)
    await session.flush()
    return DutyRateRead.model_validate(row)


async def _duty_rate(session: AsyncSession, rate_id: uuid.UUID) -> DutyRate:
    row = await session.get(DutyRate, rate_id)
    if row is None:
        raise NotFound("duty rate not found", field="id")
    return row


async def get_duty_rate(*, session: AsyncSession, rate_id: uuid.UUID) -> DutyRateRead:
    """One duty rate."""
    return DutyRateRead.model_validate(await _duty_rate(session, rate_id))


async def update_duty_rate(
    *, session: AsyncSession, rate_id: uuid.UUID, data: DutyRateUpdate
) -> DutyRateRead:
    """Change the fields sent."""
    row = await _duty_rate(session, rate_id)
    changes = data.model_dump(exclude_unset=True)
    for name, value in changes.items():
        if value is None and name != "name":
            raise ValidationFailed(f"{name} cannot be null", field=name)
    if changes.get("de_minimis_currency"):
        check_currency(changes["de_minimis_currency"], field="de_minimis_currency")
    for name, value in changes.items():
        setattr(row, name, value if value is not None else "")
    await session.flush()
    return DutyRateRead.model_validate(row)


async def delete_duty_rate(*, session: AsyncSession, rate_id: uuid.UUID) -> None:
    """Remove a duty rate."""
    await session.delete(await _duty_rate(session, rate_id))
    await session.flush()


async def list_duty_rates(
    *, session: AsyncSession, country: str | None = None
) -> list[DutyRateRead]:
    """Duty rates, by country and HS prefix."""
    query = select(DutyRate).order_by(DutyRate.country, DutyRate.hs_prefix)
    if country:
        query = query.where(DutyRate.country == country.upper())
    return [DutyRateRead.model_validate(r) for r in await session.scalars(query)]


async def set_channel_prices_include_tax(
    *, session: AsyncSession, channel_code: str, prices_include_tax: bool | None
) -> ChannelTaxRead:
    """Make a channel's prices include (or exclude) tax unlike its country; ``None`` follows the
    country again."""
    channel = await channels.get_by_code(session=session, code=channel_code, active_only=False)
    row = await session.get(ChannelTaxSetting, channel.id)
    if row is None:
        row = ChannelTaxSetting(channel_id=channel.id)
        session.add(row)
    row.prices_include_tax = prices_include_tax
    await session.flush()
    return await channel_tax(session=session, channel_code=channel_code)


async def channel_tax(*, session: AsyncSession, channel_code: str) -> ChannelTaxRead:
    """Whether a channel's prices include tax now, and whether the channel says so itself."""
    channel = await channels.get_by_code(session=session, code=channel_code, active_only=False)
    own = await session.get(ChannelTaxSetting, channel.id)
    return ChannelTaxRead(
        channel=channel.code,
        prices_include_tax=await taxes.prices_include_tax(session=session, channel=channel),
        overridden=own is not None and own.prices_include_tax is not None,
    )
