"""Channel hold time and allocation rule over HTTP: defaults, changes, bad values."""

from __future__ import annotations

import httpx

from tests.e2e.conftest import MakeKey
from tests.e2e.test_channels_api import NEW


async def test_a_channel_has_hold_minutes_and_an_allocation_rule(
    client: httpx.AsyncClient, api_key: MakeKey
) -> None:
    headers = await api_key("channels:write")

    default = await client.post("/api/v1/channels", json=NEW, headers=headers)
    custom = await client.post(
        "/api/v1/channels",
        json={**NEW, "code": "tg", "hold_minutes": 30, "allocation_rule": "nearest"},
        headers=headers,
    )
    changed = await client.patch(
        "/api/v1/channels/web-en",
        json={"hold_minutes": 5, "allocation_rule": "nearest"},
        headers=headers,
    )
    untouched = await client.patch(
        "/api/v1/channels/tg", json={"hold_minutes": None}, headers=headers
    )

    assert default.status_code == 201, default.text
    assert (default.json()["hold_minutes"], default.json()["allocation_rule"]) == (15, "priority")
    assert (custom.json()["hold_minutes"], custom.json()["allocation_rule"]) == (30, "nearest")
    assert (changed.json()["hold_minutes"], changed.json()["allocation_rule"]) == (5, "nearest")
    assert untouched.status_code == 200 and untouched.json()["hold_minutes"] == 30


async def test_bad_hold_minutes_or_rule_is_a_problem_naming_the_field(
    client: httpx.AsyncClient, api_key: MakeKey
) -> None:
    headers = await api_key("channels:write")
    await client.post("/api/v1/channels", json=NEW, headers=headers)

    cases: list[dict[str, object]] = [
        {"hold_minutes": 0},
        {"hold_minutes": 1441},
        {"hold_minutes": "soon"},
        {"allocation_rule": "cheapest"},
    ]
    for case in cases:
        created = await client.post(
            "/api/v1/channels", json={**NEW, "code": "other", **case}, headers=headers
        )
        changed = await client.patch("/api/v1/channels/web-en", json=case, headers=headers)
        field = next(iter(case))
        assert (created.status_code, created.json()["errors"][0]["field"]) == (422, field)
        assert (changed.status_code, changed.json()["errors"][0]["field"]) == (422, field)

    listed = await client.get("/api/v1/channels")
    assert [(c["code"], c["hold_minutes"]) for c in listed.json()["data"]] == [("web-en", 15)]
