"""Click & collect at the counter: staff mark a pickup order ready (the customer gets a code and
a QR), hand it over against that code, and orders nobody collects expire.

Ready does not move stock: the units stay committed at the location, so an expiry is an
ordinary cancellation (``orders.service.cancel`` releases them, the cancel handler voids or
refunds the payment). The hand-over ships the units from the location as a pickup shipment
and delivers it at once."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.kernel import clock, ids, outbox
from omnishop.kernel.db import unit_of_work
from omnishop.kernel.errors import NotFound
from omnishop.kernel.settings import get_settings
from omnishop.orders import loading
from omnishop.orders import pickup_rules as rules
from omnishop.orders.events import OrderCollected, OrderReadyForPickup
from omnishop.orders.models import Order
from omnishop.orders.pickup_models import Pickup
from omnishop.orders.pickup_rules import PickupStatus
from omnishop.orders.rules import SHIPPABLE, OrderStatus, TrackingStatus
from omnishop.orders.schemas import ShipmentCreate, TrackingEventCreate
from omnishop.orders.service import cancel
from omnishop.orders.shipping import add_tracking_event, create_shipment
from omnishop.payments import service as payments
from omnishop.payments.rules import Method

NOT_COLLECTED = "not collected"


@dataclass(frozen=True)
class PickupInfo:
    """A pickup as staff and the customer's status page see it. ``code`` is the plain code:
    show it only to the order's owner (by order token) or to staff."""

    order_id: uuid.UUID
    order_number: str
    location_id: uuid.UUID
    status: str
    code: str
    qr_payload: str
    attempts_left: int
    locked: bool
    ready_at: datetime
    expires_at: datetime
    collected_at: datetime | None


def _code(order_id: uuid.UUID, salt: str) -> str:
    return rules.pickup_code(get_settings().secret_key, str(order_id), salt)


def _info(pickup: Pickup, number: str) -> PickupInfo:
    code = _code(pickup.order_id, pickup.code_salt)
    return PickupInfo(
        order_id=pickup.order_id,
        order_number=number,
        location_id=pickup.location_id,
        status=pickup.status,
        code=code,
        qr_payload=rules.qr_payload(number, code),
        attempts_left=max(rules.MAX_ATTEMPTS - pickup.attempts, 0),
        locked=pickup.locked,
        ready_at=pickup.ready_at,
        expires_at=pickup.expires_at,
        collected_at=pickup.collected_at,
    )


def _pickup_location(order: Order) -> uuid.UUID:
    delivery = order.delivery or {}
    raw = delivery.get("pickup_location_id")
    if delivery.get("kind") != "pickup" or not raw:
        raise rules.NotAPickupOrder("this order is delivered, not collected", field="order_id")
    return uuid.UUID(str(raw))


async def _row(session: AsyncSession, order_id: uuid.UUID) -> Pickup | None:
    return await session.get(Pickup, order_id, populate_existing=True)


async def mark_ready(
    *, session: AsyncSession, order_id: uuid.UUID, actor: str = "staff"
) -> PickupInfo:
    """The order waits at its pickup location: it gets a code and ``order.ready_for_pickup``
    is emitted (the customer is told through their channel). Again on a ready order changes
    nothing, except on a locked one: then a new code is issued (and announced)."""
    order = await loading.lock(session, order_id)
    location_id = _pickup_location(order)
    pickup = await _row(session, order_id)
    if pickup is not None and not (pickup.status == PickupStatus.READY and pickup.locked):
        return _info(pickup, order.number)
    if order.status not in SHIPPABLE:
        raise rules.PickupNotReady(
            f"an order that is {order.status} cannot wait for pickup", field="order_id"
        )
    now = clock.now()
    if pickup is None:
        pickup = Pickup(
            order_id=order.id,
            location_id=location_id,
            status=PickupStatus.READY,
            code_salt=ids.new_token(16),
            attempts=0,
            locked=False,
            ready_at=now,
            expires_at=rules.expires_at(now, get_settings().pickup_hold_days),
        )
        session.add(pickup)
    else:  # locked by wrong codes: a new code, the same deadline
        pickup.code_salt = ids.new_token(16)
        pickup.attempts = 0
        pickup.locked = False
    await session.flush()
    await outbox.emit(
        session,
        OrderReadyForPickup(
            order_id=order.id,
            number=order.number,
            channel_id=order.channel_id,
            customer_id=str(order.customer_id) if order.customer_id else None,
            location_id=location_id,
            expires_at=pickup.expires_at.isoformat(),
            actor=actor,
        ),
    )
    return _info(pickup, order.number)


async def get(*, session: AsyncSession, order_id: uuid.UUID) -> PickupInfo:
    """The pickup of an order; 404 while it is not ready yet."""
    pickup = await _row(session, order_id)
    if pickup is None:
        raise NotFound("this order is not waiting for pickup", field="order_id")
    number = await session.scalar(select(Order.number).where(Order.id == order_id))
    return _info(pickup, str(number))


async def get_by_token(*, session: AsyncSession, token: str) -> PickupInfo:
    """The pickup of the order behind a buyer's status-page token (for the QR)."""
    order_id = await session.scalar(select(Order.id).where(Order.token == token))
    if order_id is None:
        raise NotFound("order not found", field="token")
    return await get(session=session, order_id=order_id)


async def handover(
    factory: async_sessionmaker[AsyncSession],
    *,
    order_id: uuid.UUID,
    code: str,
    actor: str = "staff",
) -> PickupInfo:
    """Hand the order over against its code. A wrong code is refused (422
    ``pickup_code_wrong``) and counted in its own committed unit of work, so retrying cannot
    reset it; the fifth locks the pickup (423 ``pickup_locked``). The right code collects."""
    given = rules.normalize_code(code)
    async with unit_of_work(factory) as session:
        await loading.lock(session, order_id)
        pickup = await _row(session, order_id)
        if pickup is None:
            raise rules.PickupNotReady("mark the order ready for pickup first", field="order_id")
        decided = rules.check_attempt(
            pickup.status,
            pickup.attempts,
            pickup.locked,
            _code(order_id, pickup.code_salt),
            given,
        )
        if decided.ok:
            return await _collect(session, pickup, actor)
        pickup.attempts, pickup.locked = decided.attempts, decided.locked
        await session.flush()
    if decided.locked:
        raise rules.PickupLocked(
            "too many wrong codes: issue a new code (mark the order ready again)", field="code"
        )
    raise rules.PickupCodeWrong(
        "this is not the order's pickup code", field="code", attempts_left=decided.left
    )


async def collect_at_counter(
    *, session: AsyncSession, order_id: uuid.UUID, actor: str = "staff"
) -> PickupInfo:
    """An in-store sale: the buyer is at the counter, so the order is ready and handed over
    at once (no code to check). Idempotent."""
    await mark_ready(session=session, order_id=order_id, actor=actor)
    pickup = await _row(session, order_id)
    assert pickup is not None
    if pickup.status == PickupStatus.COLLECTED:
        return await get(session=session, order_id=order_id)
    return await _collect(session, pickup, actor)


async def _collect(session: AsyncSession, pickup: Pickup, actor: str) -> PickupInfo:
    """Ship the units from the location as a pickup shipment and deliver it now (the order
    becomes delivered); cash for a pay-at-pickup order is collected at the same time."""
    order_id = pickup.order_id
    shipment = await create_shipment(
        session=session,
        order_id=order_id,
        data=ShipmentCreate(location_id=pickup.location_id),
        actor=actor,
    )
    now = clock.now()
    await add_tracking_event(
        session=session,
        shipment_id=shipment.id,
        data=TrackingEventCreate(
            status=TrackingStatus.DELIVERED,
            description="handed over at the counter",
            occurred_at=now,
            external_id=f"pickup:{order_id}",
        ),
    )
    order = await loading.lock(session, order_id)
    if order.payment_method == Method.PAY_AT_PICKUP and order.payment_id is not None:
        await payments.mark_collected(session=session, payment_id=order.payment_id)
    pickup.status = PickupStatus.COLLECTED
    pickup.collected_at = now
    pickup.collected_by = actor[:100]
    await session.flush()
    await outbox.emit(
        session,
        OrderCollected(
            order_id=order.id,
            number=order.number,
            channel_id=order.channel_id,
            customer_id=str(order.customer_id) if order.customer_id else None,
            location_id=pickup.location_id,
            actor=actor,
        ),
    )
    return _info(pickup, order.number)


async def expire_uncollected(*, session: AsyncSession, now: datetime, limit: int = 100) -> int:
    """Pickups nobody collected by their deadline: the order is canceled ("not collected"),
    its stock goes back on sale and the cancel handler voids or refunds the payment. Each
    pickup is claimed by a conditional UPDATE, so two workers never expire one twice."""
    due = list(
        await session.scalars(
            select(Pickup.order_id)
            .where(Pickup.status == PickupStatus.READY, Pickup.expires_at <= now)
            .order_by(Pickup.expires_at)
            .limit(limit)
        )
    )
    done = 0
    for order_id in due:
        # The order first, as every change of a pickup does (ready, hand-over): one lock order,
        # so an expiry racing a hand-over waits for it instead of deadlocking.
        await loading.lock(session, order_id)
        claimed = await session.execute(
            update(Pickup)
            .where(Pickup.order_id == order_id, Pickup.status == PickupStatus.READY)
            .values(status=PickupStatus.EXPIRED, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        if not claimed.rowcount:  # type: ignore[attr-defined]
            continue
        status = await session.scalar(select(Order.status).where(Order.id == order_id))
        if status != OrderStatus.CANCELED:
            await cancel(session=session, order_id=order_id, reason=NOT_COLLECTED, actor="system")
        done += 1
    await session.flush()
    return done
