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
4. with ``--inbox``: a second server set with in-process workers and Redis realtime
   (``OMNISHOP_REALTIME_URL``), as in production, at ``--inbox-rate`` webhooks/s (the bot
   answers, its replies go to a local fake Telegram/Graph API). An operator signs in to the
   back-office and holds 8 chats (the default capacity); ``--held-share`` of the webhooks come
   from those customers. The bench follows each chat's screen as the browser does (SSE
   ``/admin/inbox/live?c=…``, then the thread fragment on every change) and reports webhook
   sent → live event and → message shown, p50/p99.

    python bench/chat.py [--postgres postgresql://postgres@127.0.0.1/postgres | --sqlite]
        [--messages 3000] [--rate 200] [--seconds 10] [--workers 2] [--concurrency 64]
        [--inbox [--inbox-rate 200] [--held-share 0.1] [--redis redis://127.0.0.1:6379/0]]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import random
import re
import socket
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import httpx
from aiohttp import web
from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select, text, update

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.pg import asyncpg_url, create_database, drop_database
from bench.results import append
from omnishop.channels import service as channels
from omnishop.channels.schemas import ChannelCreate
from omnishop.conversations import handoff, operators
from omnishop.conversations.models import Conversation, Message
from omnishop.customers import staff
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


OPERATOR_EMAIL = "bench-operator@omnishop.local"
OPERATOR_PASSWORD = "bench-operator-password"  # noqa: S105
HELD_CHATS = 8  # one operator at the default capacity
HELD_BASE = 900_000  # sender numbers of the chats the operator holds


async def make_operator(url: str) -> uuid.UUID:
    engine = make_engine(url)
    try:
        async with unit_of_work(make_sessionmaker(engine)) as session:
            user = await staff.create_staff(
                session=session,
                email=OPERATOR_EMAIL,
                name="Bench operator",
                role="operator",
                password=OPERATOR_PASSWORD,
            )
            await operators.set_operator(session=session, staff_id=user.id, online=True)
            return user.id
    finally:
        await engine.dispose()


async def hand_over(url: str, staff_id: uuid.UUID) -> list[uuid.UUID]:
    """The operator takes the chats of the HELD_CHATS senders (they wrote once already)."""
    engine = make_engine(url)
    ids = [str(500000 + HELD_BASE + i) for i in range(HELD_CHATS)]
    try:
        async with unit_of_work(make_sessionmaker(engine)) as session:
            found = list(
                await session.scalars(
                    select(Conversation.id).where(Conversation.external_sender_id.in_(ids))
                )
            )
            for conversation_id in found:
                await handoff.take(
                    session=session, conversation_id=conversation_id, staff_id=staff_id
                )
            return found
    finally:
        await engine.dispose()


async def sign_in(client: httpx.AsyncClient) -> None:
    page = await client.get("/admin/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    if token is None:
        raise SystemExit("no CSRF token on /admin/login")
    form = {"email": OPERATOR_EMAIL, "password": OPERATOR_PASSWORD, "csrf_token": token[1]}
    await client.post("/admin/login", data=form)
    inbox = await client.get("/admin/inbox")
    if inbox.status_code != 200:
        raise SystemExit(f"operator sign-in failed: /admin/inbox answers {inbox.status_code}")


async def watch_chat(
    client: httpx.AsyncClient,
    conversation_id: uuid.UUID,
    sent: dict[str, float],
    heard: dict[str, float],
    shown: dict[str, float],
    ready: asyncio.Event,
) -> None:
    """What the operator's chat screen does: follow /admin/inbox/live?c=…, and on every
    ``changed`` event fetch the thread fragment (as live.html swaps it in). A bench token is
    "heard" at the event before the fragment that first shows it, "shown" when that
    fragment arrived."""
    live = f"/admin/inbox/live?c={conversation_id}&since="
    thread = f"/admin/inbox/c/{conversation_id}?part=thread"
    pattern = re.compile(r"bench-\d+")
    async with client.stream("GET", live, timeout=None) as stream:
        async for line in stream.aiter_lines():
            if not line.startswith("event: changed"):
                continue
            at = time.perf_counter()
            if not ready.is_set():  # the first event only reports the current state
                ready.set()
                continue
            page = await client.get(thread)
            done = time.perf_counter()
            for token in set(pattern.findall(page.text)):
                if token in sent and token not in shown:
                    heard[token], shown[token] = at, done


async def inbox_latency(args: argparse.Namespace, url: str, folder: Path) -> dict[str, Any]:
    """Webhooks at --inbox-rate/s (signed, stored, the bot answering the chats it holds) while
    an operator's screen follows the HELD_CHATS chats it holds: webhook sent → the screen's
    live event, and → the thread fragment that shows the message. The Redis ``inbox`` channel
    is how the servers share the news."""
    runner, fake = await fake_platforms()
    extra = {
        "OMNISHOP_WORKER_POLL_SECONDS": str(args.poll),
        "OMNISHOP_REALTIME_URL": args.redis,
        "OMNISHOP_TELEGRAM_API_BASE": fake,
        "OMNISHOP_META_GRAPH_BASE": fake,
    }
    staff_id = await make_operator(url)
    process, base = await start_servers(url, args.workers, folder / "inbox.log", extra)
    # The bot runs in `omnishop worker` processes beside the servers, as deployed; niced, so
    # when the machine is short of CPU the bot's replies wait, not the webhooks and screens.
    workers = await start_workers(url, args, folder / "worker.log", extra)
    sent: dict[str, float] = {}
    heard: dict[str, float] = {}
    shown: dict[str, float] = {}
    count = int(args.inbox_rate * args.seconds)
    held_every = max(1, round(1 / args.held_share))
    watchers: list[asyncio.Task[None]] = []
    limits = httpx.Limits(max_connections=4 * HELD_CHATS)
    try:
        async with httpx.AsyncClient(base_url=base, limits=limits) as operator:
            warm = [telegram(2 * 10**7 + n, n, "warm") for n in range(8 * args.workers)]
            warm += [telegram(2 * 10**7 + HELD_BASE + i, HELD_BASE + i) for i in range(HELD_CHATS)]
            await closed_loop(base, warm, args.workers * 2)
            for _ in range(1200 if args.bot_workers else 0):  # the bot is up and answering
                if "sent" in await bot_replies(url):
                    break
                await asyncio.sleep(0.1)
            held = await hand_over(url, staff_id)
            await sign_in(operator)
            readiness = []
            for conversation_id in held:
                ready = asyncio.Event()
                readiness.append(ready)
                watch = watch_chat(operator, conversation_id, sent, heard, shown, ready)
                watchers.append(asyncio.create_task(watch))
            await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readiness)), 30)
            items = []
            for n in range(count):
                token = f"bench-{n}"
                if n % held_every == 0:  # a customer of the operator's chats writes
                    sender = HELD_BASE + (n // held_every) % HELD_CHATS
                    items.append((token, telegram(3 * 10**7 + n, sender, token), True))
                else:  # everyone else talks to the bot
                    sender = n % args.senders
                    items.append((token, telegram(3 * 10**7 + n, sender, token), False))
            # Kept-alive connections, as a platform delivers (Telegram: up to 40 at once).
            connector = aiohttp.TCPConnector(limit=args.concurrency)
            async with aiohttp.ClientSession(connector=connector) as session:
                tasks = []
                start = time.perf_counter()
                for i, (token, item, watched) in enumerate(items):
                    delay = start + i / args.inbox_rate - time.perf_counter()
                    if delay > 0:
                        await asyncio.sleep(delay)
                    if watched:
                        sent[token] = time.perf_counter()
                    tasks.append(asyncio.create_task(post(session, base, item)))
                answers = await asyncio.gather(*tasks)
                statuses = [s for s, _ in answers]
            for _ in range(300):  # up to 30 s for the stragglers
                if len(shown) >= len(sent):
                    break
                await asyncio.sleep(0.1)
    finally:
        for watcher in watchers:
            watcher.cancel()
        for child in (process, *workers):
            child.terminate()
            await child.wait()
        await runner.cleanup()
    answered = await bot_replies(url)

    def ms(seen: dict[str, float]) -> list[float]:
        return [(seen[t] - sent[t]) * 1000 for t in sent if t in seen]

    return {
        "watched": len(sent),
        "heard": ms(heard),
        "shown": ms(shown),
        "missing": len(sent) - len(shown),
        "failed": sum(1 for s in statuses if s != 200),
        "webhook": [t * 1000 for s, t in answers if s == 200],
        "bot": answered,
        "to_bot": count - len(sent),
    }


async def start_workers(
    url: str, args: argparse.Namespace, log: Path, extra: dict[str, str]
) -> list[Any]:
    env = {**os.environ, "OMNISHOP_DATABASE_URL": url, "OMNISHOP_LOG_LEVEL": "WARNING", **extra}
    command = [str(Path(sys.executable).parent / "omnishop"), "worker"]
    started = []
    with log.open("ab") as out:
        for _ in range(args.bot_workers):
            started.append(
                await asyncio.create_subprocess_exec(
                    *command,
                    env=env,
                    stdout=out,
                    stderr=out,
                    preexec_fn=lambda: os.nice(args.worker_nice),
                )
            )
    return started


async def bot_replies(url: str) -> str:
    """The bot's messages by the end of the run, by status (sent = the platform has it)."""
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as session:
            query = (
                select(Message.status, func.count())
                .where(Message.author == "bot")
                .group_by(Message.status)
                .order_by(Message.status)
            )
            counts = {status: n for status, n in await session.execute(query)}
            return ", ".join(f"{n} {status}" for status, n in counts.items()) or "none"
    finally:
        await engine.dispose()


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

        def p50_p99(values: list[float]) -> str:
            if not values:
                return "-"
            return f"{statistics.median(values):.1f} / {percentile(values, 0.99):.1f}"

        load = (
            f"{args.inbox_rate:.0f} webhooks/s for {args.seconds:.0f} s: {inbox['watched']} to "
            f"the operator's {HELD_CHATS} chats, {inbox['to_bot']} to the bot"
        )
        figures["operator screen: load"] = load
        figures["bot: worker processes (nice) / its messages by the end"] = (
            f"{args.bot_workers} ({args.worker_nice}) / {inbox['bot']}"
        )
        figures["operator screen: webhook answered p50 / p99 (ms)"] = p50_p99(inbox["webhook"])
        figures["webhook → chat screen's live event p50 / p99 (ms)"] = p50_p99(inbox["heard"])
        figures["webhook → message shown (thread fetched) p50 / p99 (ms)"] = p50_p99(inbox["shown"])
        figures["operator screen: messages missing after 30 s / webhook failures"] = (
            f"{inbox['missing']} / {inbox['failed']}"
        )

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
    parser.add_argument("--inbox-rate", type=float, default=200.0, help="webhooks/s, inbox phase")
    parser.add_argument(
        "--held-share", type=float, default=0.1, help="share of them to the operator's chats"
    )
    parser.add_argument(
        "--bot-workers", type=int, default=1, help="omnishop worker processes (0: no bot)"
    )
    parser.add_argument("--worker-nice", type=int, default=10, help="their CPU niceness")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--poll", type=float, default=0.05, help="outbox worker poll seconds")
    parser.add_argument("--no-record", action="store_true", help="do not append to RESULTS.md")
    args = parser.parse_args()
    figures = asyncio.run(run(args))
    if not args.no_record:
        append("messenger webhooks (bench/chat.py)", figures)


if __name__ == "__main__":
    main()
