"""Concurrent point burns on ONE customer's balance (the worst case: every spend queues on
one account row): N spenders at once, each burning 1 point; how many burns per second, and
the balance still equals the ledger. SQLite (a tmp file) and PostgreSQL (a throwaway db).

    .venv/bin/python -m bench.loyalty_burn [--burns 400] [--pg postgresql://postgres@127.0.0.1/postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select

from bench.pg import asyncpg_url, create_database, drop_database
from omnishop.customers.models import Customer
from omnishop.kernel.db import make_engine, make_sessionmaker, unit_of_work
from omnishop.loyalty import service
from omnishop.loyalty.models import LoyaltyAccount, LoyaltyEntry
from omnishop.models import metadata


async def run(url: str, burns: int, concurrency: int) -> tuple[float, bool]:
    engine = make_engine(url, pool_size=concurrency)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    factory = make_sessionmaker(engine)
    async with unit_of_work(factory) as session:
        customer = Customer(email="bench@example.com")
        session.add(customer)
        await session.flush()
        await service.earn(session=session, customer_id=customer.id, points=burns, reference="x")
    gate = asyncio.Semaphore(concurrency)

    async def burn(n: int) -> None:
        async with gate, unit_of_work(factory) as session:
            await service.burn(
                session=session, customer_id=customer.id, points=1, reference=f"b{n}",
                channel_id=None,
            )  # fmt: skip

    started = time.perf_counter()
    await asyncio.gather(*(burn(n) for n in range(burns)))
    seconds = time.perf_counter() - started
    async with factory() as session:
        balance = await session.scalar(select(LoyaltyAccount.balance))
        total = await session.scalar(select(func.sum(LoyaltyEntry.points)))
    await engine.dispose()
    return burns / seconds, balance == total == 0


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--burns", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        rate, ok = await run(url, args.burns, args.concurrency)
        print(f"sqlite:     {rate:7.0f} burns/s on one balance, ledger consistent: {ok}")
    name, plain = await create_database(args.pg)
    try:
        rate, ok = await run(asyncpg_url(plain), args.burns, args.concurrency)
        print(f"postgresql: {rate:7.0f} burns/s on one balance, ledger consistent: {ok}")
    finally:
        await drop_database(args.pg, name)


if __name__ == "__main__":
    asyncio.run(main())
