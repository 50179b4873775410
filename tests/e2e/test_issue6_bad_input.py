"""Bad input against every omnichannel endpoint (promotions, taxes, loyalty, returns, pickup,
POS, availability, reviews, content): malformed JSON, wrong types, negative and huge numbers,
ids that are not ids. Each answer is a 4xx problem, never a 5xx."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.app import create_app
from omnishop.customers import tokens
from omnishop.customers.models import Customer
from omnishop.kernel import clock
from omnishop.kernel.db import unit_of_work
from omnishop.kernel.settings import Settings
from tests.e2e.conftest import MakeKey
from tests.e2e.test_cart_api import shop
from tests.e2e.test_checkout_complete import ready_cart
from tests.e2e.test_returns_across_channels import T0, _store_and_chat_channels, _web_order
from tests.payments_fixtures import psp_store

__all__ = ["psp_store"]

PREFIXES = (
    "/api/v1/promotions", "/api/v1/sale-prices", "/api/v1/tax-", "/api/v1/duty-rates",
    "/api/v1/loyalty", "/api/v1/carts/{token}/loyalty", "/api/v1/carts/{token}/vouchers",
    "/api/v1/customers/{customer_id}/loyalty", "/api/v1/orders/{order_token}/returns",
    "/api/v1/customer/returns", "/api/v1/exchanges", "/api/v1/returns",
    "/api/v1/orders/{order_id}/pickup",
    "/api/v1/orders/by-token", "/api/v1/pos", "/api/v1/variants/{variant_id}/availability",
    "/api/v1/products/{product_ref}/reviews", "/api/v1/products/{product_ref}/rating",
    "/api/v1/customer/reviews", "/api/v1/reviews", "/api/v1/content",
)  # fmt: skip
SCOPES = (
    "catalog:read", "catalog:write", "channels:write", "inventory:read", "inventory:write",
    "loyalty:read", "loyalty:write", "orders:read", "orders:write", "payments:write", "pos:write",
    "pricing:write", "reviews:read", "reviews:write", "shipping:write",
)  # fmt: skip
ODD_IDS = ("not-a-uuid", str(uuid.UUID(int=0)), "-1", "x" * 300, "%00")
ODD_VALUES: tuple[Any, ...] = (-1, 0, 2**63, -(2**63), "", "x" * 3000, None, "not-a-uuid",
                               {"a": 1}, [], [1, "x"], 1.5, True)  # fmt: skip
RAW = (b"{", b"[]", b"null", b'"x"', b'{"a": 1}', b"\xff\xfe")


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [o for o in schema[key] if o.get("type") != "null"]
            if options:
                return _resolve(spec, options[0])
    return schema


def _sample(spec: dict[str, Any], schema: dict[str, Any], depth: int = 0) -> Any:
    schema = _resolve(spec, schema)
    kind = schema.get("type")
    if "enum" in schema:
        return schema["enum"][0]
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        return {k: _sample(spec, v, depth + 1) for k, v in props.items()} if depth < 3 else {}
    if kind == "array":
        return [_sample(spec, schema.get("items", {}), depth + 1)] if depth < 3 else []
    if kind == "integer":
        return 1
    if kind == "number":
        return 1
    if kind == "boolean":
        return True
    if schema.get("format") == "uuid":
        return str(uuid.uuid4())
    if schema.get("format") == "date-time":
        return "2026-01-01T00:00:00Z"
    return "x"


def _operations(app: FastAPI) -> list[tuple[str, str, dict[str, Any] | None]]:
    spec = app.openapi()
    found = []
    for path, item in spec["paths"].items():
        if not path.startswith(PREFIXES):
            continue
        for method, op in item.items():
            body = (op.get("requestBody") or {}).get("content", {}).get("application/json")
            schema = _resolve(spec, body["schema"]) if body else None
            found.append((method.upper(), path, schema))
    return found


def _paths(path: str) -> list[str]:
    if "{" not in path:
        return [path]
    out = []
    for odd in ODD_IDS:
        filled = path
        while "{" in filled:
            a, b = filled.index("{"), filled.index("}")
            filled = filled[:a] + odd + filled[b + 1 :]
        out.append(filled)
    return out


ODD_QUERY = {
    "limit": ["-1", "0", "100000", "x"], "cursor": ["zzz", "!!", "x" * 500], "after": ["zzz"],
    "lat": ["91", "x", "nan"], "lng": ["181", "inf"], "status": ["nope"], "channel": ["nope"],
    "page": ["-1"], "country": ["ZZ", "x"],
}  # fmt: skip


def _nested(good: dict[str, Any]) -> list[dict[str, Any]]:
    """Bodies with one field of the first item of each list of objects made odd."""
    out = []
    for name, value in good.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            for inner in value[0]:
                for odd in ODD_VALUES:
                    out.append({**good, name: [{**value[0], inner: odd}, *value[1:]]})
    return out


async def probe(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    ids: dict[str, str] | None = None,
    body_overrides: dict[str, dict[str, Any]] | None = None,
) -> tuple[Counter[int], list[str]]:
    """Send bad input to every omnichannel operation; (requests sent, 5xx/raised ones).
    ``ids`` fills path parameters with real values (else odd ones);
    ``body_overrides`` (by path) makes the well-formed body reach deeper checks."""
    app = create_app(Settings(worker_in_process=False, api_cache_seconds=0))
    spec = app.openapi()
    failures: list[str] = []
    statuses: Counter[int] = Counter()
    sent = 0

    async def send(method: str, url: str, **kw: Any) -> None:
        nonlocal sent
        sent += 1
        extra = kw.pop("headers", {})
        try:
            r = await client.request(method, url, headers={**headers, **extra}, **kw)
        except Exception as exc:
            failures.append(f"{method} {url} {kw!r:.300}: raised {exc!r:.300}")
            return
        statuses[r.status_code] += 1
        if r.status_code >= 500:
            failures.append(f"{method} {url} {kw!r:.300}: {r.status_code} {r.text[:300]}")

    for method, path, schema in _operations(app):
        urls = _paths(path)
        if ids is not None:
            filled = path
            for name, value in ids.items():
                filled = filled.replace("{" + name + "}", value)
            if "{" in filled:
                continue
            urls = [filled]
        for url in urls:
            if schema is None:
                await send(method, url)
            else:
                for raw in RAW:
                    await send(
                        method, url, content=raw, headers={"Content-Type": "application/json"}
                    )
        url = urls[1 if "{" in path and ids is None else 0]
        if method == "GET":
            for name, values in ODD_QUERY.items():
                for value in values:
                    await send(method, url, params={name: value})
        if schema is None:
            continue
        good = {**_sample(spec, schema), **(body_overrides or {}).get(path, {})}
        await send(method, url, json=good)
        for name in schema.get("properties", {}):
            for odd in ODD_VALUES:
                await send(method, url, json={**good, name: odd})
        for body in _nested(good):
            await send(method, url, json=body)
    return statuses, failures


async def test_no_omnichannel_endpoint_answers_bad_input_with_a_5xx(
    client: httpx.AsyncClient, api_key: MakeKey
) -> None:
    staff = await api_key(*SCOPES)
    statuses, failures = await probe(client, staff)
    assert sum(statuses.values()) > 1000
    assert set(statuses) >= {404, 422}
    assert not failures, "\n".join(failures)


async def test_bad_input_on_a_real_order_return_cart_and_customer_is_refused_not_a_5xx(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    psp_store: str,
    api_key: MakeKey,
) -> None:
    clock.freeze(T0)
    s = await shop(sessions)
    await _store_and_chat_channels(sessions, s)
    staff = await api_key(*SCOPES)
    order = await _web_order(client, sessions, s, staff)
    clock.freeze(T0 + timedelta(days=3))
    async with unit_of_work(sessions) as session:
        customer = Customer(email="boris@example.com")
        session.add(customer)
        await session.flush()
        secret = await tokens.issue(session=session, customer_id=customer.id)
    opened = await client.post(
        "/api/v1/returns",
        json={"order_number": order["number"], "channel": "store", "method": "drop_off",
              "location_id": str(s.store), "refund_to": "original", "reason": "x",
              "lines": [{"order_line_id": order["lines"][0]["id"], "quantity": 1,
                         "reason": "changed_mind"}]},
        headers=staff,
    )  # fmt: skip
    assert opened.status_code == 201, opened.text
    cart = await ready_cart(client, s)
    line = {"order_line_id": order["lines"][0]["id"], "quantity": 1, "reason": "changed_mind"}
    real_return = {"order_number": order["number"], "order_id": order["id"], "channel": "store",
                   "method": "drop_off", "location_id": str(s.store), "refund_to": "original",
                   "lines": [line]}  # fmt: skip
    ids = {
        "token": cart, "order_token": order["token"], "order_id": order["id"],
        "return_id": opened.json()["id"], "variant_id": str(s.kettle),
        "product_ref": "web-kettle", "customer_id": str(customer.id), "country": "RU",
        "channel": "web",
    }  # fmt: skip
    overrides = {
        "/api/v1/returns": real_return, "/api/v1/exchanges": real_return,
        "/api/v1/orders/{order_token}/returns": real_return,
        "/api/v1/returns/{return_id}/receive": {"location_id": str(s.store), "lines": [line]},
        "/api/v1/sale-prices": {"variant_id": str(s.kettle), "channel": "web"},
    }  # fmt: skip

    statuses, failures = await probe(
        client, {**staff, "X-Customer-Token": secret}, ids=ids, body_overrides=overrides
    )

    assert sum(statuses.values()) > 1000
    assert statuses[200] + statuses[201] > 20 and statuses[409] > 0  # real rows were reached
    assert not failures, "\n".join(failures)
