"""Inbound message -> operator inbox latency through the conversations core: each message is
received (``conversations.service.receive``) and committed, the outbox worker publishes it to
the ``inbox`` realtime channel, and a subscriber (the operator's screen) records when it
arrives. Only the conversations handlers run unless ``--all-handlers`` (then the bot
answers each message in the same worker batch). Open loop at ``--rate`` messages/s for
``--seconds``; p50/p99 for each worker poll interval given (the worker sleeps that long
when the outbox is empty), split into receive+commit and commit -> screen.

    .venv/bin/python -m bench.inbox_latency [--sqlite] [--rate 200] [--seconds 5]
        [--polls 1.0,0.1,0.02] [--realtime memory://|redis://127.0.0.1:6379/0]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.pg import asyncpg_url, create_database, drop_database
from omnishop import handlers
from omnishop.channels import service as channels
from omnishop.channels.schemas import ChannelCreate
from omnishop.conversations import jobs, service
from omnishop.conversations.wire import InboundMessage
from omnishop.kernel import clock, outbox, realtime
from omnishop.kernel.db import make_engine, make_sessionmaker, unit_of_work
from omnishop.models import metadata


async def run(url: str, *, rate: int, seconds: float, poll: float, live_url: str) -> dict[str, Any]:
    engine = make_engine(url, pool_size=20)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.drop_all)
        await conn.run_sync(metadata.create_all)
    factory = make_sessionmaker(engine)
    async with unit_of_work(factory) as session:
        await channels.create(
            session=session,
            data=ChannelCreate(
                code="wa", name="WA", kind="whatsapp", currency="RUB", default_locale="ru",
                country="RU",
            ),
        )  # fmt: skip
    live = realtime.Realtime(live_url)
    sent_at: dict[str, float] = {}
    committed_at: dict[str, float] = {}
    latencies: list[float] = []
    fanout: list[float] = []
    total = int(rate * seconds)
    done = asyncio.Event()
    subscribed = asyncio.Event()

    async def screen() -> None:
        async with live.subscribe(jobs.inbox_channel()) as messages:
            subscribed.set()
            async for message in messages:
                if message.get("type") != "message" or message.get("direction") != "in":
                    continue
                start = sent_at.get(message["body"].get("text", ""))
                if start is not None:
                    now = time.perf_counter()
                    latencies.append(now - start)
                    fanout.append(now - committed_at.get(message["body"]["text"], now))
                if len(latencies) >= total:
                    done.set()
                    return

    async def worker() -> None:
        while True:
            if not await outbox.drain(factory):
                await asyncio.sleep(poll)

    async def one(n: int) -> None:
        text = f"m{n}"
        sent_at[text] = time.perf_counter()
        async with unit_of_work(factory) as session:
            await service.receive(
                session=session,
                message=InboundMessage(
                    platform="whatsapp", channel_code="wa", external_id=f"wamid.{n}",
                    sender_id=f"bsuid.{n % 50}", kind="text", sent_at=clock.now(), text=text,
                ),
            )  # fmt: skip
        committed_at[text] = time.perf_counter()

    # The realtime publish must hit this bench's broadcaster: point the process at it.
    realtime._realtime = live
    listener = asyncio.create_task(screen())
    await subscribed.wait()
    await asyncio.sleep(0.2)
    work = asyncio.create_task(worker())
    started = time.perf_counter()
    tasks = []
    for n in range(total):
        delay = started + n / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(n)))
    await asyncio.gather(*tasks)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(done.wait(), 30)
    work.cancel()
    listener.cancel()
    await live.close()
    await engine.dispose()
    intake = [committed_at[k] - sent_at[k] for k in committed_at]

    def pct(values: list[float]) -> tuple[float, float]:
        if len(values) < 3:
            return (0.0, 0.0)
        q = statistics.quantiles(values, n=100)
        return round(q[49] * 1000, 1), round(q[98] * 1000, 1)

    return {
        "poll": poll,
        "arrived": f"{len(latencies)}/{total}",
        "end_to_end_p50_p99_ms": pct(latencies),
        "receive_commit_p50_p99_ms": pct(intake),
        "commit_to_screen_p50_p99_ms": pct(fanout),
    }


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--rate", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--polls", default="1.0,0.1,0.02")
    parser.add_argument("--realtime", default="memory://")
    parser.add_argument(
        "--all-handlers", action="store_true", help="also run every domain's handlers (the bot)"
    )
    args = parser.parse_args()
    if args.all_handlers:
        handlers.register()
    for poll in (float(p) for p in args.polls.split(",")):
        if args.sqlite:
            with tempfile.TemporaryDirectory() as tmp:
                url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
                result = await run(
                    url, rate=args.rate, seconds=args.seconds, poll=poll, live_url=args.realtime
                )
        else:
            name, plain = await create_database(args.pg)
            try:
                result = await run(
                    asyncpg_url(plain), rate=args.rate, seconds=args.seconds, poll=poll,
                    live_url=args.realtime,
                )  # fmt: skip
            finally:
                await drop_database(args.pg, name)
        engine = "sqlite" if args.sqlite else "postgresql"
        print(f"{engine} realtime={args.realtime} rate={args.rate}/s", result)


if __name__ == "__main__":
    asyncio.run(main())
