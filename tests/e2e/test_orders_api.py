"""Orders over HTTP: the buyer's status page by token, a customer's history by customer
token, and staff listing, cancellation, shipments and tracking; refusals are problems."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.customers import tokens
from omnishop.kernel.db import unit_of_work
from omnishop.orders import service
from omnishop.orders.schemas import OrderInfo
from tests.e2e.conftest import MakeKey
from tests.integration.test_customer_tokens import customer
from tests.integration.test_orders_service import Shop, make_draft, shop

Sessions = async_sessionmaker[AsyncSession]
STAFF = "/api/v1/staff/orders"


async def orders(
    sessions: Sessions, n: int = 1, *, customer_id: uuid.UUID | None = None
) -> tuple[Shop, list[OrderInfo]]:
    """Given a shop and ``n`` orders of one kettle placed in it."""
    async with unit_of_work(sessions) as session:
        s = await shop(session)
        placed = []
        for _ in range(n):
            d = await make_draft(session, s, kettles=1, mugs=1, customer_id=customer_id)
            placed.append(await service.place(session=session, draft=d))
    return s, placed


async def test_the_buyer_sees_status_and_tracking_by_token_without_contact_details(
    client: httpx.AsyncClient, sessions: Sessions, api_key: MakeKey
) -> None:
    _, [order] = await orders(sessions)
    staff = await api_key("orders:read", "orders:write")
    shipment = await client.post(
        f"{STAFF}/{order.id}/shipments",
        json={"carrier": "cdek", "tracking_number": "CD123"},
        headers=staff,
    )
    event = {
        "status": "in_transit",
        "occurred_at": "2026-01-02T10:00:00+03:00",
        "location": "Moscow hub",
        "external_id": "evt-1",
    }
    await client.post(
        f"/api/v1/staff/shipments/{shipment.json()['id']}/events", json=event, headers=staff
    )

    page = await client.get(f"/api/v1/orders/{order.token}")

    assert page.status_code == 200, page.text
    body = page.json()
    assert (body["number"], body["status"], body["total"]) == (order.number, "shipped", 230_000)
    assert body["shipments"][0]["tracking_number"] == "CD123"
    assert [e["location"] for e in body["shipments"][0]["events"]] == ["Moscow hub"]
    assert "email" not in body and "phone" not in body and "token" not in body


async def test_an_unknown_or_malformed_order_token_is_a_404_or_422(
    client: httpx.AsyncClient,
) -> None:
    unknown = await client.get("/api/v1/orders/" + "a" * 32)
    malformed = await client.get("/api/v1/orders/short")

    assert (unknown.status_code, unknown.json()["code"]) == (404, "not_found")
    assert malformed.status_code == 422


async def test_a_customer_sees_only_their_orders_with_their_token(
    client: httpx.AsyncClient, sessions: Sessions
) -> None:
    async with unit_of_work(sessions) as session:
        cid = await customer(session)
        token = await tokens.issue(session=session, customer_id=cid)
    _, mine = await orders(sessions, 2, customer_id=cid)

    first = await client.get(
        "/api/v1/customer/orders", params={"limit": 1}, headers={"X-Customer-Token": token}
    )
    second = await client.get(
        "/api/v1/customer/orders",
        params={"limit": 1, "cursor": first.json()["next_cursor"]},
        headers={"X-Customer-Token": token},
    )
    anonymous = await client.get("/api/v1/customer/orders")
    wrong = await client.get("/api/v1/customer/orders", headers={"X-Customer-Token": "cst_x"})

    assert first.status_code == 200, first.text
    assert [o["number"] for o in first.json()["data"] + second.json()["data"]] == [
        mine[1].number,
        mine[0].number,
    ]
    assert second.json()["next_cursor"] is None
    assert (anonymous.status_code, anonymous.json()["code"]) == (401, "invalid_customer_token")
    assert wrong.status_code == 401


async def test_staff_list_filters_and_needs_the_orders_read_scope(
    client: httpx.AsyncClient, sessions: Sessions, api_key: MakeKey
) -> None:
    _, placed = await orders(sessions, 2)
    reader = await api_key("orders:read")
    async with unit_of_work(sessions) as session:
        await service.mark_paid(session=session, order_id=placed[0].id)

    everything = await client.get(STAFF, headers=reader)
    paid = await client.get(STAFF, params={"payment_status": "paid"}, headers=reader)
    in_channel = await client.get(STAFF, params={"channel": "web-ru"}, headers=reader)
    naive = await client.get(STAFF, params={"placed_from": "2026-01-01T00:00:00"}, headers=reader)
    bad_status = await client.get(STAFF, params={"status": "lost"}, headers=reader)
    no_key = await client.get(STAFF)
    wrong_scope = await client.get(STAFF, headers=await api_key("catalog:read"))

    assert [o["number"] for o in everything.json()["data"]] == [
        placed[1].number,
        placed[0].number,
    ]
    assert [o["id"] for o in paid.json()["data"]] == [str(placed[0].id)]
    assert len(in_channel.json()["data"]) == 2
    assert naive.status_code == 422 and naive.json()["errors"][0]["field"] == "placed_from"
    assert bad_status.status_code == 422
    assert (no_key.status_code, wrong_scope.status_code) == (401, 403)


async def test_staff_cancel_shows_history_and_a_second_shipment_is_refused(
    client: httpx.AsyncClient, sessions: Sessions, api_key: MakeKey
) -> None:
    _, [order, other] = await orders(sessions, 2)
    staff = await api_key("orders:read", "orders:write")

    canceled = await client.post(
        f"{STAFF}/{order.id}/cancel", json={"reason": "buyer called"}, headers=staff
    )
    ship_canceled = await client.post(f"{STAFF}/{order.id}/shipments", json={}, headers=staff)
    empty_reason = await client.post(
        f"{STAFF}/{other.id}/cancel", json={"reason": ""}, headers=staff
    )
    unknown = await client.post(
        f"{STAFF}/{uuid.uuid4()}/cancel", json={"reason": "x"}, headers=staff
    )
    read_only = await client.post(
        f"{STAFF}/{other.id}/cancel", json={"reason": "x"}, headers=await api_key("orders:read")
    )

    assert canceled.status_code == 200, canceled.text
    assert canceled.json()["status"] == "canceled"
    assert [h["to_status"] for h in canceled.json()["history"]] == ["placed", "canceled"]
    assert (ship_canceled.status_code, ship_canceled.json()["code"]) == (
        409,
        "invalid_order_transition",
    )
    assert empty_reason.status_code == 422
    assert unknown.status_code == 404
    assert read_only.status_code == 403


async def test_partial_shipment_then_the_rest_then_delivery(
    client: httpx.AsyncClient, sessions: Sessions, api_key: MakeKey
) -> None:
    _, [order] = await orders(sessions)
    staff = await api_key("orders:read", "orders:write")
    kettle, mug = order.lines

    part = await client.post(
        f"{STAFF}/{order.id}/shipments",
        json={"carrier": "cdek", "lines": [{"order_line_id": str(kettle.id), "quantity": 1}]},
        headers=staff,
    )
    middle = (await client.get(f"{STAFF}/{order.id}", headers=staff)).json()
    too_many = await client.post(
        f"{STAFF}/{order.id}/shipments",
        json={"lines": [{"order_line_id": str(kettle.id), "quantity": 1}]},
        headers=staff,
    )
    rest = await client.post(f"{STAFF}/{order.id}/shipments", json={}, headers=staff)
    nothing_left = await client.post(f"{STAFF}/{order.id}/shipments", json={}, headers=staff)
    delivered = {"status": "delivered", "occurred_at": datetime.now(UTC).isoformat()}
    for shipment in (part, rest):
        event = await client.post(
            f"/api/v1/staff/shipments/{shipment.json()['id']}/events",
            json={**delivered, "external_id": f"d-{shipment.json()['id']}"},
            headers=staff,
        )
        assert event.status_code == 201, event.text
    again = await client.post(
        f"/api/v1/staff/shipments/{rest.json()['id']}/events",
        json={**delivered, "external_id": f"d-{rest.json()['id']}"},
        headers=staff,
    )
    final = (await client.get(f"{STAFF}/{order.id}", headers=staff)).json()

    assert part.status_code == 201, part.text
    assert middle["status"] == "fulfilling"
    assert (too_many.status_code, too_many.json()["code"]) == (409, "nothing_to_ship")
    assert rest.json()["lines"] == [{"order_line_id": str(mug.id), "quantity": 1}]
    assert (nothing_left.status_code, nothing_left.json()["code"]) == (
        409,
        "invalid_order_transition",
    )
    assert again.status_code == 200 and len(again.json()["events"]) == 1
    assert final["status"] == "delivered"
    assert [h["to_status"] for h in final["history"]] == [
        "placed",
        "fulfilling",
        "shipped",
        "delivered",
    ]


async def test_bad_shipment_and_tracking_input_is_refused_with_the_field(
    client: httpx.AsyncClient, sessions: Sessions, api_key: MakeKey
) -> None:
    _, [order] = await orders(sessions)
    staff = await api_key("orders:read", "orders:write")

    foreign_line = await client.post(
        f"{STAFF}/{order.id}/shipments",
        json={"lines": [{"order_line_id": str(uuid.uuid4()), "quantity": 1}]},
        headers=staff,
    )
    zero = await client.post(
        f"{STAFF}/{order.id}/shipments",
        json={"lines": [{"order_line_id": str(order.lines[0].id), "quantity": 0}]},
        headers=staff,
    )
    extra = await client.post(f"{STAFF}/{order.id}/shipments", json={"boxes": 2}, headers=staff)
    events = f"/api/v1/staff/shipments/{uuid.uuid4()}/events"
    naive = await client.post(
        events, json={"status": "delivered", "occurred_at": "2026-01-01T10:00:00"}, headers=staff
    )
    unknown_status = await client.post(
        events, json={"status": "teleported", "occurred_at": "2026-01-01T10:00:00Z"}, headers=staff
    )
    no_shipment = await client.post(
        events, json={"status": "in_transit", "occurred_at": "2026-01-01T10:00:00Z"}, headers=staff
    )

    assert foreign_line.status_code == 422
    assert foreign_line.json()["errors"][0]["field"].startswith("lines")
    assert zero.status_code == 422
    assert extra.status_code == 422
    assert naive.status_code == 422 and naive.json()["errors"][0]["field"] == "occurred_at"
    assert unknown_status.status_code == 422
    assert no_shipment.status_code == 404
