"""Cart completion: the last checkout step, for every channel's client."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, ValidationError

from omnishop.api.deps import DatabaseDep
from omnishop.checkout import completion
from omnishop.kernel.errors import ValidationFailed
from omnishop.payments.rules import CardNumberNotAccepted, find_pan
from omnishop.payments.schemas import PaymentInput

router = APIRouter(tags=["checkout"])


class CompleteBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    payment: PaymentInput


class CompletionRead(BaseModel):
    status: Literal["completed", "requires_action"]
    order: dict[str, Any] | None
    payment: dict[str, Any]
    next_action: dict[str, Any] | None


# The body is parsed by hand so a card number is refused by name before any other check.
BODY_SCHEMA = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": CompleteBody.model_json_schema()}},
    }
}


@router.post("/carts/{token}/complete", openapi_extra=BODY_SCHEMA)
async def complete(
    request: Request,
    database: DatabaseDep,
    token: Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{16,64}$")],
) -> CompletionRead:
    """Pay for the cart and place the order (honours `Idempotency-Key`). Answers the order,
    or `requires_action` with the page the buyer must open (3-D Secure, bank app); a
    declined payment is a 402 `payment_declined` and leaves the cart open."""
    try:
        raw = json.loads(await request.body() or b"null")
    except ValueError as exc:
        raise ValidationFailed("the body is not valid JSON", field="body") from exc
    found = find_pan(raw)
    if found is not None:  # anywhere in the body, not only inside `payment`
        raise CardNumberNotAccepted(field=found)
    try:
        body = CompleteBody.model_validate(raw)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]
        ) from exc
    done = await completion.complete(database.sessions, token=token, payment=body.payment)
    return CompletionRead(
        status=done.status,
        order=jsonable_encoder(done.order) if done.order is not None else None,
        payment=jsonable_encoder(done.payment),
        next_action=done.next_action,
    )
