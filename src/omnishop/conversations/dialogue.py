"""The bot's dialogue state, kept in the database (survives restarts, shared by workers).

One current flow (``flow``, ``step``, ``slots``) with a time-out, and a stack of flows paused
by a topic switch: ``switch`` pauses the current flow, ``finish`` resumes the latest paused
one. Expired state reads as empty."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.conversations.models import DialogueState
from omnishop.kernel import clock

DEFAULT_TTL = timedelta(minutes=30)
MAX_PAUSED = 5


@dataclass(frozen=True)
class Flow:
    flow: str
    step: str | None = None
    slots: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DialogueInfo:
    current: Flow | None
    paused: list[Flow]
    expires_at: datetime | None


def _flow(data: dict[str, Any]) -> Flow:
    return Flow(flow=data["flow"], step=data.get("step"), slots=dict(data.get("slots") or {}))


def _dump(flow: Flow) -> dict[str, Any]:
    return {"flow": flow.flow, "step": flow.step, "slots": flow.slots}


async def _row(session: AsyncSession, conversation_id: uuid.UUID) -> DialogueState:
    row = await session.get(DialogueState, conversation_id)
    if row is not None:
        return row
    row = DialogueState(conversation_id=conversation_id, slots={}, paused=[])
    try:
        async with session.begin_nested():
            session.add(row)
            await session.flush()
    except IntegrityError:  # another worker made it first
        found = await session.get(DialogueState, conversation_id)
        if found is None:
            raise
        row = found
    return row


def _info(row: DialogueState | None, now: datetime) -> DialogueInfo:
    if row is None or (row.expires_at is not None and row.expires_at <= now):
        return DialogueInfo(current=None, paused=[], expires_at=None)
    current = Flow(flow=row.flow, step=row.step, slots=dict(row.slots or {})) if row.flow else None
    return DialogueInfo(
        current=current, paused=[_flow(p) for p in row.paused or []], expires_at=row.expires_at
    )


async def load(*, session: AsyncSession, conversation_id: uuid.UUID) -> DialogueInfo:
    """The bot's state for this chat (empty when none or timed out)."""
    return _info(await session.get(DialogueState, conversation_id), clock.now())


async def save(
    *,
    session: AsyncSession,
    conversation_id: uuid.UUID,
    flow: Flow,
    ttl: timedelta = DEFAULT_TTL,
) -> DialogueInfo:
    """Set the current flow (keeps the paused stack unless it timed out)."""
    now = clock.now()
    row = await _row(session, conversation_id)
    if row.expires_at is not None and row.expires_at <= now:
        row.paused = []
    row.flow, row.step, row.slots = flow.flow, flow.step, dict(flow.slots)
    row.expires_at = now + ttl
    await session.flush()
    return _info(row, now)


async def switch(
    *,
    session: AsyncSession,
    conversation_id: uuid.UUID,
    flow: Flow,
    ttl: timedelta = DEFAULT_TTL,
) -> DialogueInfo:
    """Start ``flow`` and pause the current one (if still alive) to resume it later."""
    now = clock.now()
    row = await _row(session, conversation_id)
    live = row.expires_at is None or row.expires_at > now
    paused = list(row.paused or []) if live else []
    if live and row.flow and row.flow != flow.flow:
        paused.append(_dump(Flow(row.flow, row.step, dict(row.slots or {}))))
    row.paused = paused[-MAX_PAUSED:]
    row.flow, row.step, row.slots = flow.flow, flow.step, dict(flow.slots)
    row.expires_at = now + ttl
    await session.flush()
    return _info(row, now)


async def finish(
    *, session: AsyncSession, conversation_id: uuid.UUID, ttl: timedelta = DEFAULT_TTL
) -> Flow | None:
    """End the current flow; returns the paused flow now resumed (None: nothing to resume)."""
    now = clock.now()
    row = await _row(session, conversation_id)
    live = row.expires_at is None or row.expires_at > now
    paused = list(row.paused or []) if live else []
    resumed = _flow(paused.pop()) if paused else None
    row.paused = paused
    if resumed is None:
        row.flow, row.step, row.slots = None, None, {}
    else:
        row.flow, row.step, row.slots = resumed.flow, resumed.step, dict(resumed.slots)
    row.expires_at = now + ttl
    await session.flush()
    return resumed


async def clear(*, session: AsyncSession, conversation_id: uuid.UUID) -> None:
    row = await session.get(DialogueState, conversation_id)
    if row is not None:
        row.flow, row.step, row.slots, row.paused, row.expires_at = None, None, {}, [], None
        await session.flush()
