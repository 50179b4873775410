"""Expected receipts (``incoming``) over HTTP: set through the level API and CSV, shown on
levels and exports, recorded on the ledger, never part of what can be sold."""

from __future__ import annotations

import csv
import io
import uuid

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.inventory.ledger import verify_ledger
from omnishop.kernel.db import unit_of_work
from tests.e2e.conftest import MakeKey
from tests.e2e.test_inventory_api import LEVELS, body, stocked

CSV_URL = "/api/v1/inventory/levels.csv"
CSV = {"Content-Type": "text/csv"}


async def test_incoming_is_set_shown_and_recorded_but_never_available(
    client: httpx.AsyncClient, api_key: MakeKey, sessions: async_sessionmaker[AsyncSession]
) -> None:
    headers, variant, (main, _) = await stocked(client, api_key, sessions)

    counted = await client.put(LEVELS, json=body(variant, main, on_hand=4), headers=headers)
    expected = await client.put(LEVELS, json=body(variant, main, incoming=20), headers=headers)
    both = await client.put(
        LEVELS, json=body(variant, main, on_hand=5, incoming=12), headers=headers
    )
    listed = await client.get(LEVELS, params={"variant_id": variant}, headers=headers)

    assert counted.status_code == 200, counted.text
    assert (expected.json()["on_hand"], expected.json()["incoming"]) == (4, 20)
    assert expected.json()["available"] == 4
    assert (both.json()["on_hand"], both.json()["incoming"], both.json()["available"]) == (
        5,
        12,
        5,
    )
    assert listed.json()["data"][0]["incoming"] == 12
    async with unit_of_work(sessions) as session:
        check = await verify_ledger(
            session=session, variant_id=uuid.UUID(variant), location_id=uuid.UUID(main)
        )
    assert check.ok, check
    assert check.ledger["incoming"] == 12


async def test_a_level_change_needs_something_to_set(
    client: httpx.AsyncClient, api_key: MakeKey, sessions: async_sessionmaker[AsyncSession]
) -> None:
    headers, variant, (main, _) = await stocked(client, api_key, sessions)

    nothing = await client.put(LEVELS, json=body(variant, main), headers=headers)
    negative = await client.put(LEVELS, json=body(variant, main, incoming=-1), headers=headers)
    cas_alone = await client.put(
        LEVELS, json=body(variant, main, incoming=1, expected_on_hand=0), headers=headers
    )
    stale = await client.put(
        LEVELS, json=body(variant, main, on_hand=3, expected_on_hand=7, incoming=9),
        headers=headers,
    )  # fmt: skip
    listed = await client.get(LEVELS, params={"variant_id": variant}, headers=headers)

    assert nothing.status_code == 422
    assert (negative.status_code, negative.json()["errors"][0]["field"]) == (422, "incoming")
    assert cas_alone.status_code == 422
    assert (stale.status_code, stale.json()["code"]) == (409, "stock_mismatch")
    assert listed.json()["data"] == []


async def test_csv_sets_incoming_alone_or_with_counts_and_exports_it(
    client: httpx.AsyncClient, api_key: MakeKey, sessions: async_sessionmaker[AsyncSession]
) -> None:
    headers, variant, _ = await stocked(client, api_key, sessions)

    counts = (
        f"location_code,variant_id,on_hand,incoming\nmain,{variant},7,30\nspare,{variant},1,0\n"
    )
    only_incoming = f"location_code,variant_id,incoming\nspare,{variant},4\n"
    first = await client.post(CSV_URL, content=counts, headers={**headers, **CSV})
    second = await client.post(CSV_URL, content=only_incoming, headers={**headers, **CSV})
    exported = await client.get(CSV_URL, headers=headers)

    assert first.json() == {"rows": 2} and second.json() == {"rows": 1}
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [(r["location_code"], r["on_hand"], r["incoming"], r["available"]) for r in rows] == [
        ("main", "7", "30", "7"),
        ("spare", "1", "4", "1"),
    ]


async def test_csv_bad_incoming_is_reported_by_line_and_nothing_is_applied(
    client: httpx.AsyncClient, api_key: MakeKey, sessions: async_sessionmaker[AsyncSession]
) -> None:
    headers, variant, _ = await stocked(client, api_key, sessions)
    upload = "\n".join(
        [
            "location_code,variant_id,on_hand,incoming",
            f"main,{variant},5,2",
            f"spare,{variant},1,",
            f"spare,{uuid.uuid4()},1,x",
        ]
    )

    refused = await client.post(CSV_URL, content=upload, headers={**headers, **CSV})
    no_quantity = await client.post(
        CSV_URL, content=f"location_code,variant_id\nmain,{variant}\n", headers={**headers, **CSV}
    )
    levels = await client.get(LEVELS, params={"variant_id": variant}, headers=headers)

    assert refused.status_code == 422
    assert [(e["line"], e["field"]) for e in refused.json()["errors"]] == [
        (3, "incoming"),
        (4, "incoming"),
    ]
    assert (no_quantity.status_code, no_quantity.json()["errors"][0]["field"]) == (422, "file")
    assert levels.json()["data"] == []
