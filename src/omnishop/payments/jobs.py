"""Event handlers and periodic jobs of the payments domain."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.kernel import schedule
from omnishop.kernel.db import sibling_factory
from omnishop.payments import service
from omnishop.payments.sandbox import psp, store


async def deliver_sandbox_notifications(factory: async_sessionmaker[AsyncSession]) -> int:
    """The sandbox PSP posts its queued notifications, signed, to the same function the
    webhook route calls (it is in-process, so no HTTP hop). Returns how many were taken."""

    async def deliver(headers: dict[str, str], body: bytes) -> None:
        await service.receive_webhook(factory, provider="sandbox", headers=headers, body=body)

    return await psp.deliver_due(deliver)


@schedule.every(2, writes=False)
async def sandbox_webhooks(session: AsyncSession) -> None:
    # Never create a sandbox database from a worker: only deliver for a store that exists.
    if not store.opened():
        return
    await deliver_sandbox_notifications(sibling_factory(session))
