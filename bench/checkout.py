"""One buyer's full checkout path, step by step: SQL statements per step and checkouts/s.

Runs the real ASGI app in-process (no network) on a fresh database: SQLite by default, or a
PostgreSQL server given with --postgres (a throwaway database is created and dropped). The
sandbox PSP keeps its own store in a temporary file; its statements are counted apart, as
they would run at the provider. BEGIN/COMMIT are not counted.

    python bench/checkout.py [--postgres postgresql://postgres@127.0.0.1/postgres] [--buyers 200]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.pg import asyncpg_url, create_database, drop_database
from bench.results import append
from omnishop.app import create_app
from omnishop.demo.flash import FlashSale, seed_flash_sale
from omnishop.kernel.db import make_engine, make_sessionmaker, unit_of_work
from omnishop.kernel.runtime import Database
from omnishop.kernel.settings import Settings
from omnishop.models import metadata
from omnishop.payments.sandbox import store

console = Console()
STEPS = ("create cart", "add line", "contact + pickup", "delivery options", "complete")
SKIPPED = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


class Counting:
    """Counts the statements an engine runs while a step is current."""

    def __init__(self) -> None:
        self.step = ""
        self.counts: Counter[str] = Counter()

    def watch(self, engine: AsyncEngine, prefix: str = "") -> None:
        @event.listens_for(engine.sync_engine, "before_cursor_execute")
        def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            if self.step and not statement.lstrip().upper().startswith(SKIPPED):
                self.counts[prefix + self.step] += 1


async def buyer_path(
    client: httpx.AsyncClient, sale: FlashSale, n: int, meter: Counting | None
) -> None:
    def at(step: str) -> None:
        if meter is not None:
            meter.step = step

    at("create cart")
    token = (await client.post("/api/v1/carts", json={"channel": sale.channel_code})).json()[
        "token"
    ]
    at("add line")
    line = {"variant_id": str(sale.variant_id), "quantity": 1}
    assert (await client.post(f"/api/v1/carts/{token}/lines", json=line)).status_code == 201
    at("contact + pickup")
    contact = {
        "email": f"buyer{n}@example.com",
        "delivery": {"kind": "pickup", "location_id": str(sale.location_id)},
    }
    assert (await client.patch(f"/api/v1/carts/{token}", json=contact)).status_code == 200
    at("delivery options")
    assert (await client.get(f"/api/v1/carts/{token}/delivery-options")).status_code == 200
    at("")
    card = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2031, "cvc": "123"}
    tokenised = await client.post(
        "/sandbox-psp/v1/tokens", json=card, headers={"Authorization": "Bearer pk_sandbox_demo"}
    )
    at("complete")
    done = await client.post(
        f"/api/v1/carts/{token}/complete",
        json={"payment": {"method": "card", "token": tokenised.json()["id"]}},
        headers={"Idempotency-Key": f"bench-{token}"},
    )
    at("")
    assert done.status_code == 200 and done.json()["status"] == "completed", done.text


async def fresh_database(postgres: str | None, folder: Path) -> tuple[str, str | None]:
    if postgres is None:
        return f"sqlite+aiosqlite:///{folder / 'bench.db'}", None
    name, plain = await create_database(postgres)
    return asyncpg_url(plain), name


async def run(postgres: str | None, buyers: int) -> dict[str, str]:
    folder = Path(tempfile.mkdtemp(prefix="omnishop-bench-"))
    url, name = await fresh_database(postgres, folder)
    engine = make_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        await store.use(f"sqlite+aiosqlite:///{folder / 'psp.db'}")
        database = Database(engine=engine, sessions=make_sessionmaker(engine))
        async with unit_of_work(database.sessions) as session:
            sale = await seed_flash_sale(session=session, units=buyers + 1, tag="bench")
        app = create_app(
            Settings(worker_in_process=False, api_cache_seconds=0, log_level="WARNING"),
            database=database,
        )
        meter = Counting()
        meter.watch(engine)
        psp_engine = store._state.engine
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://bench"
        ) as client:
            await buyer_path(client, sale, 0, None)  # warm up (PSP store, caches)
            if psp_engine is None:
                psp_engine = store._state.engine
            assert psp_engine is not None
            meter.watch(psp_engine, prefix="psp: ")
            await buyer_path(client, sale, 1, meter)
            per_step = dict(meter.counts)
            meter.step = ""
            timings = []
            started = time.perf_counter()
            for n in range(2, buyers):
                one = time.perf_counter()
                await buyer_path(client, sale, n, None)
                timings.append(time.perf_counter() - one)
            elapsed = time.perf_counter() - started
    finally:
        await engine.dispose()
        await store.use(None)
        if name is not None and postgres is not None:
            await drop_database(postgres, name)

    engine_name = "PostgreSQL" if postgres else "SQLite"
    table = Table(title=f"One buyer's checkout on {engine_name}")
    table.add_column("step")
    table.add_column("our SQL statements", justify="right")
    table.add_column("PSP's statements", justify="right")
    for step in STEPS:
        table.add_row(step, str(per_step.get(step, 0)), str(per_step.get(f"psp: {step}", 0)))
    console.print(table)
    rate = (buyers - 2) / elapsed
    p50 = statistics.median(timings) * 1000
    console.print(f"{rate:.1f} checkouts/s one after another, p50 {p50:.1f} ms per buyer path")
    figures = {"engine": engine_name}
    figures |= {f"statements: {step}": str(per_step.get(step, 0)) for step in STEPS}
    figures["PSP statements during complete"] = str(per_step.get("psp: complete", 0))
    figures["checkouts/s (sequential, in-process)"] = f"{rate:.1f}"
    figures["buyer path p50 (ms)"] = f"{p50:.1f}"
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postgres", help="admin URL of a PostgreSQL server")
    parser.add_argument("--buyers", type=int, default=200)
    args = parser.parse_args()
    figures = asyncio.run(run(args.postgres, args.buyers))
    append("checkout path (bench/checkout.py)", figures)


if __name__ == "__main__":
    main()
