"""Webhooks API (staff, scope webhooks:write): endpoints, their deliveries, replay, topics."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Response

from omnishop.api.auth import require_scope
from omnishop.api.deps import SessionDep
from omnishop.api.pagination import Cursor, Limit, Page, decode_cursor, encode_cursor
from omnishop.customers.models import ApiKey
from omnishop.kernel.errors import ValidationFailed
from omnishop.webhooks import service
from omnishop.webhooks.models import DeliveryStatus
from omnishop.webhooks.schemas import (
    DeliveryRead,
    EndpointCreate,
    EndpointRead,
    EndpointUpdate,
    EndpointWithSecret,
    TopicRead,
)

router = APIRouter(prefix="/webhooks", tags=["webhooks"])
Staff = Annotated[ApiKey, Depends(require_scope("webhooks:write"))]


def _cursor_id(cursor: str | None) -> uuid.UUID | None:
    after = decode_cursor(cursor)
    if after is None:
        return None
    try:
        return uuid.UUID(str(after.get("id")))
    except ValueError:
        raise ValidationFailed("malformed cursor", field="cursor") from None


@router.get("/topics")
async def list_topics(_: Staff) -> Page[TopicRead]:
    """The public event topics an endpoint may subscribe to, with their payload fields."""
    return Page(data=service.list_topics())


@router.get("/endpoints")
async def list_endpoints(
    session: SessionDep, _: Staff, cursor: Cursor = None, limit: Limit = 50
) -> Page[EndpointRead]:
    """Webhook endpoints in creation order (the secret is never listed)."""
    rows = await service.list_endpoints(session=session, after=_cursor_id(cursor), limit=limit + 1)
    page = rows[:limit]
    return Page(
        data=[EndpointRead.model_validate(e) for e in page],
        next_cursor=encode_cursor({"id": page[-1].id}) if len(rows) > limit else None,
    )


@router.post("/endpoints", status_code=201)
async def create_endpoint(
    session: SessionDep, _: Staff, body: EndpointCreate
) -> EndpointWithSecret:
    """Subscribe an https URL (http only for localhost) to topics (`"*"` for all). The
    answer carries the signing secret: the only time it is shown, besides rotation."""
    endpoint = await service.create_endpoint(session=session, data=body)
    return EndpointWithSecret.model_validate(endpoint)


@router.get("/endpoints/{endpoint_id}")
async def get_endpoint(session: SessionDep, _: Staff, endpoint_id: uuid.UUID) -> EndpointRead:
    endpoint = await service.get_endpoint(session=session, endpoint_id=endpoint_id)
    return EndpointRead.model_validate(endpoint)


@router.patch("/endpoints/{endpoint_id}")
async def update_endpoint(
    session: SessionDep, _: Staff, endpoint_id: uuid.UUID, body: EndpointUpdate
) -> EndpointRead:
    """Change URL, topics or description; `{"active": true}` re-enables a disabled one."""
    endpoint = await service.update_endpoint(session=session, endpoint_id=endpoint_id, data=body)
    return EndpointRead.model_validate(endpoint)


@router.delete("/endpoints/{endpoint_id}", status_code=204)
async def delete_endpoint(session: SessionDep, _: Staff, endpoint_id: uuid.UUID) -> Response:
    """Remove an endpoint with its deliveries."""
    await service.delete_endpoint(session=session, endpoint_id=endpoint_id)
    return Response(status_code=204)


@router.post("/endpoints/{endpoint_id}/rotate-secret")
async def rotate_secret(
    session: SessionDep, _: Staff, endpoint_id: uuid.UUID
) -> EndpointWithSecret:
    """A new signing secret; for 24 h every request is also signed with the old one."""
    endpoint = await service.rotate_secret(session=session, endpoint_id=endpoint_id)
    return EndpointWithSecret.model_validate(endpoint)


@router.get("/endpoints/{endpoint_id}/deliveries")
async def list_deliveries(
    session: SessionDep,
    _: Staff,
    endpoint_id: uuid.UUID,
    status: DeliveryStatus | None = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[DeliveryRead]:
    """An endpoint's deliveries, newest first, each with every attempt made."""
    rows = await service.list_deliveries(
        session=session,
        endpoint_id=endpoint_id,
        status=status,
        before=_cursor_id(cursor),
        limit=limit + 1,
    )
    page = rows[:limit]
    return Page(
        data=page,
        next_cursor=encode_cursor({"id": page[-1].id}) if len(rows) > limit else None,
    )


@router.get("/deliveries/{delivery_id}")
async def get_delivery(session: SessionDep, _: Staff, delivery_id: uuid.UUID) -> DeliveryRead:
    return await service.get_delivery(session=session, delivery_id=delivery_id)


@router.post("/deliveries/{delivery_id}/replay", status_code=202)
async def replay(session: SessionDep, _: Staff, delivery_id: uuid.UUID) -> DeliveryRead:
    """Send a delivery again now, whatever its status; same event id, fresh retry schedule."""
    return await service.replay(session=session, delivery_id=delivery_id)
