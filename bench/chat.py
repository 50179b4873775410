"""Messenger webhooks under load: signed deliveries in, verified, parsed and stored.

Starts `uvicorn` (N server processes, no in-process worker: this measures intake, not the
bot) on a throwaway PostgreSQL database (or a SQLite file with --sqlite), then:

1. closed loop: ``--messages`` WhatsApp and Telegram webhooks (realistic payloads, each a new
   message from one of ``--senders`` customers, every one signed / carrying the secret
   token) as fast as ``--concurrency`` connections allow → accepted webhooks per second;
2. open loop at ``--rate`` messages/s for ``--seconds`` → webhook latency p50/p99 at that
   rate (the time until the message is committed: the response is sent after the commit);
3. every accepted message is counted in the database afterwards (persistence), and a share of
   redeliveries and forged deliveries is mixed in: duplicates must not add rows, forgeries
   must get 403;
4. with ``--inbox``: a second server set whose in-process workers publish to Redis
   (``OMNISHOP_REALTIME_URL``), as the operator inbox sees it; the bench subscribes to the
   ``inbox`` channel and measures webhook sent → inbox event received p50/p99 at ``--inbox-rate``
   (the bot runs too, its replies go to a local fake Telegram/Graph API).

    python bench/chat.py [--postgres postgresql://postgres@127.0.0.1/postgres | --sqlite]
        [--messages 3000] [--rate 200] [--seconds 10] [--workers 2] [--concurrency 64]
        [--inbox [--redis redis://127.0.0.1:6379/0] [--poll 0.05]]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import hmac
import json
import os
import random
import socket
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import httpx
from aiohttp import web
from broadcaster import Broadcast
from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select, text, update

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.pg import asyncpg_url, create_database, drop_database
from bench.results import append
from omnishop.channels import service as channels
from omnishop.channels.schemas import ChannelCreate
from omnishop.conversations.models import Message
from omnishop.kernel.db import make_engine, make_sessionmaker, unit_of_work
from omnishop.kernel.outbox import OutboxEvent
from omnishop.messaging.config import MessagingSettings
from omnishop.models import metadata

console = Console()
SETTINGS = MessagingSettings()  # the demo credentials the server also uses


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def whatsapp(n: int, sender: int) -> tuple[str, bytes, dict[str, str]]:
    user = f"GE.{10**19 + sender}"
    body = {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "102290129340398",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {"display_phone_number": "1555", "phone_number_id": "1"},
                            "contacts": [
                                {
                                    "profile": {"name": f"C{sender}"},
                                    "wa_id": f"99555{sender:07d}",
                                    "user_id": user,
                                }
                            ],
                            "messages": [
                                {
                                    "from": f"99555{sender:07d}",
                                    "from_user_id": user,
                                    "id": f"wamid.bench{n:012d}",
                                    "timestamp": str(int(time.time())),
                                    "type": "text",
                                    "text": {"body": f"Есть размер {40 + n % 6}?"},
                                }
                            ],
                        },
                    }
                ],
            }
        ],
    }
    raw = json.dumps(body, ensure_ascii=False).encode()
    digest = hmac.new(SETTINGS.whatsapp_app_secret.encode(), raw, hashlib.sha256).hexdigest()
    headers = {"X-Hub-Signature-256": f"sha256={digest}", "Content-Type": "application/json"}
    return "/webhooks/whatsapp/whatsapp", raw, headers


def telegram(n: int, sender: int, text: str = "ищу кроссовки") -> tuple[str, bytes, dict[str, str]]:
    user = {
        "id": 500000 + sender,
        "is_bot": False,
        "first_name": f"C{sender}",
        "language_code": "ru",
    }
    chat = {"id": 500000 + sender, "type": "private", "first_name": f"C{sender}"}
    body = {
        "update_id": 10**8 + n,
        "message": {
            "message_id": n,
            "from": user,
            "chat": chat,
            "date": int(time.time()),
            "text": text,
        },
    }
    raw = json.dumps(body, ensure_ascii=False).encode()
    headers = {
        "X-Telegram-Bot-Api-Secret-Token": SETTINGS.telegram_secret_token,
        "Content-Type": "application/json",
    }
    return "/webhooks/telegram/telegram", raw, headers


def delivery(n: int, senders: int) -> tuple[str, bytes, dict[str, str]]:
    sender = n % senders
    return whatsapp(n, sender) if n % 2 else telegram(n, sender)


async def start_servers(
    url: str, workers: int, log: Path, extra: dict[str, str] | None = None
) -> tuple[Any, str]:
    port = free_port()
    env = {
        **os.environ,
        "OMNISHOP_DATABASE_URL": url,
        "OMNISHOP_WORKER_IN_PROCESS": "false",
        "OMNISHOP_LOG_LEVEL": "WARNING",
        **(extra or {}),
    }
    command = [sys.executable, "-m", "uvicorn", "omnishop.app:create_app", "--factory"]
    command += ["--port", str(port), "--workers", str(workers), "--log-level", "warning"]
    with log.open("ab") as out:
        process = await asyncio.create_subprocess_exec(*command, env=env, stdout=out, stderr=out)
    base = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient() as client:
        for _ in range(1200):
            try:
                if (await client.get(f"{base}/healthz")).status_code == 200:
                    return process, base
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise SystemExit(f"server did not start; see {log}")


async def post(
    session: aiohttp.ClientSession, base: str, item: tuple[str, bytes, dict[str, str]]
) -> tuple[int, float]:
    path, raw, headers = item
    started = time.perf_counter()
    async with session.post(base + path, data=raw, headers=headers) as response:
        await response.read()
        return response.status, time.perf_counter() - started


async def closed_loop(
    base: str, items: list[tuple[str, bytes, dict[str, str]]], concurrency: int
) -> tuple[list[tuple[int, float]], float]:
    connector = aiohttp.TCPConnector(limit=concurrency, force_close=True)
    async with aiohttp.ClientSession(connector=connector) as session:
        queue = iter(items)
        results: list[tuple[int, float]] = []

        async def worker() -> None:
            for item in queue:
                results.append(await post(session, base, item))

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return results, time.perf_counter() - started


async def open_loop(
    base: str, items: list[tuple[str, bytes, dict[str, str]]], rate: float
) -> list[tuple[int, float]]:
    """One delivery every 1/rate seconds whatever the server does (no coordinated omission:
    a slow answer does not delay the next delivery)."""
    connector = aiohttp.TCPConnector(limit=2000, force_close=True)
    async with aiohttp.ClientSession(connector=connector) as session:
        tasks = []
        start = time.perf_counter()
        for i, item in enumerate(items):
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(post(session, base, item)))
        return list(await asyncio.gather(*tasks))


async def fake_platforms() -> tuple[web.AppRunner, str]:
    """Answers the bot's sends like Telegram and the Graph API would (so nothing leaves)."""

    async def ok(request: web.Request) -> web.Response:
        await request.read()
        if request.path.startswith("/bot"):
            return web.json_response({"ok": True, "result": {"message_id": 1}})
        return web.json_response({"messages": [{"id": f"wamid.{time.time_ns()}"}]})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", ok)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, f"http://127.0.0.1:{port}"


async def inbox_latency(
    args: argparse.Namespace, url: str, folder: Path
) -> tuple[list[float], int, int]:
    """Webhook posted → the inbox's realtime event for that message arrives (Redis)."""
    runner, fake = await fake_platforms()
    extra = {
        "OMNISHOP_WORKER_IN_PROCESS": "true",
        "OMNISHOP_WORKER_POLL_SECONDS": str(args.poll),
        "OMNISHOP_REALTIME_URL": args.redis,
        "OMNISHOP_TELEGRAM_API_BASE": fake,
        "OMNISHOP_META_GRAPH_BASE": fake,
    }
    process, base = await start_servers(url, args.workers, folder / "inbox.log", extra)
    broadcast = Broadcast(args.redis)
    await broadcast.connect()
    sent: dict[str, float] = {}
    seen: dict[str, float] = {}
    everything = asyncio.Event()
    count = int(args.inbox_rate * args.seconds)
    try:
        async with broadcast.subscribe("inbox") as subscriber:

            async def listen() -> None:
                async for event in subscriber:  # type: ignore[union-attr]
                    if event is None:
                        return
                    data = json.loads(event.message)
                    text_ = str((data.get("body") or {}).get("text") or "")
                    if data.get("direction") == "in" and text_.startswith("bench-"):
                        seen.setdefault(text_, time.perf_counter())
                        if count and len(seen) >= count:
                            everything.set()

            listener = asyncio.create_task(listen())
            warm = [telegram(2 * 10**7 + n, n, "warm") for n in range(8 * args.workers)]
            await closed_loop(base, warm, args.workers * 2)
            items = []
            for n in range(count):
                token = f"bench-{n}"
                items.append((token, telegram(3 * 10**7 + n, n % args.senders, token)))
            connector = aiohttp.TCPConnector(limit=2000, force_close=True)
            async with aiohttp.ClientSession(connector=connector) as session:
                tasks = []
                start = time.perf_counter()
                for i, (token, item) in enumerate(items):
                    delay = start + i / args.inbox_rate - time.perf_counter()
                    if delay > 0:
                        await asyncio.sleep(delay)
                    sent[token] = time.perf_counter()
                    tasks.append(asyncio.create_task(post(session, base, item)))
                statuses = [s for s, _ in await asyncio.gather(*tasks)]
            if len(seen) < len(sent):
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(everything.wait(), timeout=30)
            listener.cancel()
    finally:
        await broadcast.disconnect()
        process.terminate()
        await process.wait()
        await runner.cleanup()
    latencies = [(seen[t] - sent[t]) * 1000 for t in sent if t in seen]
    return latencies, len(sent) - len(latencies), sum(1 for s in statuses if s != 200)


async def seed(url: str) -> None:
    engine = make_engine(url)
    try:
        async with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                await conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
            await conn.run_sync(metadata.create_all)
        async with unit_of_work(make_sessionmaker(engine)) as session:
            for code in ("telegram", "whatsapp"):
                await channels.create(
                    session=session,
                    data=ChannelCreate(
                        code=code,
                        name=code,
                        kind=code,
                        currency="RUB",
                        default_locale="ru",
                        country="RU",
                    ),
                )
    finally:
        await engine.dispose()


async def settle_outbox(url: str) -> None:
    """The intake phases ran without a worker: mark their events done, so the inbox phase's
    workers start from an empty queue instead of a backlog of thousands of bot turns."""
    engine = make_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                update(OutboxEvent)
                .where(OutboxEvent.processed_at.is_(None))
                .values(processed_at=datetime.now(UTC))
            )
    finally:
        await engine.dispose()


async def stored(url: str) -> int:
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as session:
            query = select(func.count()).select_from(Message).where(Message.direction == "in")
            return int(await session.scalar(query) or 0)
    finally:
        await engine.dispose()


async def run(args: argparse.Namespace) -> dict[str, str]:
    folder = Path(tempfile.mkdtemp(prefix="omnishop-chat-"))
    name = None
    if args.sqlite:
        url, engine_name = f"sqlite+aiosqlite:///{folder / 'chat.db'}", "SQLite"
    else:
        name, plain = await create_database(args.postgres, "omnishop_chat")
        url, engine_name = asyncpg_url(plain), "PostgreSQL"
    process = None
    try:
        await seed(url)
        process, base = await start_servers(url, args.workers, folder / "server.log")
        # aiogram's types load on a process's first Telegram update (seconds of CPU): warm
        # every server process up before the clock starts.
        warm = [telegram(10**7 + n, n) for n in range(8 * args.workers)]
        await closed_loop(base, warm, args.workers * 2)
        baseline = await stored(url)
        rng = random.Random(7)
        fresh = [delivery(n, args.senders) for n in range(args.messages)]
        # 5% redeliveries of earlier messages and 2% forgeries mixed in.
        mixed: list[tuple[str, bytes, dict[str, str]]] = []
        forged = 0
        for n, item in enumerate(fresh):
            mixed.append(item)
            if n and rng.random() < 0.05:
                mixed.append(fresh[rng.randrange(n)])
            if rng.random() < 0.02:
                path, raw, headers = item
                bad = dict(headers)
                for key in bad:
                    if key.startswith("X-"):
                        bad[key] = bad[key][:-4] + "0000"
                mixed.append((path, raw, bad))
                forged += 1
        console.print(f"closed loop: {len(mixed)} deliveries to {base} ({engine_name})…")
        results, elapsed = await closed_loop(base, mixed, args.concurrency)
        statuses = [s for s, _ in results]
        ok = statuses.count(200)
        refused = statuses.count(403)
        others = len(statuses) - ok - refused
        rate = ok / elapsed
        closed_ms = [t * 1000 for s, t in results if s == 200]
        in_db = await stored(url) - baseline

        count = int(args.rate * args.seconds)
        timed = [delivery(args.messages + n, args.senders) for n in range(count)]
        console.print(f"open loop: {count} deliveries at {args.rate}/s…")
        paced = await open_loop(base, timed, args.rate)
        paced_ms = [t * 1000 for s, t in paced if s == 200]
        paced_failed = sum(1 for s, _ in paced if s != 200)
        in_db_after = await stored(url) - baseline - in_db
        if process is not None:
            process.terminate()
            await process.wait()
            process = None
        if args.inbox:
            await settle_outbox(url)
        inbox = await inbox_latency(args, url, folder) if args.inbox else None
    finally:
        if process is not None:
            process.terminate()
            await process.wait()
        if name is not None:
            await drop_database(args.postgres, name)

    figures = {
        "database / server processes / client connections": (
            f"{engine_name} / {args.workers} / {args.concurrency}"
        ),
        "deliveries (new / redelivered / forged)": (
            f"{args.messages} / {len(mixed) - args.messages - forged} / {forged}"
        ),
        "answers 200 / 403 / other": f"{ok} / {refused} / {others}",
        "messages stored after the closed loop (must equal new)": str(in_db),
        "accepted webhooks/s (signature + parse + store, closed loop)": f"{rate:.0f}",
        "closed-loop latency p50 / p99 (ms)": (
            f"{statistics.median(closed_ms):.0f} / {percentile(closed_ms, 0.99):.0f}"
        ),
        f"open loop at {args.rate:.0f}/s: webhook→committed p50 / p99 (ms)": (
            f"{statistics.median(paced_ms):.1f} / {percentile(paced_ms, 0.99):.1f}"
            if paced_ms
            else "-"
        ),
        "open-loop failures": str(paced_failed),
        "messages stored by the open loop (must equal its deliveries)": f"{in_db_after} / {count}",
    }
    if inbox is not None:
        latencies, missing, failed = inbox
        figures[
            f"inbox: webhook→realtime event at {args.inbox_rate:.0f}/s, p50 / p99 (ms; worker poll "
            f"{args.poll}s, bot on)"
        ] = (
            f"{statistics.median(latencies):.0f} / {percentile(latencies, 0.99):.0f}"
            if latencies
            else "-"
        )
        figures["inbox: events missing after 30 s / webhook failures"] = f"{missing} / {failed}"

    table = Table(title="Messenger webhooks (bench/chat.py)")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for key, value in figures.items():
        table.add_row(key, value)
    console.print(table)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--sqlite", action="store_true", help="a SQLite file instead")
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--senders", type=int, default=300)
    parser.add_argument("--rate", type=float, default=200.0, help="open-loop messages/s")
    parser.add_argument("--seconds", type=float, default=10.0, help="open-loop duration")
    parser.add_argument("--workers", type=int, default=2, help="server processes")
    parser.add_argument("--concurrency", type=int, default=64, help="client connections")
    parser.add_argument("--inbox", action="store_true", help="also measure webhook → inbox")
    parser.add_argument("--inbox-rate", type=float, default=20.0, help="messages/s to the inbox")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--poll", type=float, default=0.05, help="outbox worker poll seconds")
    parser.add_argument("--no-record", action="store_true", help="do not append to RESULTS.md")
    args = parser.parse_args()
    figures = asyncio.run(run(args))
    if not args.no_record:
        append("messenger webhooks (bench/chat.py)", figures)


if __name__ == "__main__":
    main()
