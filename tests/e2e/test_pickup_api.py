"""Click & collect over HTTP: staff mark ready, the buyer fetches the code and QR by order
token, a wrong code is refused with attempts left, the right one delivers."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.kernel.db import unit_of_work
from omnishop.payments.schemas import PaymentInput
from tests.e2e.conftest import MakeKey
from tests.integration.pickup_fixtures import open_shop, pickup_order
from tests.payments_fixtures import card_token, psp_store

__all__ = ["psp_store"]
pytestmark = pytest.mark.usefixtures("psp_store")


async def test_ready_wrong_code_right_code_delivered(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession], api_key: MakeKey
) -> None:
    async with unit_of_work(sessions) as session:
        shop = await open_shop(session)
    order = await pickup_order(
        sessions, shop, payment=PaymentInput(method="card", token=await card_token())
    )
    staff = await api_key("orders:read", "orders:write")
    reader = await api_key("orders:read")

    # Not ready yet: no pickup to show, nothing to hand over.
    assert (await client.get(f"/api/v1/orders/by-token/{order.token}/pickup")).status_code == 404
    early = await client.post(f"/api/v1/orders/{order.id}/pickup/ready", headers=reader)
    assert early.status_code == 403

    ready = await client.post(f"/api/v1/orders/{order.id}/pickup/ready", headers=staff)
    assert ready.status_code == 200, ready.text
    assert ready.json()["status"] == "ready" and "code" not in ready.json()  # staff never see it

    mine = await client.get(f"/api/v1/orders/by-token/{order.token}/pickup")
    assert mine.status_code == 200 and mine.headers["cache-control"] == "private, no-store"
    code = mine.json()["code"]
    assert len(code) == 6 and mine.json()["qr_payload"].endswith(":" + code)
    svg = await client.get(f"/api/v1/orders/by-token/{order.token}/pickup-qr.svg")
    assert svg.status_code == 200 and svg.headers["content-type"] == "image/svg+xml"
    assert svg.content.lstrip().startswith(b"<?xml") or b"<svg" in svg.content[:200]
    png = await client.get(f"/api/v1/orders/by-token/{order.token}/pickup-qr.png")
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    wrong_token = await client.get("/api/v1/orders/by-token/" + "x" * 32 + "/pickup-qr.svg")
    assert wrong_token.status_code == 404

    wrong = f"{(int(code) + 1) % 10**6:06d}"
    refused = await client.post(
        f"/api/v1/orders/{order.id}/pickup/handover", headers=staff, json={"code": wrong}
    )
    assert refused.status_code == 422
    assert refused.json()["code"] == "pickup_code_wrong" and refused.json()["attempts_left"] == 4
    malformed = await client.post(
        f"/api/v1/orders/{order.id}/pickup/handover", headers=staff, json={"code": "12"}
    )
    assert malformed.status_code == 422
    seen = await client.get(f"/api/v1/orders/{order.id}/pickup", headers=reader)
    assert seen.json()["attempts_left"] == 4  # the wrong try stayed counted

    done = await client.post(
        f"/api/v1/orders/{order.id}/pickup/handover", headers=staff, json={"code": code}
    )
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "collected"
    staff_view = await client.get(f"/api/v1/staff/orders/{order.id}", headers=reader)
    assert staff_view.json()["status"] == "delivered"
    assert [s["kind"] for s in staff_view.json()["shipments"]] == ["pickup"]


async def test_six_wrong_codes_lock_with_423(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession], api_key: MakeKey
) -> None:
    async with unit_of_work(sessions) as session:
        shop = await open_shop(session)
    order = await pickup_order(sessions, shop, payment=PaymentInput(method="pay_at_pickup"))
    staff = await api_key("orders:write")
    await client.post(f"/api/v1/orders/{order.id}/pickup/ready", headers=staff)
    code = (await client.get(f"/api/v1/orders/by-token/{order.token}/pickup")).json()["code"]
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    answers = [
        (
            await client.post(
                f"/api/v1/orders/{order.id}/pickup/handover", headers=staff, json={"code": wrong}
            )
        ).status_code
        for _ in range(6)
    ]
    assert answers == [422, 422, 422, 422, 423, 423]
