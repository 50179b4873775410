"""Payments over HTTP: the PSP webhook intake (signature good/bad/stale/duplicate) and the
staff API (read, capture, refunds with Idempotency-Key)."""

from __future__ import annotations

import json
import time
import uuid
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.api import problems
from omnishop.kernel import clock
from omnishop.payments import jobs, service
from omnishop.payments.models import ProviderEvent
from omnishop.payments.sandbox import psp, signing
from omnishop.payments.sandbox.settings import get_settings
from omnishop.payments.schemas import PaymentInput
from tests.e2e.conftest import MakeKey
from tests.payments_fixtures import count, current, new_payment, psp_store, topics

__all__ = ["psp_store"]
pytestmark = pytest.mark.usefixtures("psp_store")
Sessions = async_sessionmaker[AsyncSession]
URL = "/api/v1/payments/webhooks/sandbox"


def event(payment_id: uuid.UUID, status: str = "authorized", **extra: object) -> bytes:
    charge = {
        "id": "ch_" + "a" * 24,
        "idempotency_key": str(payment_id),
        "status": status,
        "amount": 150_00,
        "currency": "RUB",
        "captured_amount": 0,
        "refunded_amount": 0,
        **extra,
    }
    kind = "charge.failed" if status == "failed" else "charge.succeeded"
    body = {"id": f"evt_{uuid.uuid4().hex}", "type": kind, "data": {"charge": charge}}
    return json.dumps(body).encode()


def signed(body: bytes, *, at: int | None = None, secret: str | None = None) -> dict[str, str]:
    stamp = int(time.time()) if at is None else at
    header = signing.sign(secret or get_settings().secret, body, stamp)
    return {signing.HEADER: header, "Content-Type": "application/json"}


async def test_signed_webhook_applies_once(client: httpx.AsyncClient, sessions: Sessions) -> None:
    created = await new_payment(sessions)
    body = event(created.id)
    first = await client.post(URL, content=body, headers=signed(body))
    assert (first.status_code, first.json()) == (200, {"received": True})
    assert (await current(sessions, created.id)).status == "authorized"
    again = await client.post(URL, content=body, headers=signed(body))
    assert again.status_code == 200
    async with sessions() as session:
        assert await topics(session, created.id) == ["payments.authorized"]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {signing.HEADER: "t=1,v1=deadbeef"},
        "wrong-secret",
        "stale",
    ],
)
async def test_unverified_webhooks_are_refused_and_change_nothing(
    client: httpx.AsyncClient, sessions: Sessions, headers: object
) -> None:
    created = await new_payment(sessions)
    body = event(created.id)
    if headers == "wrong-secret":
        headers = signed(body, secret="whsec_other")
    elif headers == "stale":
        headers = signed(body, at=int(time.time()) - 301)
    response = await client.post(URL, content=body, headers=headers)  # type: ignore[arg-type]
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_signature"
    assert (await current(sessions, created.id)).status == "pending"
    async with sessions() as session:
        assert await count(session, ProviderEvent) == 0


async def test_tampered_body_is_refused(client: httpx.AsyncClient, sessions: Sessions) -> None:
    created = await new_payment(sessions)
    body = event(created.id)
    headers = signed(body)
    tampered = body.replace(b"15000", b"1")
    assert (await client.post(URL, content=tampered, headers=headers)).status_code == 401


async def test_signed_nonsense_is_a_400(client: httpx.AsyncClient) -> None:
    for body in (b"not json", b'{"id":"evt_1","type":"charge.exploded","data":{}}'):
        response = await client.post(URL, content=body, headers=signed(body))
        assert response.status_code == 400
        assert response.json()["code"] == "invalid_webhook"


async def test_webhook_for_an_unknown_payment_is_acknowledged(client: httpx.AsyncClient) -> None:
    body = event(uuid.uuid4())
    assert (await client.post(URL, content=body, headers=signed(body))).status_code == 200


async def test_unknown_provider_is_a_404(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/payments/webhooks/acme", content=b"{}")
    assert response.status_code == 404


async def test_staff_read_capture_and_refund(
    client: httpx.AsyncClient, sessions: Sessions, api_key: MakeKey
) -> None:
    created = await new_payment(sessions)
    await service.authorize(sessions, payment_id=created.id)
    reader = await api_key("orders:read")
    writer = await api_key("payments:write")
    path = f"/api/v1/payments/{created.id}"

    read = await client.get(path, headers=reader)
    assert read.status_code == 200, read.text
    body = read.json()
    assert (body["status"], body["amount"], body["card_last4"]) == ("authorized", 150_00, "4242")
    assert "token" not in body
    assert (await client.get(path)).status_code == 401
    assert (await client.post(f"{path}/capture", headers=reader)).status_code == 403

    captured = await client.post(f"{path}/capture", headers=writer)
    assert captured.status_code == 200, captured.text
    assert captured.json()["status"] == "captured"

    refund_headers = {**writer, "Idempotency-Key": "refund-1"}
    refund = {"amount": 40_00, "reason": "damaged box"}
    first = await client.post(f"{path}/refunds", json=refund, headers=refund_headers)
    again = await client.post(f"{path}/refunds", json=refund, headers=refund_headers)
    assert first.status_code == again.status_code == 201, first.text
    assert again.json()["refunded_amount"] == 40_00
    assert [r["reason"] for r in again.json()["refunds"]] == ["damaged box"]

    over = await client.post(f"{path}/refunds", json={"amount": 110_01}, headers=writer)
    assert over.status_code == 409
    assert over.json()["code"] == "refund_exceeds_captured"
    bad = await client.post(f"{path}/refunds", json={"amount": 0}, headers=writer)
    assert bad.status_code == 422
    missing = await client.get(f"/api/v1/payments/{uuid.uuid4()}", headers=reader)
    assert (missing.status_code, missing.json()["code"]) == (404, "payment_not_found")


async def test_refund_webhook_from_the_psp_dashboard_is_recorded(
    client: httpx.AsyncClient, sessions: Sessions
) -> None:
    created = await new_payment(sessions)
    info = await service.authorize(sessions, payment_id=created.id)
    await service.capture(sessions, payment_id=created.id)
    assert info.provider_ref is not None
    await psp.refund(info.provider_ref, 20_00, "dashboard-1")  # a refund we did not send
    await jobs.deliver_sandbox_notifications(sessions)
    after = await current(sessions, created.id)
    assert (after.status, after.refunded_amount) == ("partially_refunded", 20_00)


async def test_card_numbers_in_the_payment_object_get_their_own_problem() -> None:
    app = FastAPI()
    problems.install(app)

    @app.post("/pay")
    async def pay(payment: PaymentInput) -> dict[str, str]:
        return {"method": payment.method}

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.post("/pay", json={"method": "card", "pan": "4242424242424242"})
        ok = await client.post("/pay", json={"method": "card", "token": "tok_1"})
    assert response.status_code == 422
    assert response.json()["code"] == "card_number_not_accepted"
    assert "4242424242424242" not in response.text
    assert ok.status_code == 200


async def test_stale_check_follows_the_clock(client: httpx.AsyncClient, sessions: Sessions) -> None:
    created = await new_payment(sessions)
    body = event(created.id)
    headers = signed(body)
    clock.freeze(clock.now() + timedelta(minutes=6))
    assert (await client.post(URL, content=body, headers=headers)).status_code == 401
