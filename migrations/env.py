"""Alembic environment: async engines, URL from the caller or from settings."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic import context
from sqlalchemy.engine import Connection

from omnishop.kernel.db import UTCDateTime, make_engine
from omnishop.kernel.settings import get_settings
from omnishop.models import metadata

config = context.config
url = config.attributes.get("database_url") or get_settings().database_url


def _render_item(kind: str, obj: Any, autogen_context: Any) -> str | bool:
    # Keep generated migrations free of imports from the application package.
    if kind == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _main() -> None:
    engine = make_engine(url)
    async with engine.connect() as connection:
        await connection.run_sync(_run)
    await engine.dispose()


if context.is_offline_mode():
    context.configure(url=url, target_metadata=metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_main())
