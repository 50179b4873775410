"""Helpers for conversations tests: channels, inbound messages, a recording fake sender."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.channels import service as channels
from omnishop.channels.schemas import ChannelCreate
from omnishop.conversations import wire
from omnishop.conversations.bot import jobs as bot_jobs
from omnishop.conversations.events import MessageReceived
from omnishop.conversations.wire import InboundMessage
from omnishop.customers import staff
from omnishop.kernel import clock, events

_ids = itertools.count(1)


async def channel(session: AsyncSession, platform: str, code: str | None = None) -> str:
    code = code or f"{platform}-t"
    await channels.create(
        session=session,
        data=ChannelCreate(
            code=code,
            name=code,
            kind=platform,  # type: ignore[arg-type]
            currency="RUB",
            default_locale="ru",
            country="RU",
        ),
    )
    return code


def inbound(
    platform: str,
    code: str,
    sender: str = "u1",
    *,
    kind: str = "text",
    text: str | None = "hello",
    external_id: str | None = None,
    sent_at: datetime | None = None,
    **extra: Any,
) -> InboundMessage:
    return InboundMessage(
        platform=platform,  # type: ignore[arg-type]
        channel_code=code,
        external_id=external_id or f"m{next(_ids)}",
        sender_id=sender,
        kind=kind,  # type: ignore[arg-type]
        sent_at=sent_at or clock.now(),
        text=text,
        **extra,
    )


@dataclass
class FakeSender:
    """Records what it was asked to send; answers from a script (default: accepted)."""

    results: list[wire.SendResult] = field(default_factory=list)
    sent: list[wire.OutboundMessage] = field(default_factory=list)

    async def __call__(self, message: wire.OutboundMessage) -> wire.SendResult:
        self.sent.append(message)
        if self.results:
            return self.results.pop(0)
        return wire.SendResult(external_id=f"ext-{len(self.sent)}")


async def operator(session: AsyncSession, name: str = "op") -> uuid.UUID:
    user = await staff.create_staff(
        session=session,
        email=f"{name}-{uuid.uuid4().hex[:6]}@example.com",
        name=name,
        role="operator",
        password="a-long-enough-password-1",
    )
    return user.id


@pytest.fixture
def without_bot() -> Iterator[None]:
    """The domain's own behaviour, without the bot answering every received message (the
    bot has its own tests); whichever test first built the app registered it globally."""
    handlers = events.HANDLERS.setdefault(MessageReceived.topic, [])
    present = bot_jobs.reply in handlers
    if present:
        handlers.remove(bot_jobs.reply)
    try:
        yield
    finally:
        if present:
            handlers.append(bot_jobs.reply)
