"""Webhooks out: public events become deliveries; the sender posts them, signed, and retries.

Sending is never inside a database transaction: claim due rows (a lease, one short unit of
work) -> HTTP outside any transaction -> record each outcome in its own unit of work. The
lease is a conditional UPDATE like the outbox's, so several workers never send one delivery
at the same time; a worker that dies mid-send loses its lease after ``LEASE`` and the row is
sent again (at-least-once; receivers dedupe on ``Omnishop-Event-Id``).
"""

from __future__ import annotations

import asyncio
import json
import random
import ssl
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

import httpx
from sqlalchemy import Table, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.kernel import clock, ids, outbox
from omnishop.kernel.db import insert_for, unit_of_work
from omnishop.kernel.events import Event
from omnishop.kernel.logging import get_logger
from omnishop.webhooks import rules
from omnishop.webhooks.events import WebhookEndpointDisabled
from omnishop.webhooks.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)

log = get_logger(__name__)
TIMEOUT = httpx.Timeout(10.0)
CONCURRENCY = 10
BATCH = 50
# Longer than a whole batch can take (BATCH / CONCURRENCY * 10 s timeouts) with room to spare.
LEASE = timedelta(minutes=5)
MAX_RESPONSE_BYTES = 2048
USER_AGENT = "omnishop-webhooks/1"
_tls: ssl.SSLContext | None = None


def _tls_context() -> ssl.SSLContext:
    # Building a verifying context loads the CA bundle (tens of ms): once per process.
    global _tls
    if _tls is None:
        _tls = ssl.create_default_context()
    return _tls


# --- fan-out: the outbox tap -------------------------------------------------------------


async def fan_out(session: AsyncSession, rows: list[tuple[uuid.UUID, Event]]) -> int:
    """Turn public events into one delivery per subscribed active endpoint, inside the
    outbox's transaction. Insert-if-absent on (endpoint, event): re-runs add nothing.
    Returns how many deliveries were new."""
    public = [(event_id, item) for event_id, item in rows if item.public_topic]
    if not public:
        return 0
    endpoints = list(
        await session.execute(
            select(WebhookEndpoint.id, WebhookEndpoint.topics).where(
                WebhookEndpoint.active.is_(True)
            )
        )
    )
    if not endpoints:
        return 0
    occurred = dict(
        list(
            await session.execute(
                select(outbox.OutboxEvent.id, outbox.OutboxEvent.created_at).where(
                    outbox.OutboxEvent.id.in_([event_id for event_id, _ in public])
                )
            )
        )
    )
    now = clock.now()
    values: list[dict[str, Any]] = []
    for event_id, item in public:
        for endpoint_id, topics in endpoints:
            if "*" in topics or item.public_topic in topics:
                values.append(
                    {
                        "id": ids.new_id(),
                        "endpoint_id": endpoint_id,
                        "event_id": event_id,
                        "topic": item.public_topic,
                        "payload": item.to_payload(),
                        "occurred_at": occurred.get(event_id, now),
                        "status": DeliveryStatus.PENDING,
                        "attempts": 0,
                        "next_attempt_at": now,
                        "created_at": now,
                    }
                )
    if not values:
        return 0
    insert = insert_for(session)
    table = cast(Table, WebhookDelivery.__table__)
    created = 0
    for start in range(0, len(values), 500):
        statement = (
            insert(table)
            .values(values[start : start + 500])
            .on_conflict_do_nothing(index_elements=["endpoint_id", "event_id"])
            .returning(table.c.id)
        )
        created += len(list(await session.scalars(statement)))
    return created


# --- sending -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Claimed:
    """A delivery this worker holds the lease of, with what it needs to send it."""

    id: uuid.UUID
    lease: uuid.UUID
    endpoint_id: uuid.UUID
    url: str
    secrets: tuple[str, ...]
    event_id: uuid.UUID
    topic: str
    attempts: int
    body: bytes


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    latency_ms: int
    error: str | None
    excerpt: str | None

    @property
    def ok(self) -> bool:
        return rules.succeeded(self.status_code)


def body_of(
    event_id: uuid.UUID, topic: str, occurred_at: datetime, payload: dict[str, Any]
) -> bytes:
    """The JSON body receivers get; the same bytes on every retry of an event."""
    document = {
        "id": str(event_id),
        "type": topic,
        "created_at": occurred_at.isoformat(),
        "data": payload,
    }
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()


def _due(now: datetime) -> Any:
    return (
        select(WebhookDelivery.id)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(
            WebhookDelivery.status.in_([DeliveryStatus.PENDING, DeliveryStatus.FAILED]),
            WebhookDelivery.next_attempt_at <= now,
            or_(WebhookDelivery.locked_until.is_(None), WebhookDelivery.locked_until < now),
            WebhookEndpoint.active.is_(True),
        )
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
    )


async def claim(session: AsyncSession, *, limit: int = BATCH) -> list[Claimed]:
    """Lease up to ``limit`` due deliveries of active endpoints for this worker."""
    now = clock.now()
    lease = uuid.uuid4()
    due = _due(now).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        # Rows another worker is claiming right now are skipped, not waited for.
        candidates = list(
            await session.scalars(due.with_for_update(skip_locked=True, of=WebhookDelivery))
        )
    else:
        candidates = list(await session.scalars(due))
    if not candidates:
        return []
    # The condition is repeated in the UPDATE: only rows still free are won (SQLite has no
    # SKIP LOCKED; its single writer makes this UPDATE the arbiter).
    won = list(
        await session.scalars(
            update(WebhookDelivery)
            .where(
                WebhookDelivery.id.in_(candidates),
                WebhookDelivery.status.in_([DeliveryStatus.PENDING, DeliveryStatus.FAILED]),
                or_(WebhookDelivery.locked_until.is_(None), WebhookDelivery.locked_until < now),
            )
            .values(locked_until=now + LEASE, lease=lease)
            .returning(WebhookDelivery.id)
            .execution_options(synchronize_session=False)
        )
    )
    if not won:
        return []
    rows = await session.execute(
        select(WebhookDelivery, WebhookEndpoint)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(WebhookDelivery.id.in_(won))
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
    )
    claimed = []
    for delivery, endpoint in rows:
        secrets = [endpoint.secret]
        expires = endpoint.previous_secret_expires_at
        if endpoint.previous_secret and expires is not None and expires > now:
            secrets.append(endpoint.previous_secret)
        claimed.append(
            Claimed(
                id=delivery.id,
                lease=lease,
                endpoint_id=endpoint.id,
                url=endpoint.url,
                secrets=tuple(secrets),
                event_id=delivery.event_id,
                topic=delivery.topic,
                attempts=delivery.attempts,
                body=body_of(
                    delivery.event_id, delivery.topic, delivery.occurred_at, delivery.payload
                ),
            )
        )
    return claimed


async def post(client: httpx.AsyncClient, item: Claimed) -> Outcome:
    """One signed POST; never raises (a network error is an outcome like a 500)."""
    timestamp = int(clock.now().timestamp())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        rules.SIGNATURE_HEADER: rules.sign(item.secrets, timestamp, item.body),
        rules.EVENT_ID_HEADER: str(item.event_id),
        rules.EVENT_TYPE_HEADER: item.topic,
    }
    started = time.perf_counter()
    try:
        async with client.stream("POST", item.url, content=item.body, headers=headers) as resp:
            # Read only the start of the answer: an endpoint can't make us buffer megabytes.
            chunks: list[bytes] = []
            size = 0
            async for chunk in resp.aiter_raw():
                chunks.append(chunk)
                size += len(chunk)
                if size >= MAX_RESPONSE_BYTES:
                    break
            raw = b"".join(chunks)[:MAX_RESPONSE_BYTES]
            text = raw.decode(resp.encoding or "utf-8", errors="replace")
            return Outcome(
                status_code=resp.status_code,
                latency_ms=_ms(started),
                error=None if rules.succeeded(resp.status_code) else f"HTTP {resp.status_code}",
                excerpt=rules.excerpt(text),
            )
    except httpx.TimeoutException as exc:
        return Outcome(None, _ms(started), f"timeout: {type(exc).__name__}", None)
    except httpx.HTTPError as exc:
        return Outcome(None, _ms(started), f"{type(exc).__name__}: {exc}"[:1000], None)


def _ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)


async def record(session: AsyncSession, item: Claimed, outcome: Outcome) -> str | None:
    """Store an attempt and move the delivery on (delivered / retry later / dead); track the
    endpoint's run of failures and switch it off after a day. Returns the new status, or
    ``None`` if the delivery is gone or the lease was lost (the attempt is kept if it can)."""
    now = clock.now()
    attempts = item.attempts + 1
    values: dict[str, Any] = {
        "attempts": attempts,
        "last_status_code": outcome.status_code,
        "last_error": outcome.error,
        "locked_until": None,
        "lease": None,
    }
    if outcome.ok:
        values |= {"status": DeliveryStatus.DELIVERED, "delivered_at": now}
    else:
        delay = rules.retry_delay(attempts, random.random())  # jitter, not secrecy
        if delay is None:
            values["status"] = DeliveryStatus.DEAD
        else:
            values |= {"status": DeliveryStatus.FAILED, "next_attempt_at": now + delay}
    moved = await session.scalar(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == item.id, WebhookDelivery.lease == item.lease)
        .values(**values)
        .returning(WebhookDelivery.id)
        .execution_options(synchronize_session=False)
    )
    exists = moved is not None or await session.get(WebhookDelivery, item.id) is not None
    if exists:
        session.add(
            WebhookAttempt(
                delivery_id=item.id,
                at=now,
                status_code=outcome.status_code,
                latency_ms=outcome.latency_ms,
                error=outcome.error,
                response_excerpt=outcome.excerpt,
            )
        )
    if outcome.ok:
        await session.execute(
            update(WebhookEndpoint)
            .where(
                WebhookEndpoint.id == item.endpoint_id, WebhookEndpoint.failing_since.is_not(None)
            )
            .values(failing_since=None)
            .execution_options(synchronize_session=False)
        )
    else:
        await _count_failure(session, item, now)
    await session.flush()
    return str(values["status"]) if moved is not None else None


async def _count_failure(session: AsyncSession, item: Claimed, now: datetime) -> None:
    await session.execute(
        update(WebhookEndpoint)
        .where(WebhookEndpoint.id == item.endpoint_id, WebhookEndpoint.failing_since.is_(None))
        .values(failing_since=now)
        .execution_options(synchronize_session=False)
    )
    reason = f"every delivery failed for {rules.DISABLE_AFTER} (last: {item.url})"
    # Conditional: of several workers recording failures at once, one switches it off and
    # announces it.
    disabled = await session.scalar(
        update(WebhookEndpoint)
        .where(
            WebhookEndpoint.id == item.endpoint_id,
            WebhookEndpoint.active.is_(True),
            WebhookEndpoint.failing_since <= now - rules.DISABLE_AFTER,
        )
        .values(active=False, disabled_reason=reason, updated_at=now)
        .returning(WebhookEndpoint.id)
        .execution_options(synchronize_session=False)
    )
    if disabled is not None:
        log.warning("webhook endpoint disabled", endpoint_id=str(item.endpoint_id), url=item.url)
        await outbox.emit(
            session,
            WebhookEndpointDisabled(endpoint_id=item.endpoint_id, url=item.url, reason=reason),
        )


async def send_due(
    factory: async_sessionmaker[AsyncSession],
    *,
    limit: int = BATCH,
    concurrency: int = CONCURRENCY,
    client: httpx.AsyncClient | None = None,
) -> dict[str, int]:
    """Send one batch of due deliveries; returns how many ended in each status."""
    async with unit_of_work(factory) as session:
        claimed = await claim(session, limit=limit)
    if not claimed:
        return {}
    gate = asyncio.Semaphore(concurrency)

    async def one(http: httpx.AsyncClient, item: Claimed) -> Outcome:
        async with gate:
            return await post(http, item)

    if client is None:
        async with httpx.AsyncClient(
            timeout=TIMEOUT, follow_redirects=False, verify=_tls_context()
        ) as http:
            outcomes = await asyncio.gather(*(one(http, item) for item in claimed))
    else:
        outcomes = await asyncio.gather(*(one(client, item) for item in claimed))
    tally: dict[str, int] = {}
    for item, outcome in zip(claimed, outcomes, strict=True):
        # One unit of work per delivery: one failure to record cannot undo the others.
        try:
            async with unit_of_work(factory) as session:
                status = await record(session, item, outcome)
        except Exception as exc:
            log.error("webhook attempt not recorded", delivery_id=str(item.id), error=repr(exc))
            continue
        if status is not None:
            tally[status] = tally.get(status, 0) + 1
    return tally
