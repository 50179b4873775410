"""The process-wide database handle, built once from settings by the app, worker or CLI."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from omnishop.kernel.db import make_engine, make_sessionmaker
from omnishop.kernel.settings import Settings


@dataclass
class Database:
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        engine = make_engine(settings.database_url, echo=settings.sql_echo)
        return cls(engine=engine, sessions=make_sessionmaker(engine))

    async def dispose(self) -> None:
        await self.engine.dispose()
