"""Back in stock, only for who asked: ``watch`` records the request in a chat; when stock of
that variant becomes sellable again each watcher gets one message (then the watch is done)."""

from __future__ import annotations

import uuid

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.conversations import notifications
from omnishop.conversations.models import Conversation, StockWatch
from omnishop.inventory import service as inventory
from omnishop.kernel import clock
from omnishop.kernel.errors import NotFound


async def watch(
    *,
    session: AsyncSession,
    conversation_id: uuid.UUID,
    variant_id: uuid.UUID,
    title: str,
    url: str | None = None,
) -> bool:
    """The customer asked to hear when this variant is back; False if already watching."""
    if await session.get(Conversation, conversation_id) is None:
        raise NotFound("no such conversation")
    try:
        async with session.begin_nested():
            session.add(
                StockWatch(
                    conversation_id=conversation_id,
                    variant_id=variant_id,
                    title=title[:200],
                    url=url,
                )
            )
            await session.flush()
    except IntegrityError:
        found = await session.scalar(
            select(StockWatch).where(
                StockWatch.conversation_id == conversation_id,
                StockWatch.variant_id == variant_id,
            )
        )
        if found is None or found.notified_at is None:
            return False
        found.notified_at = None  # asked again after the last message: watch again
        await session.flush()
    return True


async def back_in_stock(*, session: AsyncSession, variant_id: uuid.UUID) -> int:
    """Tell this variant's watchers it is sellable again; returns how many were told."""
    available = await inventory.available_for_variants(session=session, variant_ids=[variant_id])
    if available.get(variant_id, 0) <= 0:
        return 0
    watches = list(
        await session.scalars(
            select(StockWatch).where(
                StockWatch.variant_id == variant_id, StockWatch.notified_at.is_(None)
            )
        )
    )
    told = 0
    for item in watches:
        won = await session.execute(
            update(StockWatch)
            .where(StockWatch.id == item.id, StockWatch.notified_at.is_(None))
            .values(notified_at=clock.now())
            .execution_options(synchronize_session=False)
        )
        if not won.rowcount:  # type: ignore[attr-defined]
            continue
        conversation = await session.get(Conversation, item.conversation_id)
        if conversation is None or conversation.customer_id is None:
            continue
        outcome = await notifications.notify(
            session=session,
            customer_id=conversation.customer_id,
            trigger="back_in_stock",
            reference=f"{item.id}:{item.created_at.isoformat()}",
            params={"title": item.title},
            url=item.url,
            asked_in=conversation.id,
        )
        told += int(outcome.sent)
    return told
