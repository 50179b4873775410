"""Event handlers and periodic jobs of the webhooks domain."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.kernel import events
from omnishop.kernel.db import sibling_factory
from omnishop.kernel.events import Event
from omnishop.kernel.schedule import every
from omnishop.webhooks import delivery, service
from omnishop.webhooks import events as webhook_events  # noqa: F401  (registers the event)

KEEP_FINISHED = timedelta(days=30)


@events.taps
async def queue_deliveries(session: AsyncSession, rows: list[tuple[uuid.UUID, Event]]) -> None:
    """Every public event becomes a delivery per subscribed endpoint (same transaction as
    the outbox marks it handled, so none is lost or queued twice)."""
    await delivery.fan_out(session, rows)


@every(2, name="webhooks.send_due", writes=False)
async def send_due(session: AsyncSession) -> None:
    """Post due deliveries. Sending must not sit inside a transaction, so this job opens its
    own short units of work on the same database instead of using ``session``."""
    await delivery.send_due(sibling_factory(session))


@every(3600, name="webhooks.prune")
async def prune(session: AsyncSession) -> None:
    """Forget delivered and dead deliveries after 30 days."""
    await service.prune(session=session, older_than=KEEP_FINISHED)
