"""Web push subscriptions: opt-in, opt-out, and sending an encrypted notification (VAPID).

The storefront subscribes a browser after an order; the orders domain's worker handler asks
for the order's targets and delivers through ``deliver`` after commit."""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass
from typing import Any

import aiohttp
from pywebpush import WebPushException, webpush_async
from sqlalchemy import delete, exists, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from omnishop.customers import push_rules
from omnishop.customers.push_models import PushDelivery, PushOrderLink, PushSubscription
from omnishop.customers.push_rules import Outcome
from omnishop.kernel import clock, i18n
from omnishop.kernel.errors import ValidationFailed
from omnishop.kernel.logging import get_logger
from omnishop.kernel.security import hash_secret
from omnishop.kernel.settings import Settings

log = get_logger(__name__)


@dataclass(frozen=True)
class Target:
    """Where to push one notification."""

    subscription_id: uuid.UUID
    endpoint: str
    p256dh: str
    auth: str
    locale: str


@dataclass(frozen=True)
class PushMessage:
    title: str
    body: str
    url: str
    tag: str  # a newer push with the same tag replaces the older on the device

    def to_json(self) -> str:
        return json.dumps(
            {"title": self.title, "body": self.body, "url": self.url, "tag": self.tag},
            ensure_ascii=False,
        )


async def subscribe(
    *,
    session: AsyncSession,
    endpoint: str,
    p256dh: str,
    auth: str,
    locale: str,
    customer_id: uuid.UUID | None = None,
    order_id: uuid.UUID | None = None,
    allow_http_localhost: bool = False,
) -> uuid.UUID:
    """Opt a browser in (again): one row per endpoint, keys refreshed; linked to the signed-in
    customer and/or to the order whose confirmation page asked. Returns the subscription id."""
    problem = push_rules.endpoint_problem(endpoint, allow_http_localhost=allow_http_localhost)
    if problem:
        raise ValidationFailed(problem, field="endpoint")
    if problem := push_rules.keys_problem(p256dh, auth):
        raise ValidationFailed(problem, field="keys")
    key = hash_secret(endpoint)
    locale = i18n.normalize(locale) or i18n.DEFAULT_LOCALE
    row = await session.scalar(
        select(PushSubscription).where(PushSubscription.endpoint_hash == key)
    )
    if row is None:
        try:
            async with session.begin_nested():
                row = PushSubscription(
                    endpoint_hash=key,
                    endpoint=endpoint,
                    p256dh=p256dh,
                    auth=auth,
                    locale=locale,
                    customer_id=customer_id,
                )
                session.add(row)
                await session.flush()
        except IntegrityError:  # the same browser subscribed twice at once
            row = await session.scalar(
                select(PushSubscription).where(PushSubscription.endpoint_hash == key)
            )
            if row is None:
                raise
    row.p256dh, row.auth, row.locale = p256dh, auth, locale
    if customer_id is not None:
        row.customer_id = customer_id
    await session.flush()
    if order_id is not None:
        linked = await session.scalar(
            select(
                exists().where(
                    PushOrderLink.subscription_id == row.id, PushOrderLink.order_id == order_id
                )
            )
        )
        if not linked:
            session.add(PushOrderLink(subscription_id=row.id, order_id=order_id))
            await session.flush()
    return row.id


async def unsubscribe(*, session: AsyncSession, endpoint: str) -> bool:
    """Forget a browser's subscription (and its order links). Idempotent."""
    done = await session.execute(
        delete(PushSubscription)
        .where(PushSubscription.endpoint_hash == hash_secret(endpoint))
        .execution_options(synchronize_session=False)
    )
    return bool(done.rowcount)  # type: ignore[attr-defined]


async def targets_for_order(
    *, session: AsyncSession, order_id: uuid.UUID, customer_id: uuid.UUID | None, key: str
) -> list[Target]:
    """The subscriptions to notify about an order — its customer's and those opted in on its
    confirmation page — less those that already got the notification ``key``."""
    linked = select(PushOrderLink.subscription_id).where(PushOrderLink.order_id == order_id)
    whose: list[ColumnElement[bool]] = [PushSubscription.id.in_(linked)]
    if customer_id is not None:
        whose.append(PushSubscription.customer_id == customer_id)
    sent = select(PushDelivery.subscription_id).where(PushDelivery.key == key)
    rows = await session.scalars(
        select(PushSubscription)
        .where(or_(*whose), PushSubscription.id.not_in(sent))
        .order_by(PushSubscription.created_at)
    )
    return [Target(r.id, r.endpoint, r.p256dh, r.auth, r.locale) for r in rows]


async def record(*, session: AsyncSession, key: str, outcomes: dict[uuid.UUID, Outcome]) -> None:
    """Remember what was sent (so a redelivered event does not push twice) and delete the
    subscriptions the push service called gone."""
    now = clock.now()
    sent = [sid for sid, outcome in outcomes.items() if outcome is Outcome.SENT]
    gone = [sid for sid, outcome in outcomes.items() if outcome is Outcome.GONE]
    for sid in sent:
        try:
            async with session.begin_nested():
                session.add(PushDelivery(subscription_id=sid, key=key, sent_at=now))
                await session.flush()
        except IntegrityError:  # recorded by an earlier, overlapping run, or deleted since
            pass
    if sent:
        await session.execute(
            update(PushSubscription)
            .where(PushSubscription.id.in_(sent))
            .values(last_sent_at=now)
            .execution_options(synchronize_session=False)
        )
    if gone:
        await session.execute(
            delete(PushSubscription)
            .where(PushSubscription.id.in_(gone))
            .execution_options(synchronize_session=False)
        )
    await session.flush()


async def deliver(
    targets: list[Target], messages: dict[str, PushMessage], *, settings: Settings
) -> dict[uuid.UUID, Outcome]:
    """Encrypt and POST each target's message (by its locale) to its push service, at once.
    No database work here: call it outside any transaction."""
    if not targets:
        return {}
    timeout = aiohttp.ClientTimeout(total=settings.push_timeout_seconds)
    async with aiohttp.ClientSession(timeout=timeout) as http:
        results = await asyncio.gather(
            *(
                _send(http, t, messages.get(t.locale) or next(iter(messages.values())), settings)
                for t in targets
            )
        )
    return {t.subscription_id: outcome for t, outcome in zip(targets, results, strict=True)}


async def _send(
    http: aiohttp.ClientSession, target: Target, message: PushMessage, settings: Settings
) -> Outcome:
    info: dict[str, Any] = {
        "endpoint": target.endpoint,
        "keys": {"p256dh": target.p256dh, "auth": target.auth},
    }
    status: int | None
    try:
        response = await webpush_async(
            info,
            data=message.to_json(),
            vapid_private_key=settings.vapid_private_key,
            vapid_claims={"sub": settings.vapid_subject},
            ttl=24 * 3600,
            headers={"Urgency": "normal", "Topic": message.tag[:32]},
            aiohttp_session=http,
        )
        status = response.status if isinstance(response, aiohttp.ClientResponse) else 201
    except WebPushException as exc:
        status = exc.status_code
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        log.warning("push.unreachable", endpoint=target.endpoint[:60], error=repr(exc))
        status = None
    outcome = push_rules.outcome_of(status)
    if outcome is not Outcome.SENT:
        log.info("push.not_sent", status=status, outcome=str(outcome))
    return outcome
