"""One reminder for a cart left in a chat: the bot calls ``track`` whenever the customer
changes the cart there; a periodic job reminds once, after ``REMIND_AFTER`` of silence, only
an open cart with items, only with marketing consent on that chat (see notifications)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.checkout import service as checkout
from omnishop.conversations import notifications
from omnishop.conversations.models import CartWatch, Conversation
from omnishop.kernel import clock, schedule
from omnishop.kernel.errors import DomainError

REMIND_AFTER = timedelta(hours=2)
# Older carts are not worth a message any more.
GIVE_UP_AFTER = timedelta(days=2)


async def track(
    *, session: AsyncSession, conversation_id: uuid.UUID, cart_token: str, url: str | None = None
) -> None:
    """The customer touched this cart in the chat: (re)start the quiet period."""
    now = clock.now()
    where = (CartWatch.conversation_id == conversation_id, CartWatch.cart_token == cart_token)
    row = await session.scalar(select(CartWatch).where(*where))
    if row is None:
        try:
            async with session.begin_nested():
                session.add(
                    CartWatch(
                        conversation_id=conversation_id,
                        cart_token=cart_token,
                        url=url,
                        touched_at=now,
                    )
                )
                await session.flush()
            return
        except IntegrityError:
            row = await session.scalar(select(CartWatch).where(*where))
            if row is None:
                raise
    row.touched_at = now
    if url:
        row.url = url
    await session.flush()


async def remind_due(*, session: AsyncSession) -> int:
    """Remind each left cart once; returns how many reminders were queued."""
    now = clock.now()
    due = list(
        await session.scalars(
            select(CartWatch).where(
                CartWatch.reminded_at.is_(None),
                CartWatch.touched_at <= now - REMIND_AFTER,
                CartWatch.touched_at > now - GIVE_UP_AFTER,
            )
        )
    )
    sent = 0
    for item in due:
        won = await session.execute(
            update(CartWatch)
            .where(CartWatch.id == item.id, CartWatch.reminded_at.is_(None))
            .values(reminded_at=now)
            .execution_options(synchronize_session=False)
        )
        if not won.rowcount:  # type: ignore[attr-defined]
            continue
        try:
            cart = await checkout.get_cart(session=session, token=item.cart_token)
        except DomainError:
            continue
        count = sum(line.quantity for line in cart.lines)
        conversation = await session.get(Conversation, item.conversation_id)
        if cart.state != "open" or count == 0 or conversation is None:
            continue
        if conversation.customer_id is None:
            continue
        outcome = await notifications.notify(
            session=session,
            customer_id=conversation.customer_id,
            trigger="cart_reminder",
            reference=f"{item.id}",
            params={"count": str(count)},
            url=item.url,
        )
        if outcome.sent:
            sent += 1
        elif outcome.reason in ("no_consent", "capped"):
            # Not spent: a later yes (or a quieter day) may still bring the one reminder.
            await session.execute(
                update(CartWatch)
                .where(CartWatch.id == item.id)
                .values(reminded_at=None)
                .execution_options(synchronize_session=False)
            )
    return sent


@schedule.every(300, "conversations.cart_reminders")
async def cart_reminders(session: AsyncSession) -> int:
    return await remind_due(session=session)
