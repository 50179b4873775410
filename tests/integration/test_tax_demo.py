"""The demo tax tables: seeded once (a second run creates nothing), and they price a parcel
from the EUR shop to Georgia with duties above the 300 GEL threshold only."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.channels import service as channels
from omnishop.channels.schemas import ChannelCreate
from omnishop.pricing import tax_rates, taxes
from omnishop.pricing.tax_demo import customs_for, seed_taxes
from omnishop.pricing.tax_schemas import TaxableLine


def test_demo_products_get_a_tax_class_and_hs_code_by_top_category() -> None:
    assert customs_for("games-ps4") == ("standard", "852349")
    assert customs_for("pc-games-digital") == ("standard", "852349")
    assert customs_for("game-consoles-ps4") == ("standard", "950450")
    assert customs_for("books-audiobooks") == ("reduced", "490199")
    assert customs_for("payment-cards") == ("standard", None)
    assert customs_for(None) == ("standard", None)


async def test_demo_taxes_seed_once_and_price_a_parcel_to_georgia(session: AsyncSession) -> None:
    web_en = await channels.create(
        session=session,
        data=ChannelCreate(
            code="web-en", name="EUR", kind="web", currency="EUR", default_locale="en",
            country="DE",
        ),
    )  # fmt: skip
    first = await seed_taxes(session)
    second = await seed_taxes(session)
    ru = {
        r.tax_class: r.name for r in await tax_rates.list_tax_rates(session=session, country="RU")
    }

    cheap = await taxes.quote(
        session=session, channel=web_en, destination_country="GE", destination_region=None,
        lines=[TaxableLine("c", 9000, hs_code="9504500000")], shipping_amount=1000, ddp=True,
    )  # fmt: skip
    dear = await taxes.quote(
        session=session, channel=web_en, destination_country="GE", destination_region=None,
        lines=[TaxableLine("c", 29000, hs_code="9504500000")], shipping_amount=1000, ddp=True,
    )  # fmt: skip
    home = await taxes.quote(
        session=session, channel=web_en, destination_country="DE", destination_region=None,
        lines=[TaxableLine("c", 11900, hs_code="9504500000")], shipping_amount=0, ddp=True,
    )  # fmt: skip

    assert first > 0 and second == 0
    assert ru == {"standard": "НДС 20%", "reduced": "НДС 10%", "zero": "НДС 0%"}
    # 100 EUR × 2.6642 = 266.42 GEL ≤ 300 GEL: nothing to pay; 300 EUR is above it.
    assert cheap.de_minimis_applied and cheap.duties_due == 0 and cheap.total == 10000
    # 12 % of 300.00 = 36.00; 18 % of 336.00 = 60.48.
    assert (dear.duty, dear.import_vat) == (3600, 6048)
    assert dear.total == 30000 + 3600 + 6048
    assert (home.tax, home.duties_total, home.total) == (1900, 0, 11900)
