"""Typed dependencies shared by the API routes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Header, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.channels import service as channels
from omnishop.channels.models import Channel
from omnishop.kernel import i18n
from omnishop.kernel.db import unit_of_work
from omnishop.kernel.runtime import Database

WRITING_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's unit of work: commits once after the route returns, before the response."""
    sessions = get_database(request).sessions
    async with unit_of_work(sessions, writes=request.method in WRITING_METHODS) as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
DatabaseDep = Annotated[Database, Depends(get_database)]


async def get_channel(
    session: SessionDep,
    channel: Annotated[
        str, Query(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$", description="Channel code.")
    ],
) -> Channel:
    return await channels.get_by_code(session=session, code=channel)


ChannelDep = Annotated[Channel, Depends(get_channel)]


def get_locale(
    channel: ChannelDep,
    accept_language: Annotated[str | None, Header(max_length=500)] = None,
) -> str:
    """``Accept-Language`` picks the translation; the channel's locale is the fallback."""
    return i18n.negotiate(accept_language, default=channel.default_locale)


LocaleDep = Annotated[str, Depends(get_locale)]
