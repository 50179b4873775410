"""Operators as the queue sees them: inbox profiles (capacity, languages, skills, online,
business hours) and their seats, kept with conditional UPDATEs so nobody is overfilled."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.conversations import rules
from omnishop.conversations.models import ASSIGNED, QUEUED, Conversation, OperatorProfile
from omnishop.conversations.schemas import ConversationInfo
from omnishop.kernel import clock


@dataclass(frozen=True)
class OperatorInfo:
    staff_id: uuid.UUID
    capacity: int
    active_chats: int
    languages: list[str]
    skills: list[str]
    online: bool
    business_hours: dict[str, Any]
    timezone: str


def _operator_info(row: OperatorProfile) -> OperatorInfo:
    return OperatorInfo(
        staff_id=row.staff_id,
        capacity=row.capacity,
        active_chats=row.active_chats,
        languages=list(row.languages or []),
        skills=list(row.skills or []),
        online=row.online,
        business_hours=dict(row.business_hours or {}),
        timezone=row.timezone,
    )


async def set_operator(
    *,
    session: AsyncSession,
    staff_id: uuid.UUID,
    capacity: int | None = None,
    languages: list[str] | None = None,
    skills: list[str] | None = None,
    online: bool | None = None,
    business_hours: dict[str, Any] | None = None,
    timezone: str | None = None,
) -> OperatorInfo:
    """Create or change a staff member's inbox profile (only the fields given)."""
    row = await session.get(OperatorProfile, staff_id)
    if row is None:
        row = OperatorProfile(
            staff_id=staff_id,
            capacity=rules.DEFAULT_CAPACITY,
            active_chats=0,
            languages=[],
            skills=[],
            online=False,
            business_hours={},
            timezone="UTC",
        )
        session.add(row)
    if capacity is not None:
        row.capacity = max(0, capacity)
    if languages is not None:
        row.languages = sorted(set(languages))
    if skills is not None:
        row.skills = sorted(set(skills))
    if online is not None:
        row.online = online
    if business_hours is not None:
        for start, end in (iv for day in business_hours.values() for iv in day):
            rules.within_hours({"mon": [[start, end]]}, "UTC", clock.now())  # validates
        row.business_hours = business_hours
    if timezone is not None:
        rules.zone(timezone)
        row.timezone = timezone
    await session.flush()
    return _operator_info(row)


def as_rule(row: OperatorProfile) -> rules.Operator:
    return rules.Operator(
        staff_id=row.staff_id,
        capacity=row.capacity,
        active_chats=row.active_chats,
        languages=frozenset(row.languages or []),
        skills=frozenset(row.skills or []),
        online=row.online,
        hours=dict(row.business_hours or {}),
        timezone=row.timezone,
        last_assigned_at=row.last_assigned_at,
    )


async def claim_seat(session: AsyncSession, staff_id: uuid.UUID) -> bool:
    """One more chat for this operator, only while below capacity."""
    won = await session.execute(
        update(OperatorProfile)
        .where(
            OperatorProfile.staff_id == staff_id,
            OperatorProfile.active_chats < OperatorProfile.capacity,
        )
        .values(active_chats=OperatorProfile.active_chats + 1, last_assigned_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    return bool(won.rowcount)  # type: ignore[attr-defined]


async def free_seat(session: AsyncSession, staff_id: uuid.UUID | None) -> None:
    if staff_id is None:
        return
    await session.execute(
        update(OperatorProfile)
        .where(OperatorProfile.staff_id == staff_id, OperatorProfile.active_chats > 0)
        .values(active_chats=OperatorProfile.active_chats - 1)
        .execution_options(synchronize_session=False)
    )


async def candidates(session: AsyncSession) -> list[rules.Operator]:
    rows = await session.scalars(select(OperatorProfile).where(OperatorProfile.online.is_(True)))
    return [as_rule(r) for r in rows]


async def queue(*, session: AsyncSession, limit: int = 100) -> list[ConversationInfo]:
    """Unassigned chats waiting for a person, longest-waiting first."""
    now = clock.now()
    rows = await session.scalars(
        select(Conversation)
        .where(Conversation.status == QUEUED)
        .order_by(Conversation.waiting_since, Conversation.id)
        .limit(limit)
    )
    return [ConversationInfo.of(r, now=now) for r in rows]


async def held_by(*, session: AsyncSession, staff_id: uuid.UUID) -> list[ConversationInfo]:
    """The chats an operator holds, the customer waiting longest first."""
    now = clock.now()
    rows = await session.scalars(
        select(Conversation)
        .where(Conversation.status == ASSIGNED, Conversation.assigned_staff_id == staff_id)
        .order_by(Conversation.waiting_since.is_(None), Conversation.waiting_since)
    )
    return [ConversationInfo.of(r, now=now) for r in rows]
