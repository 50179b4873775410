from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests.e2e.conftest import MakeKey

NEW = {
    "code": "web-en",
    "name": "Web EN",
    "kind": "web",
    "currency": "EUR",
    "default_locale": "en",
    "country": "DE",
}


async def test_staff_creates_a_channel_that_buyers_then_see(
    client: httpx.AsyncClient, api_key: MakeKey
) -> None:
    headers = await api_key("channels:write")

    created = await client.post("/api/v1/channels", json=NEW, headers=headers)
    listed = await client.get("/api/v1/channels")

    assert created.status_code == 201, created.text
    assert listed.json()["data"][0]["code"] == "web-en"
    assert listed.json()["next_cursor"] is None


async def test_missing_key_is_401_and_key_without_scope_is_403(
    client: httpx.AsyncClient, api_key: MakeKey
) -> None:
    no_key = await client.post("/api/v1/channels", json=NEW)
    wrong_key = await client.post(
        "/api/v1/channels", json=NEW, headers={"Authorization": "Bearer osk_nope"}
    )
    no_scope = await client.post(
        "/api/v1/channels", json=NEW, headers=await api_key("catalog:read")
    )

    assert (no_key.status_code, no_key.json()["code"]) == (401, "unauthorized")
    assert wrong_key.status_code == 401
    assert (no_scope.status_code, no_scope.json()["code"]) == (403, "forbidden")
    assert (await client.get("/api/v1/channels")).json()["data"] == []


async def test_bad_input_is_a_problem_naming_the_field(
    client: httpx.AsyncClient, api_key: MakeKey
) -> None:
    headers = await api_key("channels:write")

    unknown_field = await client.post(
        "/api/v1/channels", json={**NEW, "colour": "red"}, headers=headers
    )
    bad_currency = await client.post(
        "/api/v1/channels", json={**NEW, "currency": "eur"}, headers=headers
    )
    not_json = await client.post(
        "/api/v1/channels",
        content=b"{oops",
        headers={**headers, "Content-Type": "application/json"},
    )

    assert unknown_field.status_code == 422
    assert unknown_field.headers["content-type"] == "application/problem+json"
    assert unknown_field.json()["errors"][0]["field"] == "colour"
    assert bad_currency.json()["errors"][0]["field"] == "currency"
    assert not_json.status_code == 422
    assert (await client.get("/api/v1/channels")).json()["data"] == []


async def test_idempotency_key_replays_and_guards(
    client: httpx.AsyncClient, api_key: MakeKey
) -> None:
    headers = {**(await api_key("channels:write")), "Idempotency-Key": "k-1"}

    first = await client.post("/api/v1/channels", json=NEW, headers=headers)
    again = await client.post("/api/v1/channels", json=NEW, headers=headers)
    different = await client.post(
        "/api/v1/channels", json={**NEW, "name": "Other"}, headers=headers
    )

    assert first.status_code == 201
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert (different.status_code, different.json()["code"]) == (422, "idempotency_key_reused")
    assert len((await client.get("/api/v1/channels")).json()["data"]) == 1


async def test_same_idempotency_key_in_flight_is_409(
    client: httpx.AsyncClient, api_key: MakeKey, sessions: object
) -> None:
    from omnishop.kernel import idempotency

    headers = await api_key("channels:write")
    scope_prefix = __import__("hashlib").sha256(headers["Authorization"].encode()).hexdigest()[:16]
    await idempotency.claim(
        sessions,  # type: ignore[arg-type]
        scope=f"{scope_prefix}:POST:/api/v1/channels",
        key="busy",
        body=httpx.Request("POST", "/", json=NEW).content,
    )

    response = await client.post(
        "/api/v1/channels", json=NEW, headers={**headers, "Idempotency-Key": "busy"}
    )

    assert (response.status_code, response.json()["code"]) == (409, "idempotency_key_in_flight")
    await asyncio.sleep(0)


async def test_healthz_answers_without_the_database(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}


async def test_a_uniqueness_race_is_a_409_not_a_500(
    client: httpx.AsyncClient, api_key: MakeKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = await api_key("channels:write")
    await client.post("/api/v1/channels", json=NEW, headers=headers)

    original = AsyncSession.scalar

    async def duplicate_check_misses(self: AsyncSession, statement: Any, *a: Any, **k: Any) -> Any:
        if str(statement).startswith("SELECT channels.id \nFROM channels"):
            return None
        return await original(self, statement, *a, **k)

    # Given the service's own duplicate check misses (as under a concurrent create)…
    monkeypatch.setattr(AsyncSession, "scalar", duplicate_check_misses)
    response = await client.post("/api/v1/channels", json=NEW, headers=headers)
    monkeypatch.undo()

    assert (response.status_code, response.json()["code"]) == (409, "conflict")
    assert len((await client.get("/api/v1/channels")).json()["data"]) == 1


async def test_nul_characters_are_bad_input_never_a_500(
    client: httpx.AsyncClient, api_key: MakeKey
) -> None:
    headers = await api_key("channels:write")

    bad_channel = await client.get("/api/v1/categories", params={"channel": "web\x00"})
    bad_name = await client.post(
        "/api/v1/channels", json={**NEW, "name": "Web\x00EN"}, headers=headers
    )

    assert (bad_channel.status_code, bad_channel.json()["errors"][0]["field"]) == (422, "channel")
    # PostgreSQL refuses NUL in text (422); SQLite stores it. Either way, no 500.
    assert bad_name.status_code in (201, 422)
    if bad_name.status_code == 422:
        assert bad_name.json()["code"] == "invalid_text"
        assert (await client.get("/api/v1/channels")).json()["data"] == []


async def test_channel_list_pages_with_a_cursor(
    client: httpx.AsyncClient, api_key: MakeKey
) -> None:
    headers = await api_key("channels:write")
    for code in ("a-web", "b-web", "c-web"):
        await client.post("/api/v1/channels", json={**NEW, "code": code}, headers=headers)

    first = (await client.get("/api/v1/channels", params={"limit": 2})).json()
    second = (
        await client.get("/api/v1/channels", params={"limit": 2, "cursor": first["next_cursor"]})
    ).json()
    too_big = await client.get("/api/v1/channels", params={"limit": 101})
    bad_cursor = await client.get("/api/v1/channels", params={"cursor": "!!"})

    assert [c["code"] for c in first["data"]] == ["a-web", "b-web"]
    assert [c["code"] for c in second["data"]] == ["c-web"]
    assert second["next_cursor"] is None
    assert (too_big.status_code, too_big.json()["errors"][0]["field"]) == (422, "limit")
    assert (bad_cursor.status_code, bad_cursor.json()["errors"][0]["field"]) == (422, "cursor")
