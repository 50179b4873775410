"""Reading a thread after a cursor: a message committed late (its time taken before a
message a reader already saw) is found again by re-reading an overlap behind the cursor."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.conversations import feed, service
from omnishop.conversations.models import Message
from omnishop.conversations.wire import OutboundContent
from tests.integration.conversations_fixtures import channel, inbound

pytestmark = pytest.mark.usefixtures("without_bot")


async def test_a_late_commit_is_read_again_within_the_overlap(session: AsyncSession) -> None:
    code = await channel(session, "webchat")
    got = await service.receive(session=session, message=inbound("webchat", code, "v1"))
    assert got.conversation_id is not None and got.message_id is not None
    thread = got.conversation_id
    seen = await feed.after(session=session, conversation_id=thread, cursor=None)
    cursor = seen[-1].id
    late = await service.send(
        session=session,
        conversation_id=thread,
        content=OutboundContent(text="committed late"),
        author="bot",
    )
    # Its time was taken before the message the reader saw, its commit came after.
    await session.execute(
        update(Message)
        .where(Message.id == late.id)
        .values(created_at=seen[-1].created_at - timedelta(seconds=1))
    )

    strictly_after = await feed.after(session=session, conversation_id=thread, cursor=cursor)
    with_overlap = await feed.after(
        session=session, conversation_id=thread, cursor=cursor, overlap=timedelta(seconds=5)
    )

    assert strictly_after == []  # what a plain cursor misses
    assert [m.id for m in with_overlap] == [late.id, cursor]
