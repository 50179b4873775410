"""Demo taxes and duties: VAT in Russia, Georgia and Germany, New York sales tax, duties with
de-minimis thresholds, and the tax class and HS code of demo products by category."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.pricing import service as pricing
from omnishop.pricing import tax_rates
from omnishop.pricing.models import FxRate
from omnishop.pricing.schemas import FxRateSet
from omnishop.pricing.tax_models import DutyRate, TaxCountry, TaxRate
from omnishop.pricing.tax_schemas import DutyRateCreate, TaxCountrySet, TaxRateCreate

# Country settings. Prices include VAT in RU, GE and the EU; US prices exclude sales tax,
# rounded once on the total, and (simplified) shipping is not taxed. Below the EU's 150 EUR
# the import VAT is still due (IOSS); Russia's and Georgia's thresholds waive it too.
COUNTRIES: dict[str, dict[str, Any]] = {
    "RU": {"prices_include_tax": True},
    "GE": {"prices_include_tax": True},
    "DE": {"prices_include_tax": True, "de_minimis_covers_import_vat": False},
    "US": {"prices_include_tax": False, "rounding_level": "total", "tax_shipping": False},
}

# (country, region, tax class, percent, name)
RATES: list[tuple[str, str | None, str, str, str]] = [
    ("RU", None, "standard", "20", "НДС 20%"),
    ("RU", None, "reduced", "10", "НДС 10%"),
    ("RU", None, "zero", "0", "НДС 0%"),
    ("GE", None, "standard", "18", "დღგ 18%"),
    ("GE", None, "reduced", "18", "დღგ 18%"),
    ("GE", None, "zero", "0", "დღგ 0%"),
    ("DE", None, "standard", "19", "MwSt. 19%"),
    ("DE", None, "reduced", "7", "MwSt. 7%"),
    ("DE", None, "zero", "0", "MwSt. 0%"),
    ("US", None, "standard", "0", "Sales tax"),
    ("US", "NY", "standard", "8.875", "NY sales tax 8.875%"),
    ("US", "NY", "reduced", "8.875", "NY sales tax 8.875%"),
]

# (country, HS prefix, duty %, import VAT %, de minimis in minor units, its currency, name)
DUTIES: list[tuple[str, str, str, str, int, str, str]] = [
    # Russia: 15 % over 200 EUR per parcel for personal imports (no separate import VAT).
    ("RU", "", "15", "0", 20000, "EUR", "Личный ввоз свыше 200 EUR"),
    # Georgia: parcels up to 300 GEL are free of duty and VAT.
    ("GE", "", "5", "18", 30000, "GEL", "Import (general)"),
    ("GE", "9504", "12", "18", 30000, "GEL", "Video game consoles and games"),
    ("GE", "4901", "0", "18", 30000, "GEL", "Printed books"),
    # The EU: no duty up to 150 EUR, import VAT from the first euro.
    ("DE", "", "2.5", "19", 15000, "EUR", "Import (general)"),
    ("DE", "8523", "3.5", "19", 15000, "EUR", "Recorded media"),
    ("DE", "9504", "0", "19", 15000, "EUR", "Video game consoles"),
    ("DE", "4901", "0", "7", 15000, "EUR", "Printed books"),
]

# Cross rates the duty thresholds need besides the catalog's RUB ones (Bank of Russia,
# 30.09.2015: 1 EUR = 74.58 RUB, 1 GEL ≈ 28.01 RUB).
FX: list[tuple[str, str, str]] = [("EUR", "GEL", "2.6642")]
FX_AS_OF = datetime(2015, 9, 30, tzinfo=UTC)

# Demo products by top category slug: (tax class, HS code); the longest matching slug wins.
CUSTOMS: dict[str, tuple[str, str | None]] = {
    "games": ("standard", "852349"),
    "pc-games": ("standard", "852349"),
    "mac-games": ("standard", "852349"),
    "android-games": ("standard", None),
    "software": ("standard", "852349"),
    "movies": ("standard", "852349"),
    "music": ("standard", "852349"),
    "game-consoles": ("standard", "950450"),
    "accessories": ("standard", "950450"),
    "books": ("reduced", "490199"),
    "gifts": ("standard", "950300"),
    "blank-media-spindle": ("standard", "852341"),
    "blank-media-single": ("standard", "852341"),
    "batteries": ("standard", "850610"),
}


def customs_for(category_slug: str | None) -> tuple[str, str | None]:
    """The tax class and HS code of a demo product in this category (digital goods,
    tickets and services: standard, no HS code)."""
    if not category_slug:
        return "standard", None
    best = max(
        (k for k in CUSTOMS if category_slug == k or category_slug.startswith(f"{k}-")),
        key=len,
        default=None,
    )
    return CUSTOMS[best] if best else ("standard", None)


async def seed_taxes(session: AsyncSession) -> int:
    """Create the demo tax and duty tables; rows that exist are kept. Returns rows created."""
    created = 0
    have_countries = set(await session.scalars(select(TaxCountry.country)))
    for country, settings in COUNTRIES.items():
        if country not in have_countries:
            await tax_rates.set_country(
                session=session, country=country, data=TaxCountrySet(**settings)
            )
            created += 1
    have_rates = {
        (r.country, r.region, r.tax_class) for r in await session.scalars(select(TaxRate))
    }
    for country, region, tax_class, pct, name in RATES:
        if (country, region or "", tax_class) in have_rates:
            continue
        data = TaxRateCreate(
            country=country,
            region=region,
            tax_class=tax_class,
            rate_percent=Decimal(pct),
            name=name,
        )
        await tax_rates.create_tax_rate(session=session, data=data)
        created += 1
    have_duties = {(d.country, d.hs_prefix) for d in await session.scalars(select(DutyRate))}
    for country, prefix, duty, vat, threshold, currency, name in DUTIES:
        if (country, prefix) in have_duties:
            continue
        await tax_rates.create_duty_rate(
            session=session,
            data=DutyRateCreate(
                country=country,
                hs_prefix=prefix,
                duty_percent=Decimal(duty),
                import_vat_percent=Decimal(vat),
                de_minimis_amount=threshold,
                de_minimis_currency=currency,
                name=name,
            ),
        )
        created += 1
    for base, quote, rate in FX:
        found = await session.scalar(
            select(FxRate.id).where(FxRate.base == base, FxRate.quote == quote).limit(1)
        )
        if found is None:
            await pricing.set_fx_rate(
                session=session,
                data=FxRateSet(
                    base=base, quote=quote, rate=Decimal(rate), as_of=FX_AS_OF, source="demo"
                ),
            )
    return created
