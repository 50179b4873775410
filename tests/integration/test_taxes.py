"""Tax and duty quotes on SQLite and PostgreSQL: domestic VAT, US sales tax, cross-border DDP."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.catalog import service as catalog
from omnishop.catalog.schemas import ProductCreate, TranslationIn, VariantCreate
from omnishop.channels import service as channels
from omnishop.channels.models import Channel
from omnishop.channels.schemas import ChannelCreate
from omnishop.kernel.errors import Conflict, NotFound, ValidationFailed
from omnishop.pricing import service as pricing
from omnishop.pricing import tax_rates, taxes
from omnishop.pricing.schemas import FxRateSet
from omnishop.pricing.tax_schemas import (
    DutyRateCreate,
    DutyRateUpdate,
    TaxableLine,
    TaxCountrySet,
    TaxRateCreate,
    TaxRateUpdate,
)


async def channel(session: AsyncSession, code: str, currency: str, country: str) -> Channel:
    data = ChannelCreate(
        code=code, name=code, kind="web", currency=currency, default_locale="en", country=country
    )
    return await channels.create(session=session, data=data)


async def variant(
    session: AsyncSession, slug: str, *, tax_class: str = "standard", hs_code: str | None = None
) -> uuid.UUID:
    product = await catalog.create_product(
        session=session,
        data=ProductCreate(
            slug=slug,
            tax_class=tax_class,
            hs_code=hs_code,
            translations={"en": TranslationIn(name=slug)},
            variants=[VariantCreate(sku=f"{slug}-1")],
        ),
    )
    bundle = await catalog.get_bundle(session=session, id_or_slug=str(product.id))
    return bundle.variants[0].id


async def rate(
    session: AsyncSession, country: str, pct: str, name: str, tax_class: str = "standard", **kw: str
) -> None:
    await tax_rates.create_tax_rate(
        session=session,
        data=TaxRateCreate(
            country=country,
            tax_class=tax_class,
            rate_percent=Decimal(pct),
            name=name,
            region=kw.get("region"),
        ),
    )


async def russia(session: AsyncSession) -> Channel:
    web = await channel(session, "web", "RUB", "RU")
    await rate(session, "RU", "20", "НДС 20%")
    await rate(session, "RU", "10", "НДС 10%", "reduced")
    await rate(session, "RU", "0", "НДС 0%", "zero")
    return web


async def test_russian_vat_is_extracted_per_line_by_class_and_shipping_taxed_at_standard(
    session: AsyncSession,
) -> None:
    web = await russia(session)
    game = await variant(session, "game")
    book = await variant(session, "book", tax_class="reduced")

    q = await taxes.quote(
        session=session,
        channel=web,
        destination_country="RU",
        destination_region=None,
        lines=[
            TaxableLine("a", 120000, variant_id=game),
            TaxableLine("b", 11000, variant_id=book),
        ],
        shipping_amount=36000,
        ddp=False,
    )

    assert q.prices_include_tax and not q.cross_border
    assert [(x.tax_class, x.tax, x.net) for x in q.lines] == [
        ("standard", 20000, 100000),
        ("reduced", 1000, 10000),
    ]
    assert q.shipping_tax == 6000
    assert q.tax == 27000 and q.tax_added == 0
    assert [(t.name, t.amount) for t in q.taxes] == [("НДС 10%", 1000), ("НДС 20%", 26000)]
    assert q.total == 120000 + 11000 + 36000  # included tax adds nothing


async def test_a_class_without_a_rate_falls_back_to_standard_and_says_so(
    session: AsyncSession,
) -> None:
    web = await russia(session)
    q = await taxes.quote(
        session=session,
        channel=web,
        destination_country=None,
        destination_region=None,
        lines=[TaxableLine("a", 12000, tax_class="luxury")],
        shipping_amount=0,
        ddp=False,
    )
    assert q.tax == 2000
    assert q.notes == ["no luxury rate for RU"]


async def test_us_sales_tax_is_added_per_total_and_a_state_rate_replaces_the_country(
    session: AsyncSession,
) -> None:
    us = await channel(session, "web-us", "USD", "US")
    await tax_rates.set_country(
        session=session,
        country="US",
        data=TaxCountrySet(prices_include_tax=False, rounding_level="total", tax_shipping=False),
    )
    await rate(session, "US", "0", "No sales tax")
    await rate(session, "US", "8.875", "NY sales tax 8.875%", region="NY")
    lines = [TaxableLine(str(i), 5, tax_class="standard") for i in range(4)]

    ny = await taxes.quote(
        session=session,
        channel=us,
        destination_country="US",
        destination_region="ny",
        lines=[*lines, TaxableLine("big", 10000, tax_class="standard")],
        shipping_amount=999,
        ddp=False,
    )
    oregon = await taxes.quote(
        session=session,
        channel=us,
        destination_country="US",
        destination_region="OR",
        lines=[TaxableLine("big", 10000)],
        shipping_amount=999,
        ddp=False,
    )

    # 10020 × 8.875 % = 889.275 → 889 once on the total; per line it would be 888 + 4 × 0.
    assert not ny.prices_include_tax
    assert ny.tax == ny.tax_added == 889
    assert sum(x.tax for x in ny.lines) == 889
    assert ny.shipping_tax == 0
    assert ny.total == 10020 + 999 + 889
    assert oregon.tax == 0 and oregon.total == 10999


async def test_a_channel_setting_overrides_its_countrys_prices_include_tax(
    session: AsyncSession,
) -> None:
    web = await russia(session)
    await tax_rates.set_channel_prices_include_tax(
        session=session, channel_code="web", prices_include_tax=False
    )
    q = await taxes.quote(
        session=session,
        channel=web.id,
        destination_country="RU",
        destination_region=None,
        lines=[TaxableLine("a", 10000)],
        shipping_amount=0,
        ddp=False,
    )
    assert (q.prices_include_tax, q.tax_added, q.total) == (False, 2000, 12000)


async def eur_to_georgia(session: AsyncSession) -> tuple[Channel, uuid.UUID]:
    web_en = await channel(session, "web-en", "EUR", "DE")
    await rate(session, "DE", "19", "MwSt 19%")
    await rate(session, "GE", "18", "დღგ 18%")
    await tax_rates.create_duty_rate(
        session=session,
        data=DutyRateCreate(
            country="GE",
            hs_prefix="95",
            duty_percent=Decimal(12),
            import_vat_percent=Decimal(18),
            de_minimis_amount=30000,
            de_minimis_currency="GEL",
            name="Toys and games",
        ),
    )
    await tax_rates.create_duty_rate(
        session=session,
        data=DutyRateCreate(
            country="GE",
            hs_prefix="950450",
            duty_percent=Decimal(5),
            import_vat_percent=Decimal(18),
            de_minimis_amount=30000,
            de_minimis_currency="GEL",
            name="Video game consoles and games",
        ),
    )
    await pricing.set_fx_rate(
        session=session, data=FxRateSet(base="EUR", quote="GEL", rate=Decimal("2.9"))
    )
    game = await variant(session, "game", hs_code="9504500000")
    return web_en, game


async def test_a_cart_from_the_eur_channel_to_georgia_pays_duties_under_ddp(
    session: AsyncSession,
) -> None:
    web_en, game = await eur_to_georgia(session)
    puzzle = await variant(session, "puzzle", hs_code="9503000000")

    q = await taxes.quote(
        session=session,
        channel=web_en,
        destination_country="GE",
        destination_region="Tbilisi",
        lines=[TaxableLine("g", 15000, variant_id=game), TaxableLine("p", 5000, variant_id=puzzle)],
        shipping_amount=2000,
        ddp=True,
    )

    # 220 EUR × 2.9 = 638 GEL > 300 GEL. Shipping shared 15:5 → customs values 165 / 55 EUR.
    assert q.cross_border and q.ddp and not q.de_minimis_applied
    assert q.tax == 0  # an export carries no German VAT
    assert [(x.hs_code, x.duty, x.import_vat) for x in q.lines] == [
        ("9504500000", 825, 3119),  # 5 % of 165.00; 18 % of 173.25 = 31.185
        ("9503000000", 660, 1109),  # 12 % of 55.00; 18 % of 61.60 = 11.088
    ]
    assert q.duties_total == q.duties_due == 825 + 3119 + 660 + 1109
    assert q.total == 20000 + 2000 + q.duties_total


async def test_dap_shows_the_duties_as_an_estimate_and_does_not_charge_them(
    session: AsyncSession,
) -> None:
    web_en, game = await eur_to_georgia(session)
    q = await taxes.quote(
        session=session,
        channel=web_en,
        destination_country="GE",
        destination_region=None,
        lines=[TaxableLine("g", 20000, variant_id=game)],
        shipping_amount=2000,
        ddp=False,
    )
    assert q.duties_total > 0 and q.duties_due == 0
    assert q.total == 22000


async def test_below_de_minimis_a_cart_to_georgia_pays_no_duties(session: AsyncSession) -> None:
    web_en, game = await eur_to_georgia(session)
    q = await taxes.quote(
        session=session,
        channel=web_en,
        destination_country="GE",
        destination_region=None,
        lines=[TaxableLine("g", 9000, variant_id=game)],
        shipping_amount=1000,  # 100 EUR = 290 GEL ≤ 300 GEL
        ddp=True,
    )
    assert q.de_minimis_applied
    assert (q.duty, q.import_vat, q.duties_due) == (0, 0, 0)
    assert q.total == 10000


async def test_inside_the_eu_there_are_no_duties_and_the_destination_rate_applies(
    session: AsyncSession,
) -> None:
    web_en, game = await eur_to_georgia(session)
    await rate(session, "FR", "20", "TVA 20%")
    q = await taxes.quote(
        session=session,
        channel=web_en,
        destination_country="FR",
        destination_region=None,
        lines=[TaxableLine("g", 12000, variant_id=game)],
        shipping_amount=0,
        ddp=True,
    )
    assert not q.cross_border and q.duties_total == 0
    assert q.tax == 2000


async def test_without_an_fx_rate_the_threshold_is_not_applied_and_a_note_says_so(
    session: AsyncSession,
) -> None:
    web = await russia(session)
    game = await variant(session, "game", hs_code="9504500000")
    await tax_rates.create_duty_rate(
        session=session,
        data=DutyRateCreate(
            country="GE",
            duty_percent=Decimal(10),
            import_vat_percent=Decimal(18),
            de_minimis_amount=30000,
            de_minimis_currency="GEL",
        ),
    )
    q = await taxes.quote(
        session=session,
        channel=web,
        destination_country="GE",
        destination_region=None,
        lines=[TaxableLine("g", 100, variant_id=game)],
        shipping_amount=0,
        ddp=True,
    )
    assert q.duty == 10
    assert q.notes == ["no FX rate RUB/GEL: de minimis not applied"]


async def test_rates_are_unique_per_class_and_prefix_and_edits_are_validated(
    session: AsyncSession,
) -> None:
    await russia(session)
    with pytest.raises(Conflict):
        await rate(session, "RU", "18", "НДС 18%")
    [std] = [r for r in await tax_rates.list_tax_rates(session=session, country="RU") if
             r.tax_class == "standard"]  # fmt: skip
    changed = await tax_rates.update_tax_rate(
        session=session, rate_id=std.id, data=TaxRateUpdate(rate_percent=Decimal(22))
    )
    assert changed.rate_percent == Decimal(22)
    with pytest.raises(ValidationFailed):
        await tax_rates.update_tax_rate(
            session=session, rate_id=std.id, data=TaxRateUpdate(name=None)
        )
    duty = await tax_rates.create_duty_rate(
        session=session,
        data=DutyRateCreate(
            country="RU",
            hs_prefix="95",
            duty_percent=Decimal(15),
            import_vat_percent=Decimal(20),
            de_minimis_currency="EUR",
        ),
    )
    with pytest.raises(Conflict):
        await tax_rates.create_duty_rate(
            session=session,
            data=DutyRateCreate(
                country="RU",
                hs_prefix="95",
                duty_percent=Decimal(1),
                import_vat_percent=Decimal(1),
                de_minimis_currency="EUR",
            ),
        )
    with pytest.raises(ValidationFailed):
        await tax_rates.update_duty_rate(
            session=session, rate_id=duty.id, data=DutyRateUpdate(de_minimis_currency="XXQ")
        )
    await tax_rates.delete_duty_rate(session=session, rate_id=duty.id)
    with pytest.raises(NotFound):
        await tax_rates.get_duty_rate(session=session, rate_id=duty.id)
