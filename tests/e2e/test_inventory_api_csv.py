"""Inventory CSV exchange over HTTP: export every level, import counts all-or-nothing."""

from __future__ import annotations

import csv
import io
import uuid

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.e2e.conftest import MakeKey
from tests.e2e.test_inventory_api import LEVELS, stocked

URL = "/api/v1/inventory/levels.csv"
CSV = {"Content-Type": "text/csv"}


async def test_a_clean_file_sets_every_count_and_the_export_reads_it_back(
    client: httpx.AsyncClient, api_key: MakeKey, sessions: async_sessionmaker[AsyncSession]
) -> None:
    headers, variant, _ = await stocked(client, api_key, sessions)
    upload = f"location_code,variant_id,on_hand\nmain,{variant},12\nspare,{variant},0\n"

    imported = await client.post(URL, content=upload, headers={**headers, **CSV})
    exported = await client.get(URL, headers=headers)

    assert imported.status_code == 200, imported.text
    assert imported.json() == {"rows": 2}
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [(r["location_code"], r["on_hand"], r["available"]) for r in rows] == [
        ("main", "12", "12"),
        ("spare", "0", "0"),
    ]


async def test_bad_rows_are_reported_by_line_and_nothing_is_applied(
    client: httpx.AsyncClient, api_key: MakeKey, sessions: async_sessionmaker[AsyncSession]
) -> None:
    headers, variant, _ = await stocked(client, api_key, sessions)
    upload = "\n".join(
        [
            "location_code,variant_id,on_hand",
            f"main,{variant},5",
            f"nowhere,{variant},1",
            "spare,not-a-uuid,2",
            f"spare,{variant},-3",
            f"spare,{uuid.uuid4()},1",
            f"main,{variant},6",
        ]
    )

    refused = await client.post(URL, content=upload, headers={**headers, **CSV})
    levels = await client.get(LEVELS, params={"variant_id": variant}, headers=headers)

    assert refused.status_code == 422
    assert [(e["line"], e["field"]) for e in refused.json()["errors"]] == [
        (3, "location_code"),
        (4, "variant_id"),
        (5, "on_hand"),
        (6, "variant_id"),
        (7, "variant_id"),
    ]
    assert levels.json()["data"] == []


async def test_a_file_without_the_columns_or_the_scope_is_refused(
    client: httpx.AsyncClient, api_key: MakeKey, sessions: async_sessionmaker[AsyncSession]
) -> None:
    headers, _, _ = await stocked(client, api_key, sessions)
    reader = await api_key("inventory:read")

    no_columns = await client.post(URL, content="sku,qty\na,1\n", headers={**headers, **CSV})
    not_utf8 = await client.post(URL, content=b"\xff\xfe", headers={**headers, **CSV})
    read_only = await client.post(URL, content="location_code\n", headers={**reader, **CSV})

    assert (no_columns.status_code, no_columns.json()["errors"][0]["field"]) == (422, "file")
    assert (not_utf8.status_code, not_utf8.json()["errors"][0]["field"]) == (422, "file")
    assert read_only.status_code == 403
