from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.customers import apikeys
from omnishop.kernel.db import unit_of_work

MakeKey = Callable[..., Coroutine[Any, Any, dict[str, str]]]


@pytest.fixture
def api_key(sessions: async_sessionmaker[AsyncSession]) -> MakeKey:
    """Issue a staff API key; returns the Authorization header for it."""

    async def make(*scopes: str) -> dict[str, str]:
        async with unit_of_work(sessions) as session:
            issued = await apikeys.create(session=session, name="test", scopes=list(scopes))
        return {"Authorization": f"Bearer {issued.secret}"}

    return make
