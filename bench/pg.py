"""Throwaway PostgreSQL databases for benchmarks: created per run, dropped after."""

from __future__ import annotations

import uuid

import asyncpg


async def create_database(admin: str, prefix: str = "omnishop_bench") -> tuple[str, str]:
    """A new empty database on the server behind ``admin``: its name and plain URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return name, f"{admin.rsplit('/', 1)[0]}/{name}"


async def drop_database(admin: str, name: str) -> None:
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def asyncpg_url(plain: str) -> str:
    return plain.replace("postgresql://", "postgresql+asyncpg://", 1)
