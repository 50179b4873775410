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
   must get 403.

    python bench/chat.py [--postgres postgresql://postgres@127.0.0.1/postgres | --sqlite]
        [--messages 3000] [--rate 200] [--seconds 10] [--workers 2] [--concurrency 64]
"""

from __future__ import annotations

import argparse
import asyncio
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
from omnishop.channels import service as channels
from omnishop.channels.schemas import ChannelCreate
from omnishop.conversations.models import Message
from omnishop.kernel.db import make_engine, make_sessionmaker, unit_of_work
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


def telegram(n: int, sender: int) -> tuple[str, bytes, dict[str, str]]:
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
            "text": "ищу кроссовки",
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


async def start_servers(url: str, workers: int, log: Path) -> tuple[Any, str]:
    port = free_port()
    env = {
        **os.environ,
        "OMNISHOP_DATABASE_URL": url,
        "OMNISHOP_WORKER_IN_PROCESS": "false",
        "OMNISHOP_LOG_LEVEL": "WARNING",
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
    parser.add_argument("--no-record", action="store_true", help="do not append to RESULTS.md")
    args = parser.parse_args()
    figures = asyncio.run(run(args))
    if not args.no_record:
        append("messenger webhooks (bench/chat.py)", figures)


if __name__ == "__main__":
    main()
