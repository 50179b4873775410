"""Staff shipping API over HTTP (scope shipping:write): zones and methods with their rates;
bad input is a problem naming the field and writes nothing."""

from __future__ import annotations

from typing import Any

import httpx

from tests.e2e.conftest import MakeKey

ZONES = "/api/v1/shipping/zones"
METHODS = "/api/v1/shipping/methods"


def method_body(zone_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "zone_id": zone_id,
        "code": "post",
        "names": {"ru": "Почта России", "en": "Russian Post"},
        "carrier": "Почта России",
        "rate_kind": "weight",
        "currency": "RUB",
        "tiers": [{"up_to": 1000, "amount": 29000}, {"up_to": None, "amount": 69000}],
        "free_over": 500000,
        "min_days": 3,
        "max_days": 10,
        **extra,
    }


async def test_staff_set_up_a_zone_and_a_method_and_change_them(
    client: httpx.AsyncClient, api_key: MakeKey
) -> None:
    headers = await api_key("shipping:write")

    zone = await client.post(
        ZONES,
        json={"name": "Россия", "countries": ["ru"], "postcodes": ["101000-135999", "14"]},
        headers=headers,
    )
    zone_id = zone.json()["id"]
    method = await client.post(METHODS, json=method_body(zone_id), headers=headers)
    renamed = await client.patch(
        f"{ZONES}/{zone_id}", json={"name": "РФ", "regions": ["Москва"]}, headers=headers
    )
    repriced = await client.patch(
        f"{METHODS}/{method.json()['id']}",
        json={"tiers": [{"amount": 35000}], "rate_kind": "flat", "free_over": None},
        headers=headers,
    )
    zones = await client.get(ZONES, headers=headers)
    methods = await client.get(METHODS, params={"zone_id": zone_id}, headers=headers)

    assert zone.status_code == 201, zone.text
    assert (zone.json()["countries"], zone.json()["postcodes"]) == (["RU"], ["101000-135999", "14"])
    assert method.status_code == 201, method.text
    assert method.json()["tiers"][1] == {"up_to": None, "amount": 69000}
    assert (renamed.json()["name"], renamed.json()["regions"]) == ("РФ", ["Москва"])
    assert repriced.status_code == 200, repriced.text
    assert (repriced.json()["rate_kind"], repriced.json()["free_over"]) == ("flat", None)
    assert [z["name"] for z in zones.json()["data"]] == ["РФ"]
    assert [m["code"] for m in methods.json()["data"]] == ["post"]


async def test_shipping_setup_needs_the_shipping_scope(
    client: httpx.AsyncClient, api_key: MakeKey
) -> None:
    other = await api_key("catalog:write")

    anonymous = await client.get(ZONES)
    wrong = await client.post(ZONES, json={"name": "X", "countries": ["RU"]}, headers=other)

    assert anonymous.status_code == 401
    assert wrong.status_code == 403


async def test_bad_zones_and_methods_are_refused_by_field(
    client: httpx.AsyncClient, api_key: MakeKey
) -> None:
    headers = await api_key("shipping:write")
    zone_id = (
        await client.post(ZONES, json={"name": "RU", "countries": ["RU"]}, headers=headers)
    ).json()["id"]
    await client.post(METHODS, json=method_body(zone_id), headers=headers)

    cases: list[tuple[str, str, dict[str, Any], int, str]] = [
        ("post", ZONES, {"name": "X", "countries": ["XX"]}, 422, "countries[0]"),
        ("post", ZONES, {"name": "X", "countries": []}, 422, "countries"),
        ("post", ZONES, {"name": "X", "countries": ["RU"], "postcodes": ["9-1"]}, 422,
         "postcodes[0]"),
        ("patch", f"{ZONES}/{zone_id}", {"countries": None}, 422, "countries"),
        ("patch", f"{ZONES}/00000000-0000-0000-0000-000000000000", {"name": "Y"}, 404, "zone_id"),
        ("post", METHODS, method_body(zone_id), 409, "code"),
        ("post", METHODS, method_body(zone_id, code="a", currency="XYZ"), 422, "currency"),
        (
            "post", METHODS,
            method_body(zone_id, code="b", tiers=[{"up_to": None, "amount": 1},
                                                  {"up_to": 5, "amount": 2}]),
            422, "tiers[0]",
        ),
        ("post", METHODS, method_body(zone_id, code="c", min_days=5, max_days=2), 422, "min_days"),
        ("post", METHODS, method_body(zone_id, code="d", channels=["nope"]), 404, "channels[0]"),
        (
            "post", METHODS,
            method_body("00000000-0000-0000-0000-000000000000", code="e"), 404, "zone_id",
        ),
        ("post", METHODS, method_body(zone_id, code="Bad Code"), 422, "code"),
    ]  # fmt: skip
    for verb, url, body, status, field in cases:
        response = await client.request(verb, url, json=body, headers=headers)
        assert response.status_code == status, (url, body, response.text)
        assert field in [e["field"] for e in response.json()["errors"]], response.json()
    listed = await client.get(METHODS, headers=headers)
    assert [m["code"] for m in listed.json()["data"]] == ["post"]
