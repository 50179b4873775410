"""The returns services on SQLite and PostgreSQL: receiving twice restocks once, a rejected
exchange gives its held replacement back, a refund the PSP refused is tried again with a new
key and pays once, and two requests racing for the last unit cannot both have it."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from omnishop.app import create_app
from omnishop.customers import apikeys
from omnishop.inventory.ledger import verify_ledger
from omnishop.inventory.models import StockLevel, StockMovement
from omnishop.kernel import clock
from omnishop.kernel.db import make_sessionmaker, unit_of_work
from omnishop.kernel.errors import DomainError
from omnishop.kernel.runtime import Database
from omnishop.kernel.settings import Settings
from omnishop.orders import returns, returns_settle
from omnishop.orders.models import OrderHistory
from omnishop.orders.returns_models import ReturnRefund, ReturnRequest
from omnishop.orders.returns_schemas import ReceiveRequest, ReturnCreate
from omnishop.payments import gateway
from omnishop.payments.gateway import GatewayResult
from omnishop.payments.models import Payment, Refund
from tests.e2e.test_cart_api import shop
from tests.e2e.test_returns_across_channels import T0, _web_order
from tests.integration.test_cart_fixtures import Shop
from tests.payments_fixtures import psp_store

__all__ = ["psp_store"]


async def _staff(sessions: async_sessionmaker[AsyncSession]) -> dict[str, str]:
    async with unit_of_work(sessions) as session:
        issued = await apikeys.create(
            session=session, name="t", scopes=["orders:read", "orders:write"]
        )
    return {"Authorization": f"Bearer {issued.secret}"}


def _ask(s: Shop, order: dict[str, Any], quantity: int = 1, **line: Any) -> ReturnCreate:
    return ReturnCreate.model_validate(
        {
            "channel": "web",
            "location_id": str(s.store),
            "lines": [{"order_line_id": order["lines"][0]["id"], "quantity": quantity, **line}],
        }
    )


async def _level(sessions: async_sessionmaker[AsyncSession], variant: Any, at: Any) -> StockLevel:
    async with sessions() as session:
        level = await session.scalar(
            select(StockLevel)
            .where(StockLevel.variant_id == variant, StockLevel.location_id == at)
            .execution_options(populate_existing=True)
        )
        assert level is not None
        return level


async def test_receiving_twice_restocks_once_and_notes_the_order(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession], psp_store: str
) -> None:
    clock.freeze(T0)
    s = await shop(sessions)
    order = await _web_order(client, sessions, s, await _staff(sessions))
    async with unit_of_work(sessions) as session:
        opened = await returns.request(
            session=session,
            order_id=uuid.UUID(order["id"]),
            data=_ask(s, order, quantity=2),
            created_by="test",
        )
        await returns.approve(session=session, return_id=opened.id, actor="test")
    for _ in range(2):
        async with unit_of_work(sessions) as session:
            got = await returns.receive(
                session=session, return_id=opened.id, data=ReceiveRequest(), actor="test"
            )

    assert got.status == "received"
    async with sessions() as session:
        moves = list(
            await session.scalars(
                select(StockMovement).where(StockMovement.reference == f"return:{got.number}")
            )
        )
        assert [(m.kind, m.delta) for m in moves] == [("receive", 2)]
        assert (await verify_ledger(session=session, variant_id=s.kettle, location_id=s.store)).ok
        notes = list(
            await session.scalars(
                select(OrderHistory.note).where(OrderHistory.order_id == uuid.UUID(order["id"]))
            )
        )
        assert f"return {got.number} received" in notes
        assert any(n and n.startswith(f"return {got.number} requested in web") for n in notes)


async def test_a_rejected_exchange_gives_its_held_replacement_back(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession], psp_store: str
) -> None:
    clock.freeze(T0)
    s = await shop(sessions)
    order = await _web_order(client, sessions, s, await _staff(sessions))
    before = await _level(sessions, s.mug, s.warehouse)
    async with unit_of_work(sessions) as session:
        opened = await returns.request(
            session=session,
            order_id=uuid.UUID(order["id"]),
            data=_ask(s, order, exchange_variant_id=str(s.mug)),
            created_by="test",
        )
    held = await _level(sessions, s.mug, s.warehouse)
    async with unit_of_work(sessions) as session:
        rejected = await returns.reject(
            session=session, return_id=opened.id, reason="worn", actor="test"
        )

    after = await _level(sessions, s.mug, s.warehouse)
    assert rejected.status == "rejected"
    assert (before.reserved, held.reserved, after.reserved) == (0, 1, 0)
    async with sessions() as session:
        assert (await verify_ledger(session=session, variant_id=s.mug, location_id=s.warehouse)).ok


class RefusingOnce:
    """The sandbox gateway, except that the first refund is refused."""

    def __init__(self) -> None:
        self.inner = gateway.get("sandbox")
        self.refused = False
        self.name = "sandbox"

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def refund(self, provider_ref: str, amount: int, idempotency_key: str) -> GatewayResult:
        if not self.refused:
            self.refused = True
            return GatewayResult(
                status="captured",
                provider_ref=provider_ref,
                failure_code="processing_error",
                failure_message="try again later",
            )
        return await self.inner.refund(provider_ref, amount, idempotency_key)


async def test_a_refused_refund_is_tried_again_with_a_new_key_and_pays_once(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession], psp_store: str
) -> None:
    clock.freeze(T0)
    s = await shop(sessions)
    order = await _web_order(client, sessions, s, await _staff(sessions))
    async with unit_of_work(sessions) as session:
        opened = await returns.request(
            session=session, order_id=uuid.UUID(order["id"]), data=_ask(s, order), created_by="t"
        )
        await returns.approve(session=session, return_id=opened.id, actor="t")
        await returns.receive(
            session=session, return_id=opened.id, data=ReceiveRequest(), actor="t"
        )
    gateway.override("sandbox", RefusingOnce())  # type: ignore[arg-type]

    refused: DomainError | None = None
    try:
        await returns_settle.refund(sessions, return_id=opened.id, actor="t")
    except DomainError as exc:
        refused = exc
    async with sessions() as session:
        failed = await session.scalar(
            select(ReturnRefund).where(ReturnRefund.return_id == opened.id)
        )
        assert failed is not None and (failed.status, failed.attempt) == ("failed", 1)
    done = await returns_settle.refund(sessions, return_id=opened.id, actor="t")

    assert refused is not None and refused.code == "payment_operation_failed"
    assert done.status == "refunded" and done.refund is not None
    assert done.refund.status == "succeeded"
    async with sessions() as session:
        rows = list(await session.scalars(select(Refund).order_by(Refund.key)))
        assert [(r.key, r.status) for r in rows] == [
            (f"return:{opened.id}", "failed"),
            (f"return:{opened.id}:2", "succeeded"),
        ]
        payment = await session.get(Payment, uuid.UUID(order["payment_id"]))
        assert payment is not None and payment.refunded_amount == 250000
        assert payment.refund_pending == 0


async def test_two_requests_racing_for_the_last_units_cannot_both_have_them(
    fresh_engine: AsyncEngine, psp_store: str
) -> None:
    factory = make_sessionmaker(fresh_engine)
    app = create_app(
        Settings(worker_in_process=False, api_cache_seconds=0),
        database=Database(engine=fresh_engine, sessions=factory),
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as real:
        clock.freeze(T0)
        s = await shop(factory)
        order = await _web_order(real, factory, s, await _staff(factory))

        async def ask() -> object:
            async with unit_of_work(factory) as session:
                return await returns.request(
                    session=session,
                    order_id=uuid.UUID(order["id"]),
                    data=_ask(s, order, quantity=2),
                    created_by="race",
                )

        results = await asyncio.gather(*(ask() for _ in range(4)), return_exceptions=True)

    won = [r for r in results if not isinstance(r, BaseException)]
    lost = [r for r in results if isinstance(r, DomainError)]
    assert len(won) == 1, results
    assert len(lost) == 3 and {e.code for e in lost} == {"return_quantity_exceeded"}
    async with factory() as session:
        assert await session.scalar(select(func.count()).select_from(ReturnRequest)) == 1


async def test_a_shipped_return_gets_a_label_and_is_restocked_where_staff_say(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession], psp_store: str
) -> None:
    clock.freeze(T0)
    s = await shop(sessions)
    order = await _web_order(client, sessions, s, await _staff(sessions))
    data = ReturnCreate.model_validate(
        {"method": "ship", "lines": [{"order_line_id": order["lines"][0]["id"], "quantity": 1}]}
    )
    async with unit_of_work(sessions) as session:
        opened = await returns.request(
            session=session, order_id=uuid.UUID(order["id"]), data=data, created_by="t"
        )
        await returns.approve(session=session, return_id=opened.id, actor="t")
    refused: DomainError | None = None
    try:
        async with unit_of_work(sessions) as session:
            await returns.receive(
                session=session, return_id=opened.id, data=ReceiveRequest(), actor="t"
            )
    except DomainError as exc:
        refused = exc
    async with unit_of_work(sessions) as session:
        got = await returns.receive(
            session=session,
            return_id=opened.id,
            data=ReceiveRequest(location_id=s.warehouse),
            actor="t",
        )

    assert (opened.label_carrier, opened.label_tracking_number) == (
        "return-label-placeholder",
        f"RL-{opened.number}",
    )
    assert opened.requested_channel == "web"  # the order's own channel when none is named
    assert refused is not None and refused.field == "location_id"
    assert got.lines[0].restock_location_id == s.warehouse


async def test_a_shops_settings_widen_the_window_of_a_channel(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    psp_store: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock.freeze(T0)
    s = await shop(sessions)
    order = await _web_order(client, sessions, s, await _staff(sessions))
    clock.freeze(T0 + timedelta(days=20))  # past Russia's 7 days for distance sales
    monkeypatch.setattr(
        returns, "get_settings", lambda: Settings(return_days_by_channel={"web": 30})
    )

    async with unit_of_work(sessions) as session:
        opened = await returns.request(
            session=session, order_id=uuid.UUID(order["id"]), data=_ask(s, order), created_by="t"
        )

    assert opened.status == "requested"
