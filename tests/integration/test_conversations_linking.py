"""Cross-channel identity linking on both engines: a claimed email joins the chat to its
customer only when the one-time code sent there comes back."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.conversations import linking, service
from omnishop.conversations.models import Conversation
from omnishop.customers import identities
from omnishop.customers import jobs as customer_jobs
from omnishop.customers.account_models import OutboundMessage
from omnishop.customers.models import Customer
from omnishop.kernel import outbox
from omnishop.kernel.db import unit_of_work
from tests.integration.conversations_fixtures import channel, inbound

pytestmark = pytest.mark.usefixtures("without_bot")

KEY = "test-secret"
__all__ = ["customer_jobs"]  # delivers the codes
Sessions = async_sessionmaker[AsyncSession]


async def delivered_code(sessions: Sessions, to: str) -> str:
    await outbox.drain(sessions)
    async with sessions() as session:
        message = await session.scalar(
            select(OutboundMessage)
            .where(OutboundMessage.destination == to)
            .order_by(OutboundMessage.created_at.desc())
            .limit(1)
        )
    assert message is not None
    return next(w for w in message.body.replace(".", " ").split() if w.isdigit() and len(w) == 6)


async def test_only_the_right_code_links_the_telegram_chat_to_the_email_owner(
    sessions: Sessions,
) -> None:
    async with unit_of_work(sessions) as session:
        known = Customer(email="anna@example.com", first_name="Anna")
        session.add(known)
        code = await channel(session, "telegram")
        got = await service.receive(session=session, message=inbound("telegram", code, "555"))
        assert got.conversation_id is not None and got.customer_id != known.id
        await linking.start_link(
            session=session,
            conversation_id=got.conversation_id,
            destination="Anna@Example.com",
            locale="en",
            key=KEY,
        )
    right = await delivered_code(sessions, "anna@example.com")
    wrong = "000000" if right != "000000" else "111111"

    async with unit_of_work(sessions) as session:
        refused = await linking.confirm_link(
            session=session, conversation_id=got.conversation_id, code=wrong, key=KEY
        )
        assert not refused.linked
        found = await identities.find(session=session, kind="telegram", external_id="555")
        assert found is not None and found.customer_id == got.customer_id

    async with unit_of_work(sessions) as session:
        linked = await linking.confirm_link(
            session=session, conversation_id=got.conversation_id, code=right, key=KEY
        )
    assert linked.linked and linked.customer_id == known.id
    assert linked.previous_customer_id == got.customer_id
    async with sessions() as session:
        conversation = await session.get(Conversation, got.conversation_id)
        assert conversation is not None and conversation.customer_id == known.id
        again = await service.receive(session=session, message=inbound("telegram", code, "555"))
        assert again.customer_id == known.id
