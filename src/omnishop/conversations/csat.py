"""The satisfaction question after a resolved chat, and its answer (a 1-5 button)."""

from __future__ import annotations

import uuid

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.conversations import metrics, service
from omnishop.conversations.models import Conversation
from omnishop.conversations.wire import Button, OutboundContent
from omnishop.kernel import clock, i18n
from omnishop.kernel.errors import NotFound, ValidationFailed
from omnishop.kernel.i18n import N_

PAYLOAD_PREFIX = "csat:"
QUESTION = N_("Did we help? Please rate us from 1 to 5.")


async def ask(*, session: AsyncSession, conversation: Conversation) -> None:
    """Send the question as a system message; skipped where the platform's window is shut."""
    text = i18n.translate(QUESTION, conversation.language)
    buttons = tuple(Button(label=str(n), payload=f"{PAYLOAD_PREFIX}{n}") for n in range(1, 6))
    try:
        await service.send(
            session=session,
            conversation_id=conversation.id,
            content=OutboundContent(text=text, buttons=buttons),
            author="system",
        )
    except service.WindowClosed:
        return


def parse(payload: str | None) -> int | None:
    """The score in a CSAT button payload, or None when it is not one."""
    if not payload or not payload.startswith(PAYLOAD_PREFIX):
        return None
    raw = payload[len(PAYLOAD_PREFIX) :]
    return int(raw) if raw.isdigit() and 1 <= int(raw) <= 5 else None


async def record(*, session: AsyncSession, conversation_id: uuid.UUID, score: int) -> bool:
    """Keep the first answer only (a second tap changes nothing); emits the csat metric."""
    if not 1 <= score <= 5:
        raise ValidationFailed("a score is 1 to 5", field="score")
    won = await session.execute(
        update(Conversation)
        .where(Conversation.id == conversation_id, Conversation.csat.is_(None))
        .values(csat=score)
        .execution_options(synchronize_session=False)
    )
    if not won.rowcount:  # type: ignore[attr-defined]
        if await session.get(Conversation, conversation_id) is None:
            raise NotFound("no such conversation")
        return False
    conversation = await session.get(Conversation, conversation_id)
    assert conversation is not None
    await metrics.record(
        session=session, conversation=conversation, name="csat", now=clock.now(), value=score
    )
    return True
