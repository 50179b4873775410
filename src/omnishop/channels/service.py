"""The sales-channel registry: every sale happens in exactly one channel."""

from __future__ import annotations

import uuid
from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.channels.events import ChannelChanged
from omnishop.channels.models import Channel
from omnishop.channels.schemas import ChannelCreate, ChannelUpdate
from omnishop.kernel import outbox
from omnishop.kernel.errors import Conflict, NotFound
from omnishop.kernel.money import check_currency


async def list_channels(
    *,
    session: AsyncSession,
    active_only: bool = True,
    after_code: str | None = None,
    limit: int | None = None,
) -> list[Channel]:
    """Channels ordered by code (keyset paging after ``after_code``); archived ones on request."""
    query = select(Channel).order_by(Channel.code)
    if active_only:
        query = query.where(Channel.active.is_(True))
    if after_code is not None:
        query = query.where(Channel.code > after_code)
    if limit is not None:
        query = query.limit(limit)
    return list(await session.scalars(query))


async def get_by_code(*, session: AsyncSession, code: str, active_only: bool = True) -> Channel:
    """The channel with this code, or ``NotFound`` naming the ``channel`` field."""
    channel = await session.scalar(select(Channel).where(Channel.code == code))
    if channel is None or (active_only and not channel.active):
        raise NotFound(f"unknown channel {code!r}", field="channel")
    return channel


async def get(*, session: AsyncSession, channel_id: uuid.UUID) -> Channel:
    """The channel with this id (archived included), or ``NotFound``."""
    channel = await session.get(Channel, channel_id)
    if channel is None:
        raise NotFound("unknown channel", field="channel")
    return channel


async def codes(
    *, session: AsyncSession, channel_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, str]:
    """The codes of these channels (archived included), by id."""
    if not channel_ids:
        return {}
    rows = await session.execute(
        select(Channel.id, Channel.code).where(Channel.id.in_(list(channel_ids)))
    )
    return {channel_id: code for channel_id, code in rows.all()}


async def create(*, session: AsyncSession, data: ChannelCreate) -> Channel:
    """Register a channel; codes are unique forever (archived ones included)."""
    check_currency(data.currency)
    if await session.scalar(select(Channel.id).where(Channel.code == data.code)):
        raise Conflict(f"channel {data.code!r} already exists", field="code")
    channel = Channel(**data.model_dump())
    session.add(channel)
    await session.flush()
    await outbox.emit(session, ChannelChanged(channel_id=channel.id, code=channel.code))
    return channel


async def update(*, session: AsyncSession, code: str, data: ChannelUpdate) -> Channel:
    """Change a channel's settings; ``active=False`` archives it."""
    channel = await get_by_code(session=session, code=code, active_only=False)
    # An explicit null means "leave as is": every field here is required on the channel.
    changes = {k: v for k, v in data.model_dump(exclude_unset=True).items() if v is not None}
    if changes.get("currency"):
        check_currency(changes["currency"])
    for name, value in changes.items():
        setattr(channel, name, value)
    await session.flush()
    await outbox.emit(session, ChannelChanged(channel_id=channel.id, code=channel.code))
    return channel
