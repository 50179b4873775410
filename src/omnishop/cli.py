"""The ``omnishop`` command."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.kernel import migrations, outbox
from omnishop.kernel.db import unit_of_work
from omnishop.kernel.errors import DomainError
from omnishop.kernel.logging import configure as configure_logging
from omnishop.kernel.runtime import Database
from omnishop.kernel.settings import get_settings

app = typer.Typer(help="omnishop: one commerce core for every channel.", no_args_is_help=True)
apikey_app = typer.Typer(help="Staff API keys.", no_args_is_help=True)
staff_app = typer.Typer(help="Back-office staff users.", no_args_is_help=True)
app.add_typer(apikey_app, name="apikey")
app.add_typer(staff_app, name="staff")
console = Console()
T = TypeVar("T")


def _in_uow(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run ``work`` in one unit of work; domain errors become a clean exit with the message."""

    async def main() -> T:
        database = Database.from_settings(get_settings())
        try:
            async with unit_of_work(database.sessions) as session:
                return await work(session)
        finally:
            await database.dispose()

    try:
        return asyncio.run(main())
    except DomainError as exc:
        console.print(f"[red]error:[/red] {exc.detail}" + (f" ({exc.field})" if exc.field else ""))
        raise typer.Exit(2) from exc


@app.command()
def migrate() -> None:
    """Upgrade the database schema to the newest migration."""
    settings = get_settings()
    _ensure_sqlite_dir(settings.database_url)
    migrations.upgrade(settings.database_url)
    console.print(f"schema at {migrations.head_revision()}")


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: Annotated[int, typer.Option(help="Server processes.")] = 1,
) -> None:
    """Start the HTTP server (API, storefront, back-office); runs a worker in-process by default."""
    import uvicorn

    settings = get_settings()
    _print_urls(f"http://{host}:{port}")
    uvicorn.run(
        "omnishop.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=settings.log_level.lower(),
        proxy_headers=True,
    )


@app.command()
def worker() -> None:
    """Drain the outbox and run scheduled jobs until stopped."""
    from omnishop import handlers

    settings = get_settings()
    configure_logging(settings.log_level, json=settings.log_json)
    handlers.register()
    # The worker sends the chat replies: it needs every messenger's Sender, as `serve` has.
    from omnishop.conversations import wire
    from omnishop.messaging import register_senders
    from omnishop.messaging.config import MessagingSettings
    from omnishop.messaging.webchat import send as webchat_send

    register_senders(MessagingSettings())
    wire.register_sender("webchat", webchat_send.send)

    async def main() -> None:
        database = Database.from_settings(settings)
        try:
            await outbox.run_forever(database.sessions, poll_seconds=settings.worker_poll_seconds)
        finally:
            await database.dispose()

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        console.print("worker stopped")


@app.command()
def seed() -> None:
    """Build the demo shop from ../shared/data (idempotent)."""
    from omnishop.demo.seed import seed as build

    settings = get_settings()

    async def main() -> None:
        database = Database.from_settings(settings)
        try:
            await build(database=database, settings=settings)
        finally:
            await database.dispose()

    asyncio.run(main())


@app.command("bot-train")
def bot_train() -> None:
    """Train the chat bot's intent model now and cache it under var/bot (else: first use)."""
    import time

    from omnishop.conversations.bot import intents

    settings = get_settings()
    started = time.perf_counter()
    examples = intents.load_examples(settings.data_dir)
    model = intents.load_or_train(settings.data_dir)
    console.print(
        f"intent model {intents.digest(examples)}: {len(examples)} examples, "
        f"{len(model.labels)} intents, ready in {time.perf_counter() - started:.1f} s "
        f"(cache {intents.cache_dir()})"
    )


@apikey_app.command("create")
def apikey_create(
    name: Annotated[str, typer.Option(help="What the key is for.")] = "cli",
    scope: Annotated[list[str], typer.Option(help="Repeat for several scopes.")] = ["catalog:read"],  # noqa: B006
) -> None:
    """Issue a staff API key and print it once."""
    from omnishop.customers import apikeys

    issued = _in_uow(lambda s: apikeys.create(session=s, name=name, scopes=list(scope)))
    console.print(f"API key [bold]{issued.name}[/bold] with scopes {', '.join(issued.scopes)}:")
    print(issued.secret)
    console.print("[yellow]Store it now: it is not shown again.[/yellow]")


@staff_app.command("create")
def staff_create(
    email: Annotated[str, typer.Option()],
    name: Annotated[str, typer.Option()],
    role: Annotated[str, typer.Option(help="owner, manager, operator or analyst")] = "manager",
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)
    ] = "",
) -> None:
    """Add a back-office staff user."""
    from omnishop.customers import staff

    user = _in_uow(
        lambda s: staff.create_staff(
            session=s, email=email, name=name, role=role, password=password
        )
    )
    console.print(f"staff user {user.email} ({user.role}) created")


def _print_urls(base: str) -> None:
    from rich.panel import Panel

    console.print(
        Panel.fit(
            f"storefront   {base}/   (try ?channel=web-en or ?lang=ka)\n"
            f"back-office  {base}/admin   demo login: demo@omnishop.local / omnishop-demo\n"
            f"API docs     {base}/api/docs\n"
            f"health       {base}/healthz   {base}/readyz",
            title="omnishop is starting",
        )
    )


def _ensure_sqlite_dir(url: str) -> None:
    from pathlib import Path

    if url.startswith("sqlite") and ":///" in url:
        path = url.split(":///", 1)[1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
