"""The bot answers new inbound messages while it holds the conversation (after commit)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.conversations.bot import engine, payments
from omnishop.conversations.events import MessageReceived
from omnishop.kernel.events import handles


@handles(MessageReceived)
async def reply(session: AsyncSession, event: MessageReceived) -> None:
    """Idempotent: the dialogue state remembers the last message answered, and a chat a
    person holds is left alone."""
    if event.kind == "shipping_query":  # answered whoever holds the chat, like pre_checkout
        await payments.shipping_query(
            session=session, conversation_id=event.conversation_id, message_id=event.message_id
        )
        return
    if event.kind == "pre_checkout":  # answered whoever holds the chat
        await payments.pre_checkout(
            session=session, conversation_id=event.conversation_id, message_id=event.message_id
        )
        return
    if event.kind == "payment":
        await payments.paid(
            session=session, conversation_id=event.conversation_id, message_id=event.message_id
        )
        return
    if event.handled_by != "bot":
        return
    await engine.answer(
        session=session, conversation_id=event.conversation_id, message_id=event.message_id
    )
