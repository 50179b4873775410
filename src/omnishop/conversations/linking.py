"""One customer across channels: a messenger identity joins the customer who owns an email
or phone only after a one-time code sent there comes back (customers.otp). A claim alone
never merges anything."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.conversations.events import IdentityLinked
from omnishop.conversations.models import Consent, Conversation, LinkRequest
from omnishop.customers import identities, otp, otp_rules
from omnishop.kernel import clock, outbox
from omnishop.kernel.errors import NotFound, RateLimited

# A link request lives as long as its code; an identity may ask a few times an hour.
LIFETIME = otp_rules.LIFETIME
MAX_REQUESTS_PER_HOUR = 3


@dataclass(frozen=True)
class Linked:
    linked: bool  # False: wrong, expired or used code (the attempt was counted)
    customer_id: uuid.UUID | None = None
    previous_customer_id: uuid.UUID | None = None


async def _identity_of(session: AsyncSession, conversation_id: uuid.UUID) -> Conversation:
    conversation = await session.get(Conversation, conversation_id)
    if conversation is None or conversation.identity_id is None:
        raise NotFound("no such conversation")
    return conversation


async def start_link(
    *,
    session: AsyncSession,
    conversation_id: uuid.UUID,
    destination: str,
    locale: str,
    key: str,
) -> otp_rules.Destination:
    """The customer in this chat says an email/phone is theirs: send a code there (through
    customers' delivery) and remember the claim. Rate-limited per identity in the database,
    so it holds with many processes."""
    conversation = await _identity_of(session, conversation_id)
    where = otp_rules.destination(destination)
    recent = await session.scalar(
        select(func.count())
        .select_from(LinkRequest)
        .where(
            LinkRequest.identity_id == conversation.identity_id,
            LinkRequest.created_at > clock.now() - timedelta(hours=1),
        )
    )
    if (recent or 0) >= MAX_REQUESTS_PER_HOUR:
        raise RateLimited("too many codes were requested; try again later")
    await otp.request_code(session=session, destination=where.value, locale=locale, key=key)
    assert conversation.identity_id is not None
    session.add(LinkRequest(identity_id=conversation.identity_id, destination=where.value))
    await session.flush()
    return where


async def confirm_link(
    *, session: AsyncSession, conversation_id: uuid.UUID, code: str, key: str
) -> Linked:
    """Check the code of the latest pending claim; only when it is right the identity (and
    its conversations and consents) moves to the customer owning that email/phone."""
    conversation = await _identity_of(session, conversation_id)
    identity_id = conversation.identity_id
    assert identity_id is not None
    now = clock.now()
    request = await session.scalar(
        select(LinkRequest)
        .where(
            LinkRequest.identity_id == identity_id,
            LinkRequest.confirmed_at.is_(None),
            LinkRequest.created_at > now - LIFETIME,
        )
        .order_by(LinkRequest.created_at.desc())
        .limit(1)
    )
    if request is None:
        return Linked(False)
    verified = await otp.verify_code(
        session=session, destination=request.destination, code=code, key=key, channel_code=None
    )
    if verified.customer is None:
        return Linked(False)
    target = verified.customer.id
    previous = conversation.customer_id
    request.confirmed_at = now
    await identities.attach(session=session, identity_id=identity_id, customer_id=target)
    for model in (Conversation, Consent):
        await session.execute(
            update(model)
            .where(model.identity_id == identity_id)
            .values(customer_id=target)
            .execution_options(synchronize_session=False)
        )
    await outbox.emit(
        session,
        IdentityLinked(
            identity_id=identity_id,
            customer_id=target,
            previous_customer_id=str(previous) if previous else None,
        ),
    )
    await session.flush()
    await session.refresh(conversation)
    return Linked(True, customer_id=target, previous_customer_id=previous)
