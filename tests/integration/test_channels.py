from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.channels import service
from omnishop.channels.schemas import ChannelCreate, ChannelUpdate
from omnishop.kernel.errors import Conflict, NotFound, ValidationFailed
from omnishop.kernel.outbox import OutboxEvent


def web(code: str = "web", currency: str = "RUB") -> ChannelCreate:
    return ChannelCreate(
        code=code, name="Web", kind="web", currency=currency, default_locale="ru", country="RU"
    )


async def test_created_channel_is_listed_and_announced(session: AsyncSession) -> None:
    channel = await service.create(session=session, data=web())

    listed = await service.list_channels(session=session)
    events = await session.scalar(
        select(func.count()).select_from(OutboxEvent).where(OutboxEvent.topic == "channel.changed")
    )
    assert [c.code for c in listed] == ["web"]
    assert channel.currency == "RUB"
    assert events == 1


async def test_channel_codes_are_unique(session: AsyncSession) -> None:
    await service.create(session=session, data=web())

    with pytest.raises(Conflict) as exc:
        await service.create(session=session, data=web())
    assert exc.value.field == "code"


async def test_unknown_currency_is_rejected(session: AsyncSession) -> None:
    with pytest.raises(ValidationFailed):
        await service.create(session=session, data=web(currency="XYZ"))


async def test_archived_channel_is_hidden_from_buyers(session: AsyncSession) -> None:
    await service.create(session=session, data=web())

    await service.update(session=session, code="web", data=ChannelUpdate(active=False))

    assert await service.list_channels(session=session) == []
    with pytest.raises(NotFound):
        await service.get_by_code(session=session, code="web")
    assert (await service.get_by_code(session=session, code="web", active_only=False)).code == "web"
