"""Taxes and duties API (staff): country settings, tax rates by class, duty rates by HS prefix."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response

from omnishop.api.auth import require_scope
from omnishop.api.deps import SessionDep
from omnishop.api.pagination import Page
from omnishop.pricing import tax_rates as service
from omnishop.pricing.tax_schemas import (
    ChannelTaxRead,
    ChannelTaxSet,
    DutyRateCreate,
    DutyRateRead,
    DutyRateUpdate,
    TaxCountryRead,
    TaxCountrySet,
    TaxRateCreate,
    TaxRateRead,
    TaxRateUpdate,
)

router = APIRouter(tags=["taxes"])
write = [Depends(require_scope("pricing:write"))]
read = [Depends(require_scope("catalog:read"))]
CountryQuery = Annotated[str | None, Query(pattern=r"^[A-Z]{2}$")]
CountryPath = Annotated[str, Path(pattern=r"^[A-Z]{2}$")]


@router.put("/tax-countries/{country}", dependencies=write)
async def set_tax_country(
    session: SessionDep, country: CountryPath, body: TaxCountrySet
) -> TaxCountryRead:
    """How a country taxes: prices include tax or not, rounding per line or total, half-up or
    banker's, shipping taxed, de minimis waiving import VAT."""
    return await service.set_country(session=session, country=country, data=body)


@router.get("/tax-countries", dependencies=read)
async def list_tax_countries(session: SessionDep) -> Page[TaxCountryRead]:
    """Every country's tax settings."""
    return Page(data=await service.list_countries(session=session))


@router.put("/tax-channels/{channel}", dependencies=write)
async def set_channel_tax(session: SessionDep, channel: str, body: ChannelTaxSet) -> ChannelTaxRead:
    """Make a channel's prices include or exclude tax unlike its country (`null`: follow it)."""
    return await service.set_channel_prices_include_tax(
        session=session, channel_code=channel, prices_include_tax=body.prices_include_tax
    )


@router.get("/tax-channels/{channel}", dependencies=read)
async def get_channel_tax(session: SessionDep, channel: str) -> ChannelTaxRead:
    """Whether the channel's prices include tax, and whether the channel itself says so."""
    return await service.channel_tax(session=session, channel_code=channel)


@router.post("/tax-rates", status_code=201, dependencies=write)
async def create_tax_rate(session: SessionDep, body: TaxRateCreate) -> TaxRateRead:
    """Add a tax class's rate in a country or region, in percent (`"20"`, `"8.875"`)."""
    return await service.create_tax_rate(session=session, data=body)


@router.get("/tax-rates", dependencies=read)
async def list_tax_rates(session: SessionDep, country: CountryQuery = None) -> Page[TaxRateRead]:
    """Tax rates, optionally of one country."""
    return Page(data=await service.list_tax_rates(session=session, country=country))


@router.get("/tax-rates/{rate_id}", dependencies=read)
async def get_tax_rate(session: SessionDep, rate_id: uuid.UUID) -> TaxRateRead:
    return await service.get_tax_rate(session=session, rate_id=rate_id)


@router.patch("/tax-rates/{rate_id}", dependencies=write)
async def update_tax_rate(
    session: SessionDep, rate_id: uuid.UUID, body: TaxRateUpdate
) -> TaxRateRead:
    """Change a rate's percent, name or active flag."""
    return await service.update_tax_rate(session=session, rate_id=rate_id, data=body)


@router.delete("/tax-rates/{rate_id}", status_code=204, dependencies=write)
async def delete_tax_rate(session: SessionDep, rate_id: uuid.UUID) -> Response:
    await service.delete_tax_rate(session=session, rate_id=rate_id)
    return Response(status_code=204)


@router.post("/duty-rates", status_code=201, dependencies=write)
async def create_duty_rate(session: SessionDep, body: DutyRateCreate) -> DutyRateRead:
    """Add a destination's duty and import VAT for HS codes starting with `hs_prefix`, with its
    de-minimis threshold in minor units of `de_minimis_currency`."""
    return await service.create_duty_rate(session=session, data=body)


@router.get("/duty-rates", dependencies=read)
async def list_duty_rates(session: SessionDep, country: CountryQuery = None) -> Page[DutyRateRead]:
    """Duty rates, optionally of one destination country."""
    return Page(data=await service.list_duty_rates(session=session, country=country))


@router.get("/duty-rates/{rate_id}", dependencies=read)
async def get_duty_rate(session: SessionDep, rate_id: uuid.UUID) -> DutyRateRead:
    return await service.get_duty_rate(session=session, rate_id=rate_id)


@router.patch("/duty-rates/{rate_id}", dependencies=write)
async def update_duty_rate(
    session: SessionDep, rate_id: uuid.UUID, body: DutyRateUpdate
) -> DutyRateRead:
    """Change the fields sent."""
    return await service.update_duty_rate(session=session, rate_id=rate_id, data=body)


@router.delete("/duty-rates/{rate_id}", status_code=204, dependencies=write)
async def delete_duty_rate(session: SessionDep, rate_id: uuid.UUID) -> Response:
    await service.delete_duty_rate(session=session, rate_id=rate_id)
    return Response(status_code=204)
