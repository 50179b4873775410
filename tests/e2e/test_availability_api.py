"""Store stock over HTTP: the stores of a channel that have a variant, nearest first, with
"open now" judged in each store's own time zone."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.inventory import service as inventory
from omnishop.inventory.models import LocationKind
from omnishop.inventory.schemas import LocationCreate
from omnishop.kernel import clock
from omnishop.kernel.db import unit_of_work
from tests.integration.pickup_fixtures import EVERY_DAY, Shop, open_shop

# Near Tverskaya st. in Moscow.
HERE = {"lat": "55.7600", "lon": "37.6100"}


async def setup(sessions: async_sessionmaker[AsyncSession]) -> Shop:
    async with unit_of_work(sessions) as session:
        shop = await open_shop(session, in_store=3)
        tbilisi = await inventory.create_location(
            session=session,
            data=LocationCreate(
                code="cc-tbilisi", name="Rustaveli Ave", kind=LocationKind.STORE, country="GE",
                city="Tbilisi", latitude=Decimal("41.6971"), longitude=Decimal("44.7992"),
                timezone="Asia/Tbilisi", opening_hours=EVERY_DAY, pickup=True, priority=1,
            ),
        )  # fmt: skip
        await inventory.set_on_hand(
            session=session, variant_id=shop.kettle, location_id=tbilisi.id, quantity=5
        )
        empty = await inventory.create_location(
            session=session,
            data=LocationCreate(
                code="cc-empty", name="Empty", kind=LocationKind.STORE, country="RU",
                latitude=Decimal("55.76"), longitude=Decimal("37.61"), pickup=True,
            ),
        )  # fmt: skip
        await inventory.set_on_hand(
            session=session, variant_id=shop.kettle, location_id=empty.id, quantity=0
        )
        await inventory.set_on_hand(  # Arbat keeps one unit
            session=session, variant_id=shop.kettle, location_id=shop.arbat, quantity=1
        )
    return shop


async def test_stores_with_the_variant_nearest_first_open_now_in_their_time_zone(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    shop = await setup(sessions)
    # 06:30 UTC: 09:30 in Moscow (closed until 10:00), 10:30 in Tbilisi (open).
    clock.freeze(datetime(2026, 3, 2, 6, 30, tzinfo=UTC))

    got = await client.get(
        f"/api/v1/variants/{shop.kettle}/availability", params={"channel": "cc-web", **HERE}
    )

    assert got.status_code == 200, got.text
    rows = [(r["code"], r["available"], r["open_now"]) for r in got.json()]
    # No warehouse, no store without units; Tverskaya (nearest) before Arbat before Tbilisi.
    assert rows == [
        ("cc-tverskaya", 3, False),
        ("cc-arbat", 1, False),
        ("cc-tbilisi", 5, True),
    ]
    distances = [r["distance_km"] for r in got.json()]
    assert distances == sorted(distances) and distances[0] < 1 < distances[1] < 2 < distances[2]

    # An hour later Moscow opens too.
    clock.freeze(datetime(2026, 3, 2, 7, 30, tzinfo=UTC))
    later = await client.get(
        f"/api/v1/variants/{shop.kettle}/availability", params={"channel": "cc-web", **HERE}
    )
    assert [r["open_now"] for r in later.json()] == [True, True, True]


async def test_without_a_position_stores_come_by_priority(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    shop = await setup(sessions)
    got = await client.get(
        f"/api/v1/variants/{shop.kettle}/availability", params={"channel": "cc-web"}
    )
    assert [r["code"] for r in got.json()] == ["cc-tbilisi", "cc-tverskaya", "cc-arbat"]
    assert all(r["distance_km"] is None for r in got.json())


async def test_bad_positions_are_422(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    shop = await setup(sessions)
    url = f"/api/v1/variants/{shop.kettle}/availability"
    for params in ({"lat": "55"}, {"lat": "91", "lon": "0"}, {"lat": "x", "lon": "0"}):
        got = await client.get(url, params={"channel": "cc-web", **params})
        assert got.status_code == 422, params
    assert (await client.get(url, params={"channel": "nope"})).status_code == 404
