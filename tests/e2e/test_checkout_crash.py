"""kill -9 the server in the middle of many completions, restart it and let the worker
recover: no paid order lost, no charge without an order, no outbox event lost.

The server is a real `uvicorn` process on a database that commits (SQLite file or a fresh
PostgreSQL database); the sandbox PSP keeps its own store in a file, as an outside party.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from omnishop.checkout.jobs import reconcile
from omnishop.checkout.models import Cart, CartState
from omnishop.demo.flash import FlashSale, seed_flash_sale
from omnishop.inventory.ledger import verify_ledger
from omnishop.inventory.models import StockLevel
from omnishop.kernel import clock, outbox
from omnishop.kernel.db import make_sessionmaker, unit_of_work
from omnishop.kernel.outbox import OutboxEvent
from omnishop.kernel.runtime import Database
from omnishop.orders.models import Order
from omnishop.payments.jobs import deliver_sandbox_notifications
from omnishop.payments.models import Payment
from omnishop.payments.sandbox import store
from omnishop.payments.sandbox.store import Charge
from tests.payments_fixtures import card_token, psp_store

__all__ = ["psp_store"]
BUYERS = 80
KILL_AFTER = 8  # completions answered before the process dies
PAID = ("authorized", "captured")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """`omnishop`'s ASGI app in its own process, started and killed like production's."""

    def __init__(self, database_url: str, psp_url: str, log: Path) -> None:
        self.port = free_port()
        self.env = {
            **os.environ,
            "OMNISHOP_DATABASE_URL": database_url,
            "OMNISHOP_SANDBOX_PSP_URL": psp_url,
            "OMNISHOP_WORKER_IN_PROCESS": "false",
            "OMNISHOP_LOG_LEVEL": "WARNING",
        }
        self.log = log
        self.process: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        command = [sys.executable, "-m", "uvicorn", "omnishop.app:create_app", "--factory"]
        command += ["--port", str(self.port), "--log-level", "warning"]
        with self.log.open("ab") as out:
            self.process = await asyncio.create_subprocess_exec(
                *command, env=self.env, stdout=out, stderr=out
            )
        # Start-up time is not what this test measures: on a loaded 2-core machine importing
        # the app alone can take several seconds, so wait up to a minute (or until it dies).
        deadline = time.monotonic() + 60
        async with httpx.AsyncClient() as client:
            while time.monotonic() < deadline and self.process.returncode is None:
                try:
                    if (await client.get(f"{self.url}/healthz")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.05)
        raise AssertionError(f"the server did not start: {self.log.read_text()[-2000:]}")

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)  # no shutdown hooks: requests cut mid-flight

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
        if self.process is not None:
            await asyncio.wait_for(self.process.wait(), 10)


@pytest.fixture
async def servers() -> AsyncIterator[list[Server]]:
    started: list[Server] = []
    yield started
    for server in started:
        await server.stop()


@pytest.fixture
async def shop(fresh_engine: AsyncEngine, psp_store: str) -> AsyncIterator[Database]:
    yield Database(engine=fresh_engine, sessions=make_sessionmaker(fresh_engine))


async def ready_carts(client: httpx.AsyncClient, sale: FlashSale) -> list[tuple[str, str]]:
    """Carts with a line, contact and pickup chosen, each with its card token."""
    ready = []
    for n in range(BUYERS):
        token = (await client.post("/api/v1/carts", json={"channel": sale.channel_code})).json()[
            "token"
        ]
        line = {"variant_id": str(sale.variant_id), "quantity": 1}
        assert (await client.post(f"/api/v1/carts/{token}/lines", json=line)).status_code == 201
        contact = {
            "email": f"buyer{n}@example.com",
            "delivery": {"kind": "pickup", "location_id": str(sale.location_id)},
        }
        assert (await client.patch(f"/api/v1/carts/{token}", json=contact)).status_code == 200
        ready.append((token, await card_token()))
    return ready


async def complete(client: httpx.AsyncClient, token: str, card: str) -> httpx.Response:
    return await client.post(
        f"/api/v1/carts/{token}/complete",
        json={"payment": {"method": "card", "token": card}},
        headers={"Idempotency-Key": f"crash-{token}"},
    )


async def test_kill_9_mid_checkout_loses_no_paid_order_and_leaves_no_orphan_charge(
    shop: Database, psp_store: str, servers: list[Server], tmp_path: Path
) -> None:
    async with unit_of_work(shop.sessions) as session:
        sale = await seed_flash_sale(session=session, units=BUYERS)
    url = shop.engine.url.render_as_string(hide_password=False)
    first = Server(url, psp_store, tmp_path / "server.log")
    servers.append(first)
    await first.start()
    async with httpx.AsyncClient(base_url=first.url, timeout=30) as client:
        carts = await ready_carts(client, sale)
        answered: list[httpx.Response] = []

        async def attempt(token: str, card: str) -> httpx.Response | Exception:
            try:
                response = await complete(client, token, card)
            except httpx.TransportError as exc:
                return exc
            answered.append(response)
            if len(answered) == KILL_AFTER:
                first.kill()
            return response

        results = await asyncio.gather(*(attempt(t, c) for t, c in carts))
    await first.stop()
    cut = [r for r in results if isinstance(r, Exception)]
    assert len(cut) > 0, "the kill came too late to cut any completion"
    assert not [r for r in answered if r.status_code >= 500]

    # Restart; the worker (here in-process) recovers once the grace period has passed.
    second = Server(url, psp_store, tmp_path / "server.log")
    servers.append(second)
    await second.start()
    clock.freeze(clock.now() + timedelta(minutes=3))
    async with unit_of_work(shop.sessions, writes=False) as session:
        await reconcile(session)
    # Buyers who lost their answer retry with the same key: their order, or a clear 4xx.
    async with httpx.AsyncClient(base_url=second.url, timeout=30) as client:
        retried = [
            await complete(client, t, c)
            for (t, c), r in zip(carts, results, strict=True)
            if isinstance(r, Exception)
        ]
    assert not [r for r in retried if r.status_code >= 500], [r.text for r in retried]
    await deliver_sandbox_notifications(shop.sessions)
    await outbox.drain(shop.sessions)
    clock.freeze(None)

    async with shop.sessions() as session:
        payments = list(await session.scalars(select(Payment)))
        orders = {o.id: o for o in await session.scalars(select(Order))}
        stuck = await session.scalar(
            select(func.count()).where(
                Cart.state.in_([CartState.COMPLETING, CartState.AWAITING_PAYMENT])
            )
        )
        placed_events = await session.scalar(
            select(func.count()).where(OutboxEvent.topic == "orders.placed")
        )
        unhandled = await session.scalar(
            select(func.count()).where(OutboxEvent.processed_at.is_(None))
        )
        level = await session.scalar(
            select(StockLevel).where(StockLevel.variant_id == sale.variant_id)
        )
        check = await verify_ledger(
            session=session, variant_id=sale.variant_id, location_id=sale.location_id
        )
    async with (await store.sessions())() as psp_session:
        charges = {c.idempotency_key: c for c in await psp_session.scalars(select(Charge))}

    by_id = {str(p.id): p for p in payments}
    # Every charge the PSP holds is either given back or paid for by an order.
    for key, charge in charges.items():
        if charge.status in PAID:
            assert by_id[key].order_id in orders, (key, charge.status)
    # Every payment we call paid belongs to an order, and every order to a paid payment.
    for payment in payments:
        if payment.status in PAID:
            assert payment.order_id in orders
    assert {o.payment_id for o in orders.values()} <= {p.id for p in payments if p.status in PAID}
    # Every answered completion is an order; every order announced; nothing stuck.
    for response in answered:
        if response.status_code == 200:
            assert response.json()["order"]["id"] in {str(i) for i in orders}
    assert placed_events == len(orders) and unhandled == 0
    assert stuck == 0
    assert level is not None and level.committed == len(orders) and level.reserved >= 0
    assert check.ok, check
