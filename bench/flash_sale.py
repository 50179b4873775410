"""A flash sale on PostgreSQL: 1,000 buyers race for 100 units through the HTTP API.

Starts `uvicorn` with N server processes on a throwaway PostgreSQL database, sends every
buyer down the whole path at once (cart → line → contact and pickup → card token at the
sandbox PSP → completion), then prints orders, oversold units, completions/s and p50/p99
latency. In the same run pgbench measures a single-row conditional UPDATE (the statement
that takes stock) on the same server: the physical limit of selling one hot variant.

    python bench/flash_sale.py [--postgres postgresql://postgres@127.0.0.1/postgres]
        [--buyers 1000] [--units 100] [--workers 2] [--concurrency 256]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp
import httpx
from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.pg import asyncpg_url, create_database, drop_database
from bench.results import append
from omnishop.demo.flash import FlashSale, Outcome, buy, seed_flash_sale
from omnishop.inventory.ledger import verify_ledger
from omnishop.inventory.models import StockLevel
from omnishop.kernel.db import make_engine, make_sessionmaker, unit_of_work
from omnishop.models import metadata
from omnishop.orders.models import Order

console = Console()
HOT_ROW = "UPDATE bench_stock SET reserved = reserved + 1 WHERE id = 1 AND on_hand - reserved >= 1;"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def pgbench(plain_url: str, clients: int, seconds: int, folder: Path) -> float:
    """Transactions/s of the hot-row conditional UPDATE, measured by pgbench."""
    if shutil.which("pgbench") is None:
        raise SystemExit("pgbench not found (apt-get install postgresql-client)")
    script = folder / "hot_row.sql"
    script.write_text(HOT_ROW + "\n")
    command = ["pgbench", "-n", "-c", str(clients), "-j", "2", "-T", str(seconds)]
    out = subprocess.run(
        [*command, "-f", str(script), plain_url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found = re.search(r"tps = ([\d.]+)", out)
    if found is None:
        raise SystemExit(f"cannot read pgbench output:\n{out}")
    return float(found.group(1))


async def start_servers(url: str, psp_url: str, workers: int, log: Path) -> tuple[Any, str]:
    port = free_port()
    env = {
        **os.environ,
        "OMNISHOP_DATABASE_URL": url,
        "OMNISHOP_SANDBOX_PSP_URL": psp_url,
        "OMNISHOP_WORKER_IN_PROCESS": "false",
        "OMNISHOP_LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "uvicorn", "omnishop.app:create_app", "--factory"]
    command += ["--port", str(port), "--workers", str(workers), "--log-level", "warning"]
    command += ["--timeout-keep-alive", "60"]
    with log.open("ab") as out:
        process = await asyncio.create_subprocess_exec(*command, env=env, stdout=out, stderr=out)
    base = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient() as client:
        for _ in range(400):
            try:
                if (await client.get(f"{base}/healthz")).status_code == 200:
                    return process, base
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.05)
    raise SystemExit(f"server did not start; see {log}")


class AioReply:
    def __init__(self, status: int, body: bytes) -> None:
        self.status_code, self.body = status, body

    @property
    def is_success(self) -> bool:
        return 200 <= self.status_code < 300

    def json(self) -> Any:
        return json.loads(self.body)


class AioClient:
    """aiohttp behind the buyer's client protocol: it costs the load generator a fraction of
    httpx's CPU, so the figures measure the shop rather than the client on a small machine."""

    def __init__(self, session: aiohttp.ClientSession, base: str) -> None:
        self.session, self.base = session, base

    async def _send(
        self, method: str, url: str, body: Any, headers: dict[str, str] | None
    ) -> AioReply:
        async with self.session.request(
            method, self.base + url, json=body, headers=headers
        ) as response:
            return AioReply(response.status, await response.read())

    async def post(
        self, url: str, *, json: Any = None, headers: dict[str, str] | None = None
    ) -> AioReply:
        return await self._send("POST", url, json, headers)

    async def patch(
        self, url: str, *, json: Any = None, headers: dict[str, str] | None = None
    ) -> AioReply:
        return await self._send("PATCH", url, json, headers)


async def race(
    base: str, sale: FlashSale, buyers: int, concurrency: int
) -> tuple[list[Outcome], float]:
    # A new connection per request: the server processes share one listening socket, and
    # long-lived connections would stay with whichever process accepted them first.
    connector = aiohttp.TCPConnector(limit=concurrency, force_close=True)
    timeout = aiohttp.ClientTimeout(total=300)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        client = AioClient(session, base)
        started = time.perf_counter()
        outcomes = await asyncio.gather(*(buy(client, sale, n) for n in range(buyers)))
        return list(outcomes), time.perf_counter() - started


async def run(args: argparse.Namespace) -> dict[str, str]:
    folder = Path(tempfile.mkdtemp(prefix="omnishop-flash-"))
    name, plain = await create_database(args.postgres, "omnishop_flash")
    url = asyncpg_url(plain)
    # The PSP's own store, in its own PostgreSQL database: several server processes writing
    # one SQLite file would measure SQLite's file lock, not the shop.
    psp_name, psp_plain = await create_database(args.postgres, "omnishop_flash")
    psp_url = asyncpg_url(psp_plain)
    engine = make_engine(url)
    process = None
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
            await conn.run_sync(metadata.create_all)
            await conn.execute(
                text("CREATE TABLE bench_stock (id int PRIMARY KEY, on_hand int, reserved int)")
            )
            await conn.execute(text("INSERT INTO bench_stock VALUES (1, 1000000000, 0)"))
        sessions = make_sessionmaker(engine)
        async with unit_of_work(sessions) as session:
            sale = await seed_flash_sale(session=session, units=args.units)
        console.print(f"pgbench: hot-row conditional UPDATE, {args.clients} clients…")
        limit = pgbench(plain, args.clients, args.seconds, folder)
        process, base = await start_servers(url, psp_url, args.workers, folder / "server.log")
        console.print(f"{args.buyers} buyers for {args.units} units through {base} …")
        outcomes, elapsed = await race(base, sale, args.buyers, args.concurrency)
        async with sessions() as session:
            orders = int(await session.scalar(select(func.count()).select_from(Order)) or 0)
            level = await session.scalar(
                select(StockLevel).where(StockLevel.variant_id == sale.variant_id)
            )
            ledger = await verify_ledger(
                session=session, variant_id=sale.variant_id, location_id=sale.location_id
            )
    finally:
        if process is not None:
            process.terminate()
            await process.wait()
        await engine.dispose()
        await drop_database(args.postgres, name)
        await drop_database(args.postgres, psp_name)

    won = [o for o in outcomes if o.order_number is not None]
    refusals = Counter((o.step, o.status, o.code) for o in outcomes if o.order_number is None)
    server_errors = sum(1 for o in outcomes if o.status >= 500)
    assert level is not None
    oversold = max(0, level.committed + level.reserved - args.units)
    last_order = max(o.seconds for o in won) if won else elapsed
    rate = len(won) / last_order if won else 0.0
    complete = [o.complete_seconds * 1000 for o in won if o.complete_seconds is not None]
    paths = [o.seconds * 1000 for o in outcomes]

    table = Table(title=f"Flash sale: {args.buyers} buyers, {args.units} units, PostgreSQL")
    table.add_column("figure")
    table.add_column("value", justify="right")
    figures = {
        "buyers / units": f"{args.buyers} / {args.units}",
        "orders": str(orders),
        "oversold units": str(oversold),
        "ledger agrees": "yes" if ledger.ok else f"NO {ledger}",
        "5xx responses": str(server_errors),
        "refusals": ", ".join(f"{n}× {s} {st} {c}" for (s, st, c), n in refusals.items()),
        "completions/s (orders ÷ time to the last order)": f"{rate:.1f}",
        "completion p50 / p99 (ms)": (
            f"{statistics.median(complete):.0f} / {percentile(complete, 0.99):.0f}"
            if complete
            else "-"
        ),
        "buyer path p50 / p99 (ms)": (
            f"{statistics.median(paths):.0f} / {percentile(paths, 0.99):.0f}"
        ),
        "pgbench hot-row conditional UPDATE (tps)": f"{limit:.0f}",
        "completions/s as % of the hot-row limit": f"{100 * rate / limit:.1f}%",
        "server processes / client concurrency": f"{args.workers} / {args.concurrency}",
    }
    for key, value in figures.items():
        table.add_row(key, value)
    console.print(table)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--buyers", type=int, default=1000)
    parser.add_argument("--units", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2, help="server processes")
    parser.add_argument("--concurrency", type=int, default=256, help="client connections")
    parser.add_argument("--clients", type=int, default=32, help="pgbench clients")
    parser.add_argument("--seconds", type=int, default=10, help="pgbench duration")
    args = parser.parse_args()
    figures = asyncio.run(run(args))
    append("flash sale (bench/flash_sale.py)", figures)


if __name__ == "__main__":
    main()
