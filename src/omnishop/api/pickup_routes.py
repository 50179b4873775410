"""Click & collect: staff mark a pickup order ready and hand it over against the buyer's code;
the buyer fetches the code and its QR with their order token."""

from __future__ import annotations

import io
import uuid
from datetime import datetime
from typing import Annotated

import segno
from fastapi import APIRouter, Depends, Path, Response
from pydantic import BaseModel, ConfigDict, Field

from omnishop.api.auth import require_scope
from omnishop.api.deps import SessionDep
from omnishop.customers.models import ApiKey
from omnishop.kernel.db import step_outside
from omnishop.orders import pickup
from omnishop.orders.pickup import PickupInfo

router = APIRouter(tags=["click & collect"])
Reader = Annotated[ApiKey, Depends(require_scope("orders:read"))]
Writer = Annotated[ApiKey, Depends(require_scope("orders:write"))]
OrderToken = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{16,64}$")]
# The QR is the buyer's own capability: never cached by shared caches.
PRIVATE = {"Cache-Control": "private, no-store"}


class PickupRead(BaseModel):
    """The staff view: no code (the buyer proves the order is theirs by telling it)."""

    model_config = ConfigDict(from_attributes=True)

    order_id: uuid.UUID
    order_number: str
    location_id: uuid.UUID
    status: str
    attempts_left: int
    locked: bool
    ready_at: datetime
    expires_at: datetime
    collected_at: datetime | None


class MyPickupRead(PickupRead):
    """The buyer's view: the code to tell at the counter (or the QR to show)."""

    code: str
    qr_payload: str


class HandoverRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # The 6 digits the buyer tells, or what the scanner read from their QR.
    code: Annotated[str, Field(min_length=1, max_length=100)]


@router.post("/orders/{order_id}/pickup/ready")
async def mark_ready(session: SessionDep, key: Writer, order_id: uuid.UUID) -> PickupRead:
    """The order waits at its pickup location: the buyer gets a 6-digit code and a QR, and
    `order.ready_for_pickup` is emitted. Repeating changes nothing; on a pickup locked by
    wrong codes it issues a new code. 409 `not_a_pickup_order` for a delivered order."""
    info = await pickup.mark_ready(session=session, order_id=order_id, actor=f"apikey:{key.id}")
    return PickupRead.model_validate(info)


@router.post("/orders/{order_id}/pickup/handover")
async def handover(
    session: SessionDep, key: Writer, order_id: uuid.UUID, body: HandoverRequest
) -> PickupRead:
    """Hand the order over against the buyer's code: the order becomes delivered and
    `order.collected` is emitted. A wrong code is a 422 `pickup_code_wrong` (with
    `attempts_left`); after 5 the pickup is locked (423 `pickup_locked`)."""
    # Handover commits wrong attempts in its own unit of work: ours must not hold the lock.
    info = await pickup.handover(
        await step_outside(session), order_id=order_id, code=body.code, actor=f"apikey:{key.id}"
    )
    return PickupRead.model_validate(info)


@router.get("/orders/{order_id}/pickup")
async def get_pickup(session: SessionDep, _: Reader, order_id: uuid.UUID) -> PickupRead:
    """The pickup of an order: status, deadline, attempts left."""
    return PickupRead.model_validate(await pickup.get(session=session, order_id=order_id))


async def _mine(session: SessionDep, token: str) -> PickupInfo:
    return await pickup.get_by_token(session=session, token=token)


@router.get("/orders/by-token/{order_token}/pickup")
async def my_pickup(
    session: SessionDep, order_token: OrderToken, response: Response
) -> MyPickupRead:
    """The buyer's pickup code and deadline, by the order token given at checkout."""
    response.headers.update(PRIVATE)
    return MyPickupRead.model_validate(await _mine(session, order_token))


@router.get("/orders/by-token/{order_token}/pickup-qr.svg", response_class=Response)
async def my_pickup_qr_svg(session: SessionDep, order_token: OrderToken) -> Response:
    """The buyer's pickup QR (SVG) to show at the counter."""
    info = await _mine(session, order_token)
    out = io.BytesIO()
    segno.make(info.qr_payload, error="m").save(out, kind="svg", scale=8, border=2)
    return Response(out.getvalue(), media_type="image/svg+xml", headers=PRIVATE)


@router.get("/orders/by-token/{order_token}/pickup-qr.png", response_class=Response)
async def my_pickup_qr_png(session: SessionDep, order_token: OrderToken) -> Response:
    """The buyer's pickup QR (PNG), e.g. for a messenger that shows images only."""
    info = await _mine(session, order_token)
    out = io.BytesIO()
    segno.make(info.qr_payload, error="m").save(out, kind="png", scale=8, border=2)
    return Response(out.getvalue(), media_type="image/png", headers=PRIVATE)
