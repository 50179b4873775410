"""API routes: payments (staff reads, captures and refunds) and the PSP webhook intake."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Request
from pydantic import BaseModel

from omnishop.api.auth import require_scope
from omnishop.api.deps import DatabaseDep, SessionDep
from omnishop.customers.models import ApiKey
from omnishop.kernel.db import step_outside
from omnishop.kernel.errors import ValidationFailed
from omnishop.payments import service
from omnishop.payments.schemas import CaptureCreate, PaymentRead, RefundCreate

router = APIRouter(prefix="/payments", tags=["payments"])
Reader = Annotated[ApiKey, Depends(require_scope("orders:read"))]
Writer = Annotated[ApiKey, Depends(require_scope("payments:write"))]
Provider = Annotated[str, Path(pattern=r"^[a-z0-9_-]{1,40}$")]
MAX_WEBHOOK_BYTES = 256 * 1024


class WebhookAck(BaseModel):
    received: bool = True


@router.post("/webhooks/{provider}")
async def receive_webhook(
    provider: Provider, request: Request, database: DatabaseDep
) -> WebhookAck:
    """Notifications from a payment provider, verified by their signature (401 when it is
    missing, wrong or older than 5 minutes; nothing changes). A redelivery is a 200 no-op."""
    body = await request.body()
    if len(body) > MAX_WEBHOOK_BYTES:
        raise ValidationFailed("the notification is too large", field="body")
    await service.receive_webhook(
        database.sessions, provider=provider, headers=dict(request.headers), body=body
    )
    return WebhookAck()


@router.get("/{payment_id}")
async def get_payment(session: SessionDep, _: Reader, payment_id: uuid.UUID) -> PaymentRead:
    """A payment with its amounts, status, PSP reference and refunds."""
    return await service.describe(session=session, payment_id=payment_id)


@router.post("/{payment_id}/capture")
async def capture_payment(
    session: SessionDep,
    _: Writer,
    payment_id: uuid.UUID,
    body: CaptureCreate | None = None,
) -> PaymentRead:
    """Capture an authorization (all of it unless `amount` says less); repeating is a no-op."""
    amount = body.amount if body is not None else None
    # The PSP call runs its own units of work: ours must not hold the (SQLite) write lock.
    factory = await step_outside(session)
    await service.capture(factory, payment_id=payment_id, amount=amount)
    return await service.describe(session=session, payment_id=payment_id)


@router.post("/{payment_id}/refunds", status_code=201)
async def refund_payment(
    session: SessionDep,
    _: Writer,
    payment_id: uuid.UUID,
    body: RefundCreate,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> PaymentRead:
    """Refund part or all of the captured amount (409 `refund_exceeds_captured` when more is
    asked than is left). With `Idempotency-Key` a retry refunds once."""
    key = idempotency_key or f"api:{uuid.uuid4()}"
    await service.refund(
        await step_outside(session),
        payment_id=payment_id,
        amount=body.amount,
        key=key,
        reason=body.reason,
    )
    return await service.describe(session=session, payment_id=payment_id)
