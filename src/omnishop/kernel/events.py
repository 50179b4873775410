"""Domain events: small frozen dataclasses with a topic, and the handler registry."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession


@dataclasses.dataclass(frozen=True)
class Event:
    topic: ClassVar[str] = ""
    # The name merchants' webhook endpoints subscribe to (e.g. ``order.placed``); empty for
    # internal events that never leave the process.
    public_topic: ClassVar[str] = ""

    def to_payload(self) -> dict[str, Any]:
        return {
            k: str(v) if isinstance(v, uuid.UUID) else v
            for k, v in dataclasses.asdict(self).items()
        }


E = TypeVar("E", bound=Event)
Handler = Callable[[AsyncSession, Any], Awaitable[None]]
BatchHandler = Callable[[AsyncSession, list[Any]], Awaitable[None]]
# A tap sees every handled event with its outbox id (a stable id for subscribers to dedupe on).
Tap = Callable[[AsyncSession, list[tuple[uuid.UUID, Event]]], Awaitable[None]]

EVENT_TYPES: dict[str, type[Event]] = {}
HANDLERS: dict[str, list[Handler]] = {}
# Batch handlers get every due event of a topic at once, so a burst (a bulk import, a price
# list) is handled in one pass: e.g. a product changed 20 times is re-indexed once.
BATCH_HANDLERS: dict[str, list[BatchHandler]] = {}
TAPS: list[Tap] = []


def event(cls: type[E]) -> type[E]:
    """Register an event class by its topic (class decorator)."""
    if not cls.topic:
        raise TypeError(f"{cls.__name__} has no topic")
    EVENT_TYPES[cls.topic] = cls
    return cls


def handles(
    event_type: type[E],
) -> Callable[[Callable[[AsyncSession, E], Awaitable[None]]], Handler]:
    """Register an (idempotent) handler of an event, run by the worker after commit."""

    def register(fn: Callable[[AsyncSession, E], Awaitable[None]]) -> Handler:
        HANDLERS.setdefault(event_type.topic, []).append(fn)
        return fn

    return register


def handles_batch(
    *event_types: type[Event],
) -> Callable[[BatchHandler], BatchHandler]:
    """Register an (idempotent) handler that receives every due event of these types at once."""

    def register(fn: BatchHandler) -> BatchHandler:
        for event_type in event_types:
            BATCH_HANDLERS.setdefault(event_type.topic, []).append(fn)
        return fn

    return register


def taps(fn: Tap) -> Tap:
    """Register an (idempotent) handler of every event, given with its outbox id."""
    TAPS.append(fn)
    return fn


async def dispatch(session: AsyncSession, rows: list[tuple[uuid.UUID, Event]]) -> None:
    """Run every handler of these events inside the caller's transaction: per-event handlers
    once per event, batch handlers once with all the events they subscribe to, taps once."""
    batch = [item for _, item in rows]
    grouped: dict[BatchHandler, list[Event]] = {}
    for item in batch:
        for handler in HANDLERS.get(item.topic, []):
            await handler(session, item)
        for batch_handler in BATCH_HANDLERS.get(item.topic, []):
            grouped.setdefault(batch_handler, []).append(item)
    for batch_handler, items in grouped.items():
        await batch_handler(session, items)
    for tap in TAPS:
        await tap(session, rows)


def decode(topic: str, payload: dict[str, Any]) -> Event:
    cls = EVENT_TYPES[topic]
    hints = {f.name: f.type for f in dataclasses.fields(cls)}
    values = {
        k: uuid.UUID(v) if hints.get(k) in (uuid.UUID, "uuid.UUID") and v is not None else v
        for k, v in payload.items()
    }
    return cls(**values)
