"""Recording the PSP's answer: few statements on the usual path, still once when a webhook
moved the payment while we waited for the answer. SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from omnishop.payments import gateway, jobs, service
from omnishop.payments.models import PaymentAttempt
from omnishop.payments.sandbox.gateway import SandboxGateway
from tests.payments_fixtures import current, new_payment, psp_store, topics

__all__ = ["psp_store"]
pytestmark = pytest.mark.usefixtures("psp_store")
Sessions = async_sessionmaker[AsyncSession]
SKIPPED = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


@contextmanager
def statements(connection: AsyncConnection) -> Iterator[list[str]]:
    """The statements our database runs meanwhile (the sandbox PSP has its own store)."""
    seen: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not statement.lstrip().upper().startswith(SKIPPED):
            seen.append(" ".join(statement.split())[:60])

    sync = connection.sync_connection
    assert sync is not None
    event.listen(sync, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(sync, "before_cursor_execute", count)


async def test_authorize_reads_once_and_records_in_three_statements(
    sessions: Sessions, connection: AsyncConnection
) -> None:
    created = await new_payment(sessions)

    with statements(connection) as seen:
        info = await service.authorize(sessions, payment_id=created.id)

    assert info.status == "authorized" and info.provider_ref is not None
    assert (info.authorized_amount, info.card_last4) == (150_00, "4242")
    assert [s.split()[0] for s in seen] == ["SELECT", "INSERT", "UPDATE", "INSERT"], seen
    assert "payment_attempts" in seen[1] and "outbox_events" in seen[3]
    async with sessions() as session:
        assert await topics(session, created.id) == ["payments.authorized"]


class WebhookFirst(SandboxGateway):
    """The PSP's webhook is delivered while its answer to us is still on the way."""

    def __init__(self, sessions: Sessions) -> None:
        super().__init__()
        self.sessions = sessions

    async def authorize(self, request: gateway.AuthorizeRequest) -> gateway.GatewayResult:
        result = await super().authorize(request)
        assert await jobs.deliver_sandbox_notifications(self.sessions) == 1
        return result


async def test_a_webhook_during_the_call_moves_the_payment_once(sessions: Sessions) -> None:
    created = await new_payment(sessions)
    gateway.override("sandbox", WebhookFirst(sessions))

    info = await service.authorize(sessions, payment_id=created.id)

    assert info.status == "authorized" and info.provider_ref is not None
    assert info.authorized_amount == 150_00
    assert (await current(sessions, created.id)).status == "authorized"
    async with sessions() as session:
        assert await topics(session, created.id) == ["payments.authorized"]
        attempts = await session.scalars(
            select(PaymentAttempt.outcome).where(PaymentAttempt.payment_id == created.id)
        )
        assert list(attempts) == ["authorized"]


async def test_a_webhook_during_a_capture_records_it_once(sessions: Sessions) -> None:
    created = await new_payment(sessions)
    await service.authorize(sessions, payment_id=created.id)
    await jobs.deliver_sandbox_notifications(sessions)

    class CaptureWebhookFirst(SandboxGateway):
        async def capture(
            self, provider_ref: str, amount: int, idempotency_key: str
        ) -> gateway.GatewayResult:
            result = await super().capture(provider_ref, amount, idempotency_key)
            await jobs.deliver_sandbox_notifications(sessions)
            return result

    gateway.override("sandbox", CaptureWebhookFirst())
    info = await service.capture(sessions, payment_id=created.id)

    assert (info.status, info.captured_amount) == ("captured", 150_00)
    async with sessions() as session:
        assert await topics(session, created.id) == ["payments.authorized", "payments.captured"]
