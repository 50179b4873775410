"""Locations staff API over HTTP: create, read, page, change; bad input is a 422 naming the
field and changes nothing."""

from __future__ import annotations

from typing import Any

import httpx

from tests.e2e.conftest import MakeKey

URL = "/api/v1/locations"
HOURS = {"mon": [["10:00", "14:00"], ["15:00", "22:00"]], "sun": [["11:00", "24:00"]]}


def shop(code: str = "tver-1", **extra: Any) -> dict[str, Any]:
    return {
        "code": code,
        "name": "Tver, Trekhsvyatskaya 1",
        "kind": "store",
        "country": "RU",
        "city": "Tver",
        "address": "Trekhsvyatskaya ul., 1",
        "latitude": 56.8587,
        "longitude": 35.9176,
        "timezone": "Europe/Moscow",
        "opening_hours": HOURS,
        "pickup": True,
        "priority": 20,
        **extra,
    }


async def channel(client: httpx.AsyncClient, api_key: MakeKey, code: str) -> None:
    body = {"code": code, "name": code, "kind": "web", "currency": "RUB",
            "default_locale": "ru", "country": "RU"}  # fmt: skip
    made = await client.post("/api/v1/channels", json=body, headers=await api_key("channels:write"))
    assert made.status_code == 201, made.text


async def test_staff_create_read_and_change_a_location(
    client: httpx.AsyncClient, api_key: MakeKey
) -> None:
    headers = await api_key("inventory:read", "inventory:write")
    await channel(client, api_key, "web")
    await channel(client, api_key, "tg")

    created = await client.post(URL, json=shop(channels=["web"]), headers=headers)
    location = created.json()
    url = f"{URL}/{location['id']}"
    changed = await client.patch(
        url,
        json={"channels": ["tg", "web"], "priority": 5, "opening_hours": {}, "city": None},
        headers=headers,
    )
    archived = await client.patch(url, json={"active": False}, headers=headers)
    read = await client.get(url, headers=headers)

    assert created.status_code == 201, created.text
    assert location["opening_hours"] == HOURS
    assert location["channels"] == ["web"]
    assert (location["latitude"], location["longitude"]) == (56.8587, 35.9176)
    assert (location["pickup"], location["active"], location["priority"]) == (True, True, 20)
    assert changed.status_code == 200, changed.text
    assert changed.json()["channels"] == ["tg", "web"]
    assert (changed.json()["priority"], changed.json()["opening_hours"]) == (5, {})
    assert changed.json()["city"] is None and changed.json()["address"] is not None
    assert archived.json()["active"] is False
    assert read.status_code == 200
    assert {k: v for k, v in read.json().items() if k != "updated_at"} == {
        k: v for k, v in archived.json().items() if k != "updated_at"
    }


async def test_the_list_pages_by_code_and_filters_archived_ones(
    client: httpx.AsyncClient, api_key: MakeKey
) -> None:
    headers = await api_key("inventory:read", "inventory:write")
    for code in ("c-3", "a-1", "b-2"):
        made = await client.post(URL, json=shop(code, active=code != "b-2"), headers=headers)
        assert made.status_code == 201, made.text

    first = await client.get(URL, params={"limit": 2}, headers=headers)
    rest = await client.get(
        URL, params={"limit": 2, "cursor": first.json()["next_cursor"]}, headers=headers
    )
    active = await client.get(URL, params={"active": "true"}, headers=headers)
    bad_cursor = await client.get(URL, params={"cursor": "!!"}, headers=headers)

    assert [loc["code"] for loc in first.json()["data"]] == ["a-1", "b-2"]
    assert [loc["code"] for loc in rest.json()["data"]] == ["c-3"]
    assert rest.json()["next_cursor"] is None
    assert [loc["code"] for loc in active.json()["data"]] == ["a-1", "c-3"]
    assert bad_cursor.status_code == 422


async def test_bad_input_is_a_problem_naming_the_field(
    client: httpx.AsyncClient, api_key: MakeKey
) -> None:
    headers = await api_key("inventory:read", "inventory:write")
    cases: list[tuple[dict[str, Any], str]] = [
        (shop(timezone="Mars/Olympus"), "timezone"),
        (shop(latitude=91), "latitude"),
        (shop(longitude=None), ""),  # coordinates come together
        (shop(opening_hours={"mon": [["22:00", "10:00"]]}), "opening_hours"),
        (
            shop(opening_hours={"mon": [["10:00", "15:00"], ["14:00", "18:00"]]}),
            "opening_hours",
        ),
        (shop(opening_hours={"funday": [["10:00", "12:00"]]}), "opening_hours"),
        (shop(opening_hours={"mon": [["9:00", "25:00"]]}), "opening_hours.mon[0][0]"),
        (shop(code="Bad Code"), "code"),
        (shop(kind="castle"), "kind"),
        (shop(colour="red"), "colour"),
        (shop(priority=-1), "priority"),
        (shop(channels=["nope"]), "channels"),
    ]
    for body, field in cases:
        refused = await client.post(URL, json=body, headers=headers)
        assert refused.status_code in (404, 422), (body, refused.text)
        fields = [e["field"] for e in refused.json().get("errors", [])]
        assert any(f.startswith(field) for f in fields), (field, refused.json())

    listed = await client.get(URL, headers=headers)
    assert listed.json()["data"] == []


async def test_bad_changes_are_refused_and_change_nothing(
    client: httpx.AsyncClient, api_key: MakeKey
) -> None:
    headers = await api_key("inventory:read", "inventory:write")
    location = (await client.post(URL, json=shop(), headers=headers)).json()
    url = f"{URL}/{location['id']}"

    cases: list[tuple[dict[str, Any], int, str]] = [
        ({"timezone": "Nowhere/City"}, 422, "timezone"),
        ({"name": None}, 422, "name"),
        ({"channels": None}, 422, "channels"),
        ({"latitude": None}, 422, "latitude"),
        ({"code": "renamed"}, 422, "code"),
        ({"channels": ["ghost"]}, 404, "channels"),
    ]
    for body, status, field in cases:
        refused = await client.patch(url, json=body, headers=headers)
        assert refused.status_code == status, (body, refused.text)
        assert refused.json()["errors"][0]["field"] == field, refused.json()
    missing = await client.get(f"{URL}/00000000-0000-0000-0000-000000000000", headers=headers)
    not_uuid = await client.get(f"{URL}/nope", headers=headers)
    duplicate = await client.post(URL, json=shop(), headers=headers)

    assert (await client.get(url, headers=headers)).json() == location
    assert (missing.status_code, missing.json()["code"]) == (404, "not_found")
    assert not_uuid.status_code == 422
    assert (duplicate.status_code, duplicate.json()["errors"][0]["field"]) == (409, "code")


async def test_locations_need_the_inventory_scopes(
    client: httpx.AsyncClient, api_key: MakeKey
) -> None:
    reader = await api_key("inventory:read")

    anonymous = await client.get(URL)
    read = await client.get(URL, headers=reader)
    write = await client.post(URL, json=shop(), headers=reader)

    assert anonymous.status_code == 401
    assert read.status_code == 200
    assert write.status_code == 403
