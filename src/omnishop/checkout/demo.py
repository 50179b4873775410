"""Demo shipping: Moscow courier, Russian Post by weight, a Tbilisi courier, EU parcels."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.checkout import shipping
from omnishop.checkout.models import ShippingMethod
from omnishop.checkout.schemas import MethodCreate, Tier, ZoneCreate

EU = [
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE",
    "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
]  # fmt: skip

# (zone, [methods]); amounts in minor units of the method's currency, weights in grams.
DEMO: list[tuple[dict[str, Any], list[dict[str, Any]]]] = [
    (
        # Moscow and the nearest region: postcodes 101000–135999 (city) and 14xxxx (oblast).
        {"name": "Москва и область", "countries": ["RU"],
         "postcodes": ["101000-135999", "140", "141", "142", "143", "144"]},
        [{"code": "moscow-courier", "carrier": "Курьер omnishop", "rate_kind": "flat",
          "names": {"ru": "Курьер по Москве", "en": "Moscow courier", "ka": "კურიერი მოსკოვში"},
          "currency": "RUB", "tiers": [{"amount": 39000}], "free_over": 500000,
          "min_days": 1, "max_days": 2, "position": 0}],
    ),
    (
        {"name": "Россия", "countries": ["RU"]},
        [{"code": "russian-post", "carrier": "Почта России", "rate_kind": "weight",
          "names": {"ru": "Почта России", "en": "Russian Post", "ka": "რუსეთის ფოსტა"},
          "currency": "RUB",
          "tiers": [{"up_to": 1000, "amount": 29000}, {"up_to": 3000, "amount": 44000},
                    {"up_to": 10000, "amount": 69000}, {"up_to": 20000, "amount": 99000}],
          "free_over": 500000, "min_days": 3, "max_days": 10, "position": 10}],
    ),
    (
        {"name": "Тбилиси", "countries": ["GE"], "regions": ["Tbilisi", "Тбилиси", "თბილისი"]},
        [{"code": "tbilisi-courier", "carrier": "omnishop courier", "rate_kind": "flat",
          "names": {"ru": "Курьер по Тбилиси", "en": "Tbilisi courier",
                    "ka": "კურიერი თბილისში"},
          "currency": "GEL", "tiers": [{"amount": 800}], "free_over": 15000,
          "min_days": 1, "max_days": 2, "position": 0}],
    ),
    (
        {"name": "European Union", "countries": EU},
        [{"code": "eu-parcel", "carrier": "International parcel", "rate_kind": "weight",
          "names": {"ru": "Посылка в ЕС", "en": "Parcel to the EU", "ka": "ამანათი ევროკავშირში"},
          "currency": "EUR",
          "tiers": [{"up_to": 500, "amount": 1500}, {"up_to": 2000, "amount": 2900},
                    {"up_to": 5000, "amount": 4900}, {"up_to": 20000, "amount": 8900}],
          "min_days": 7, "max_days": 21, "position": 20}],
    ),
]  # fmt: skip


async def seed_shipping(session: AsyncSession) -> int:
    """Create the demo zones and methods; methods that exist already (by code) are kept as
    they are, so seeding twice changes nothing. Returns how many methods were created."""
    existing = set(await session.scalars(select(ShippingMethod.code)))
    created = 0
    for zone_data, methods in DEMO:
        wanted = [m for m in methods if m["code"] not in existing]
        if not wanted:
            continue
        zone = await shipping.create_zone(session=session, data=ZoneCreate(**zone_data))
        for method in wanted:
            tiers = [Tier(**t) for t in method["tiers"]]
            data = MethodCreate(**{**method, "tiers": tiers}, zone_id=zone.id)
            await shipping.create_method(session=session, data=data)
            created += 1
    return created
