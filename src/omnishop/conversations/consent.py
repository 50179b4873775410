"""Consent to unasked messages, per identity, channel and purpose (transactional/marketing).

STOP (and friends) opts out of everything on that channel; START opts back in to
transactional messages only: marketing needs its own explicit yes."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.conversations.events import ConsentChanged
from omnishop.conversations.models import MARKETING, PURPOSES, TRANSACTIONAL, Consent
from omnishop.kernel import clock, outbox
from omnishop.kernel.errors import ValidationFailed


async def set_consent(
    *,
    session: AsyncSession,
    channel_id: uuid.UUID,
    identity_id: uuid.UUID,
    customer_id: uuid.UUID | None,
    purpose: str,
    opted_in: bool,
    source: str,
) -> bool:
    """Record a yes or no; returns True when it changed anything (an event says so)."""
    if purpose not in PURPOSES:
        raise ValidationFailed(f"unknown purpose {purpose!r}", field="purpose")
    where = (
        Consent.channel_id == channel_id,
        Consent.identity_id == identity_id,
        Consent.purpose == purpose,
    )
    row = await session.scalar(select(Consent).where(*where))
    now = clock.now()
    if row is None:
        row = Consent(
            channel_id=channel_id,
            identity_id=identity_id,
            customer_id=customer_id,
            purpose=purpose,
            opted_in=opted_in,
            changed_at=now,
            source=source,
        )
        try:
            async with session.begin_nested():
                session.add(row)
                await session.flush()
        except IntegrityError:
            row = await session.scalar(select(Consent).where(*where))
            if row is None:
                raise
            if row.opted_in == opted_in:
                return False
    elif row.opted_in == opted_in:
        return False
    row.opted_in = opted_in
    row.changed_at = now
    row.source = source
    row.customer_id = customer_id
    await outbox.emit(
        session,
        ConsentChanged(
            channel_id=channel_id,
            identity_id=identity_id,
            purpose=purpose,
            opted_in=opted_in,
            source=source,
        ),
    )
    await session.flush()
    return True


async def keyword(
    *,
    session: AsyncSession,
    channel_id: uuid.UUID,
    identity_id: uuid.UUID,
    customer_id: uuid.UUID | None,
    opted_in: bool,
) -> None:
    """STOP: no unasked messages of any purpose here. START: transactional ones again."""
    purposes = (TRANSACTIONAL,) if opted_in else (TRANSACTIONAL, MARKETING)
    for purpose in purposes:
        await set_consent(
            session=session,
            channel_id=channel_id,
            identity_id=identity_id,
            customer_id=customer_id,
            purpose=purpose,
            opted_in=opted_in,
            source="keyword",
        )


async def opted_in(
    *, session: AsyncSession, channel_id: uuid.UUID, identity_id: uuid.UUID, purpose: str
) -> bool:
    """Only an explicit, current yes counts."""
    value = await session.scalar(
        select(Consent.opted_in).where(
            Consent.channel_id == channel_id,
            Consent.identity_id == identity_id,
            Consent.purpose == purpose,
        )
    )
    return bool(value)
