"""Webhook endpoints (staff use cases): subscribe, change, rotate the secret, read deliveries,
replay. Services flush; the request commits."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.kernel import clock
from omnishop.kernel.errors import Conflict, NotFound, ValidationFailed
from omnishop.kernel.events import EVENT_TYPES
from omnishop.webhooks import rules
from omnishop.webhooks.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from omnishop.webhooks.schemas import (
    AttemptRead,
    DeliveryRead,
    EndpointCreate,
    EndpointUpdate,
    TopicRead,
)

ALL_TOPICS = "*"


class EndpointDisabled(Conflict):
    code = "endpoint_disabled"


def public_topics() -> dict[str, list[str]]:
    """Every public topic known to this process now, with its payload fields.

    Read at call time, not import time: domains register their events as they load.
    """
    known: dict[str, list[str]] = {}
    for cls in EVENT_TYPES.values():
        if cls.public_topic:
            known[cls.public_topic] = [f.name for f in dataclasses.fields(cls)]
    return dict(sorted(known.items()))


def list_topics() -> list[TopicRead]:
    """The topics an endpoint may subscribe to (``"*"`` is every one of them)."""
    return [TopicRead(topic=topic, fields=fields) for topic, fields in public_topics().items()]


def _check_topics(topics: list[str]) -> list[str]:
    known = public_topics()
    clean: list[str] = []
    for index, topic in enumerate(topics):
        if topic != ALL_TOPICS and topic not in known:
            raise ValidationFailed(
                f"unknown topic {topic!r}; see GET /api/v1/webhooks/topics",
                field=f"topics[{index}]",
            )
        if topic not in clean:
            clean.append(topic)
    return [ALL_TOPICS] if ALL_TOPICS in clean else clean


def _check_url(url: str) -> str:
    problem = rules.url_problem(url)
    if problem is not None:
        raise ValidationFailed(problem, field="url")
    return url


async def create_endpoint(*, session: AsyncSession, data: EndpointCreate) -> WebhookEndpoint:
    """Subscribe a URL to topics; the generated secret is on the returned row (show it once)."""
    endpoint = WebhookEndpoint(
        url=_check_url(data.url),
        topics=_check_topics(data.topics),
        description=data.description,
        active=data.active,
        secret=rules.new_secret(),
    )
    session.add(endpoint)
    await session.flush()
    return endpoint


async def get_endpoint(*, session: AsyncSession, endpoint_id: uuid.UUID) -> WebhookEndpoint:
    endpoint = await session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise NotFound("webhook endpoint not found", field="endpoint_id")
    return endpoint


async def list_endpoints(
    *, session: AsyncSession, after: uuid.UUID | None = None, limit: int = 50
) -> list[WebhookEndpoint]:
    """Endpoints in creation order (keyset paging after ``after``)."""
    query = select(WebhookEndpoint).order_by(WebhookEndpoint.id).limit(limit)
    if after is not None:
        query = query.where(WebhookEndpoint.id > after)
    return list(await session.scalars(query))


async def update_endpoint(
    *, session: AsyncSession, endpoint_id: uuid.UUID, data: EndpointUpdate
) -> WebhookEndpoint:
    """Change an endpoint. Re-enabling clears the failure record, so it gets a fresh day."""
    endpoint = await get_endpoint(session=session, endpoint_id=endpoint_id)
    changes = data.model_dump(exclude_unset=True)
    for name in ("url", "topics", "active"):
        if name in changes and changes[name] is None:
            raise ValidationFailed(f"{name} cannot be null", field=name)
    if "url" in changes:
        endpoint.url = _check_url(changes["url"])
    if "topics" in changes:
        endpoint.topics = _check_topics(changes["topics"])
    if "description" in changes:
        endpoint.description = changes["description"]
    if "active" in changes and changes["active"] != endpoint.active:
        endpoint.active = changes["active"]
        endpoint.failing_since = None
        endpoint.disabled_reason = None if endpoint.active else "disabled by staff"
    endpoint.updated_at = clock.now()
    await session.flush()
    return endpoint


async def delete_endpoint(*, session: AsyncSession, endpoint_id: uuid.UUID) -> None:
    """Remove an endpoint with its deliveries and attempts."""
    endpoint = await get_endpoint(session=session, endpoint_id=endpoint_id)
    await session.delete(endpoint)
    await session.flush()


async def rotate_secret(*, session: AsyncSession, endpoint_id: uuid.UUID) -> WebhookEndpoint:
    """A new signing secret; the old one still signs alongside it for a day, so the
    receiver can switch without dropping events."""
    endpoint = await get_endpoint(session=session, endpoint_id=endpoint_id)
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_expires_at = clock.now() + rules.ROTATED_SECRET_GRACE
    endpoint.secret = rules.new_secret()
    endpoint.updated_at = clock.now()
    await session.flush()
    return endpoint


async def list_deliveries(
    *,
    session: AsyncSession,
    endpoint_id: uuid.UUID,
    status: DeliveryStatus | None = None,
    before: uuid.UUID | None = None,
    limit: int = 50,
) -> list[DeliveryRead]:
    """An endpoint's deliveries, newest first, each with its attempts (oldest first)."""
    await get_endpoint(session=session, endpoint_id=endpoint_id)
    query = (
        select(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint_id)
        .order_by(WebhookDelivery.id.desc())
        .limit(limit)
    )
    if status is not None:
        query = query.where(WebhookDelivery.status == status)
    if before is not None:
        query = query.where(WebhookDelivery.id < before)
    deliveries = list(await session.scalars(query))
    attempts: dict[uuid.UUID, list[AttemptRead]] = {d.id: [] for d in deliveries}
    if deliveries:
        rows = await session.scalars(
            select(WebhookAttempt)
            .where(WebhookAttempt.delivery_id.in_(list(attempts)))
            .order_by(WebhookAttempt.at, WebhookAttempt.id)
        )
        for attempt in rows:
            attempts[attempt.delivery_id].append(AttemptRead.model_validate(attempt))
    return [_read(delivery, attempts[delivery.id]) for delivery in deliveries]


async def get_delivery(*, session: AsyncSession, delivery_id: uuid.UUID) -> DeliveryRead:
    delivery = await session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        raise NotFound("webhook delivery not found", field="delivery_id")
    rows = await session.scalars(
        select(WebhookAttempt)
        .where(WebhookAttempt.delivery_id == delivery_id)
        .order_by(WebhookAttempt.at, WebhookAttempt.id)
    )
    return _read(delivery, [AttemptRead.model_validate(a) for a in rows])


def _read(delivery: WebhookDelivery, attempts: list[AttemptRead]) -> DeliveryRead:
    waiting = delivery.status in (DeliveryStatus.PENDING, DeliveryStatus.FAILED)
    return DeliveryRead(
        id=delivery.id,
        endpoint_id=delivery.endpoint_id,
        event_id=delivery.event_id,
        topic=delivery.topic,
        payload=delivery.payload,
        status=DeliveryStatus(delivery.status),
        attempts=delivery.attempts,
        next_attempt_at=delivery.next_attempt_at if waiting else None,
        last_status_code=delivery.last_status_code,
        last_error=delivery.last_error,
        created_at=delivery.created_at,
        delivered_at=delivery.delivered_at,
        attempt_log=attempts,
    )


async def replay(*, session: AsyncSession, delivery_id: uuid.UUID) -> DeliveryRead:
    """Queue a delivery again now, whatever its status (dead and delivered included), with a
    fresh retry schedule. The event id stays the same, so a receiver can still dedupe."""
    delivery = await session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        raise NotFound("webhook delivery not found", field="delivery_id")
    endpoint = await get_endpoint(session=session, endpoint_id=delivery.endpoint_id)
    if not endpoint.active:
        raise EndpointDisabled(
            "the endpoint is disabled; enable it (PATCH active=true) before replaying",
            field="delivery_id",
        )
    await session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id)
        .values(
            status=DeliveryStatus.PENDING,
            attempts=0,
            next_attempt_at=clock.now(),
            locked_until=None,
            lease=None,
        )
        .execution_options(synchronize_session=False)
    )
    await session.refresh(delivery)
    return await get_delivery(session=session, delivery_id=delivery_id)


async def prune(*, session: AsyncSession, older_than: timedelta) -> int:
    """Forget finished deliveries (delivered or dead) created more than ``older_than`` ago."""
    cutoff = clock.now() - older_than
    result = await session.execute(
        delete(WebhookDelivery).where(
            WebhookDelivery.status.in_([DeliveryStatus.DELIVERED, DeliveryStatus.DEAD]),
            WebhookDelivery.created_at < cutoff,
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)
