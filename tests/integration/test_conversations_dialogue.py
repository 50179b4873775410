"""Dialogue state in the database (both engines): a topic switch pauses the flow, finishing
the new one resumes it with its slots; state times out."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.conversations import dialogue, service
from omnishop.conversations.dialogue import Flow
from omnishop.kernel import clock
from tests.integration.conversations_fixtures import channel, inbound

pytestmark = pytest.mark.usefixtures("without_bot")


async def test_a_half_done_flow_resumes_after_a_topic_switch(session: AsyncSession) -> None:
    code = await channel(session, "telegram")
    got = await service.receive(session=session, message=inbound("telegram", code, "d1"))
    cid = got.conversation_id
    assert cid is not None
    await dialogue.save(
        session=session,
        conversation_id=cid,
        flow=Flow("add_to_cart", "ask_size", {"product": "tee-1"}),
    )
    switched = await dialogue.switch(
        session=session, conversation_id=cid, flow=Flow("order_status", "ask_number")
    )
    assert switched.current == Flow("order_status", "ask_number")
    assert switched.paused == [Flow("add_to_cart", "ask_size", {"product": "tee-1"})]

    resumed = await dialogue.finish(session=session, conversation_id=cid)

    assert resumed == Flow("add_to_cart", "ask_size", {"product": "tee-1"})
    state = await dialogue.load(session=session, conversation_id=cid)
    assert state.current == resumed and state.paused == []
    assert await dialogue.finish(session=session, conversation_id=cid) is None


async def test_state_times_out(session: AsyncSession) -> None:
    code = await channel(session, "telegram")
    got = await service.receive(session=session, message=inbound("telegram", code, "d2"))
    assert got.conversation_id is not None
    start = clock.now()
    clock.freeze(start)
    await dialogue.save(
        session=session,
        conversation_id=got.conversation_id,
        flow=Flow("search", "results", {"q": "shoes"}),
        ttl=timedelta(minutes=10),
    )
    clock.freeze(start + timedelta(minutes=11))
    state = await dialogue.load(session=session, conversation_id=got.conversation_id)
    assert state.current is None and state.paused == []
