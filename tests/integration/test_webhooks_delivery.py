"""Webhooks out, against a real HTTP receiver on 127.0.0.1: public events become signed
deliveries, failures are retried on the schedule and recorded, a day of failures disables
the endpoint (and says so), leases keep two senders apart, replays send the same event id."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import socket
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import delete, func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from omnishop.kernel import clock, events, outbox, schedule
from omnishop.kernel.db import make_sessionmaker, unit_of_work
from omnishop.kernel.outbox import OutboxEvent
from omnishop.webhooks import delivery, rules, service
from omnishop.webhooks import jobs as _jobs  # registers the outbox tap and the sender
from omnishop.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from omnishop.webhooks.schemas import EndpointCreate


@events.event
@dataclasses.dataclass(frozen=True)
class ThingPinged(events.Event):
    """A public test event (the real domains add theirs concurrently)."""

    topic = "test.webhooks.thing_pinged"
    public_topic = "test.pinged"
    thing_id: uuid.UUID
    poison: bool = False


@events.event
@dataclasses.dataclass(frozen=True)
class ThingTouched(events.Event):
    """An internal event: never leaves the process."""

    topic = "test.webhooks.thing_touched"
    thing_id: uuid.UUID


@dataclasses.dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    verified: bool

    @property
    def document(self) -> dict[str, Any]:
        result: dict[str, Any] = json.loads(self.body)
        return result


class Receiver:
    """A merchant's endpoint: checks every signature with the secrets it knows, answers with
    ``status`` (or what ``respond`` says), optionally slowly."""

    def __init__(self) -> None:
        self.url = ""
        self.secrets: list[str] = []
        self.received: list[Received] = []
        self.status = 200
        self.reply = "ok"
        self.delay = 0.0
        self.respond: Callable[[dict[str, Any]], int] | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        assert scope["type"] == "http"
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        now = int(clock.now().timestamp())
        header = headers.get("omnishop-signature", "")
        verified = any(rules.verify(s, header, body, now=now) for s in self.secrets)
        item = Received(headers=headers, body=body, verified=verified)
        self.received.append(item)
        if self.delay:
            await asyncio.sleep(self.delay)
        status = self.respond(item.document) if self.respond else self.status
        if not verified:
            status = 401
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"text/plain")],
            }
        )
        await send({"type": "http.response.body", "body": self.reply.encode()})


@asynccontextmanager
async def serving() -> AsyncIterator[Receiver]:
    """A real HTTP server on 127.0.0.1 with a random free port."""
    app = Receiver()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_level="warning"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    for _ in range(500):  # up to 5 s
        if server.started:
            break
        await asyncio.sleep(0.01)
    assert server.started, "the receiver did not start"
    app.url = f"http://127.0.0.1:{port}/hooks"
    try:
        yield app
    finally:
        server.should_exit = True
        await task
        sock.close()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with serving() as app:
        yield app


async def subscribe(
    sessions: async_sessionmaker[AsyncSession], receiver: Receiver, *topics: str
) -> WebhookEndpoint:
    async with unit_of_work(sessions) as session:
        endpoint = await service.create_endpoint(
            session=session,
            data=EndpointCreate(url=receiver.url, topics=list(topics or ["test.pinged"])),
        )
    receiver.secrets.append(endpoint.secret)
    return endpoint


async def publish(sessions: async_sessionmaker[AsyncSession], *items: events.Event) -> None:
    """Commit events and let the worker's outbox pass run the tap."""
    async with unit_of_work(sessions) as session:
        for item in items:
            await outbox.emit(session, item)
    await outbox.drain(sessions)


async def deliveries(
    sessions: async_sessionmaker[AsyncSession], endpoint_id: uuid.UUID
) -> list[WebhookDelivery]:
    async with sessions() as session:
        return list(
            await session.scalars(
                select(WebhookDelivery)
                .where(WebhookDelivery.endpoint_id == endpoint_id)
                .order_by(WebhookDelivery.id)
            )
        )


async def attempts(
    sessions: async_sessionmaker[AsyncSession], delivery_id: uuid.UUID
) -> list[WebhookAttempt]:
    async with sessions() as session:
        return list(
            await session.scalars(
                select(WebhookAttempt)
                .where(WebhookAttempt.delivery_id == delivery_id)
                .order_by(WebhookAttempt.at, WebhookAttempt.id)
            )
        )


async def endpoint_row(
    sessions: async_sessionmaker[AsyncSession], endpoint_id: uuid.UUID
) -> WebhookEndpoint:
    async with sessions() as session:
        row = await session.get(WebhookEndpoint, endpoint_id)
        assert row is not None
        return row


async def test_a_public_event_reaches_a_subscribed_endpoint_signed_with_its_outbox_id(
    sessions: async_sessionmaker[AsyncSession], receiver: Receiver
) -> None:
    endpoint = await subscribe(sessions, receiver)
    thing = uuid.uuid4()

    await publish(sessions, ThingPinged(thing_id=thing))
    sent = await delivery.send_due(sessions)

    assert sent == {"delivered": 1}
    [got] = receiver.received
    [row] = await deliveries(sessions, endpoint.id)
    assert got.verified
    assert got.headers["omnishop-event-id"] == str(row.event_id)
    assert got.headers["omnishop-event-type"] == "test.pinged"
    assert got.headers["content-type"] == "application/json"
    assert got.document["id"] == str(row.event_id)
    assert got.document["type"] == "test.pinged"
    assert got.document["data"] == {"thing_id": str(thing), "poison": False}
    assert datetime.fromisoformat(got.document["created_at"]).tzinfo is not None
    async with sessions() as session:
        assert await session.get(OutboxEvent, row.event_id) is not None
    assert (row.status, row.attempts, row.last_status_code) == ("delivered", 1, 200)
    assert row.delivered_at is not None
    [attempt] = await attempts(sessions, row.id)
    assert (attempt.status_code, attempt.error, attempt.response_excerpt) == (200, None, "ok")
    assert attempt.latency_ms >= 0


async def test_internal_events_unsubscribed_topics_and_inactive_endpoints_get_nothing(
    sessions: async_sessionmaker[AsyncSession], receiver: Receiver
) -> None:
    stock_only = await subscribe(sessions, receiver, "stock.changed")
    everything = await subscribe(sessions, receiver, "*")
    off = await subscribe(sessions, receiver, "*")
    async with unit_of_work(sessions) as session:
        row = await session.get(WebhookEndpoint, off.id)
        assert row is not None
        row.active = False

    await publish(sessions, ThingTouched(thing_id=uuid.uuid4()), ThingPinged(thing_id=uuid.uuid4()))
    await delivery.send_due(sessions)

    assert await deliveries(sessions, stock_only.id) == []
    assert [d.topic for d in await deliveries(sessions, everything.id)] == ["test.pinged"]
    assert await deliveries(sessions, off.id) == []
    assert len(receiver.received) == 1


async def test_the_same_event_tapped_twice_makes_one_delivery(
    sessions: async_sessionmaker[AsyncSession], receiver: Receiver
) -> None:
    endpoint = await subscribe(sessions, receiver)
    rows: list[tuple[uuid.UUID, events.Event]] = [
        (uuid.uuid4(), ThingPinged(thing_id=uuid.uuid4()))
    ]

    async with unit_of_work(sessions) as session:
        first = await delivery.fan_out(session, rows)
    async with unit_of_work(sessions) as session:
        await events.dispatch(session, rows)  # the outbox re-running a batch after a crash

    assert first == 1
    assert len(await deliveries(sessions, endpoint.id)) == 1


async def test_a_500_is_retried_after_the_backoff_and_every_attempt_is_recorded(
    sessions: async_sessionmaker[AsyncSession], receiver: Receiver
) -> None:
    start = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
    clock.freeze(start)
    endpoint = await subscribe(sessions, receiver)
    await publish(sessions, ThingPinged(thing_id=uuid.uuid4()))
    receiver.status, receiver.reply = 500, "boom " * 200

    first = await delivery.send_due(sessions)
    too_soon = await delivery.send_due(sessions)
    [failed] = await deliveries(sessions, endpoint.id)
    failing = await endpoint_row(sessions, endpoint.id)
    clock.freeze(failed.next_attempt_at)
    receiver.status, receiver.reply = 200, "thanks"
    second = await delivery.send_due(sessions)

    assert (first, too_soon, second) == ({"failed": 1}, {}, {"delivered": 1})
    assert failed.status == "failed" and failed.last_status_code == 500
    assert timedelta(minutes=1) <= failed.next_attempt_at - start <= timedelta(minutes=1.1)
    assert failing.failing_since == start
    [row] = await deliveries(sessions, endpoint.id)
    assert (row.status, row.attempts) == ("delivered", 2)
    log = await attempts(sessions, row.id)
    assert [a.status_code for a in log] == [500, 200]
    assert log[0].error == "HTTP 500"
    assert log[0].response_excerpt is not None and len(log[0].response_excerpt) == 500
    assert len({r.headers["omnishop-event-id"] for r in receiver.received}) == 1
    assert receiver.received[0].body == receiver.received[1].body
    assert (await endpoint_row(sessions, endpoint.id)).failing_since is None


async def test_a_delivery_that_always_fails_is_dead_after_the_schedule(
    sessions: async_sessionmaker[AsyncSession], receiver: Receiver
) -> None:
    # One poisonous event fails every time while others succeed: the endpoint stays on, the
    # event runs out of retries.
    moment = datetime(2025, 3, 1, tzinfo=UTC)
    clock.freeze(moment)
    endpoint = await subscribe(sessions, receiver)
    receiver.respond = lambda doc: 500 if doc["data"]["poison"] else 200
    await publish(sessions, ThingPinged(thing_id=uuid.uuid4(), poison=True))

    for round_ in range(rules.MAX_ATTEMPTS):
        if round_ % 10 == 0:  # a success now and then: the endpoint is not failing for a day
            await publish(sessions, ThingPinged(thing_id=uuid.uuid4()))
        await delivery.send_due(sessions)
        poisoned = (await deliveries(sessions, endpoint.id))[0]
        moment = max(moment, poisoned.next_attempt_at)
        clock.freeze(moment)

    poisoned = (await deliveries(sessions, endpoint.id))[0]
    assert (poisoned.status, poisoned.attempts) == ("dead", rules.MAX_ATTEMPTS)
    assert len(await attempts(sessions, poisoned.id)) == rules.MAX_ATTEMPTS
    assert moment - datetime(2025, 3, 1, tzinfo=UTC) >= timedelta(hours=24)
    assert (await endpoint_row(sessions, endpoint.id)).active
    clock.freeze(moment + timedelta(days=2))
    await delivery.send_due(sessions)
    assert len(await attempts(sessions, poisoned.id)) == rules.MAX_ATTEMPTS


async def test_an_endpoint_failing_for_a_day_is_disabled_and_the_merchant_notified(
    sessions: async_sessionmaker[AsyncSession], receiver: Receiver
) -> None:
    start = datetime(2025, 3, 1, tzinfo=UTC)
    clock.freeze(start)
    endpoint = await subscribe(sessions, receiver)
    receiver.status = 503
    await publish(sessions, ThingPinged(thing_id=uuid.uuid4()))
    await delivery.send_due(sessions)

    clock.freeze(start + timedelta(hours=23, minutes=59))
    await delivery.send_due(sessions)
    still_on = await endpoint_row(sessions, endpoint.id)
    clock.freeze(start + timedelta(hours=24, minutes=5))
    await delivery.send_due(sessions)
    off = await endpoint_row(sessions, endpoint.id)
    clock.freeze(start + timedelta(days=3))
    after = await delivery.send_due(sessions)

    assert still_on.active and still_on.failing_since == start
    assert not off.active
    assert off.disabled_reason is not None and "failed" in off.disabled_reason
    assert after == {}
    assert len(receiver.received) == 3
    async with sessions() as session:
        notices = list(
            await session.scalars(
                select(OutboxEvent).where(OutboxEvent.topic == "webhooks.endpoint_disabled")
            )
        )
    assert [n.payload["endpoint_id"] for n in notices] == [str(endpoint.id)]
    # Staff switch it back on: it gets a fresh day and the waiting delivery goes out.
    async with unit_of_work(sessions) as session:
        from omnishop.webhooks.schemas import EndpointUpdate

        await service.update_endpoint(
            session=session, endpoint_id=endpoint.id, data=EndpointUpdate(active=True)
        )
    receiver.status = 200
    assert await delivery.send_due(sessions) == {"delivered": 1}
    back = await endpoint_row(sessions, endpoint.id)
    assert back.active and back.disabled_reason is None and back.failing_since is None


async def test_a_leased_delivery_is_not_claimed_by_a_second_sender_until_the_lease_lapses(
    sessions: async_sessionmaker[AsyncSession], receiver: Receiver
) -> None:
    start = datetime(2025, 3, 1, tzinfo=UTC)
    clock.freeze(start)
    endpoint = await subscribe(sessions, receiver)
    await publish(sessions, ThingPinged(thing_id=uuid.uuid4()))

    async with unit_of_work(sessions) as session:
        mine = await delivery.claim(session)
    async with unit_of_work(sessions) as session:
        theirs = await delivery.claim(session)
    clock.freeze(start + delivery.LEASE + timedelta(seconds=1))
    async with unit_of_work(sessions) as session:
        retaken = await delivery.claim(session)
    ok = delivery.Outcome(status_code=200, latency_ms=5, error=None, excerpt="ok")
    async with unit_of_work(sessions) as session:
        stale = await delivery.record(session, mine[0], ok)
    async with unit_of_work(sessions) as session:
        current = await delivery.record(session, retaken[0], ok)

    assert (len(mine), theirs, len(retaken)) == (1, [], 1)
    assert (stale, current) == (None, "delivered")
    [row] = await deliveries(sessions, endpoint.id)
    assert (row.status, row.attempts) == ("delivered", 1)
    assert len(await attempts(sessions, row.id)) == 2  # both sends happened: both recorded


async def test_an_unreachable_endpoint_is_a_recorded_failure_not_a_crash(
    sessions: async_sessionmaker[AsyncSession], receiver: Receiver
) -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    closed_port = sock.getsockname()[1]
    sock.close()
    receiver.url = f"http://127.0.0.1:{closed_port}/nobody"
    endpoint = await subscribe(sessions, receiver)
    await publish(sessions, ThingPinged(thing_id=uuid.uuid4()))

    sent = await delivery.send_due(sessions)

    assert sent == {"failed": 1}
    [row] = await deliveries(sessions, endpoint.id)
    [attempt] = await attempts(sessions, row.id)
    assert attempt.status_code is None
    assert attempt.error is not None and "ConnectError" in attempt.error


async def test_a_slow_endpoint_times_out_and_is_retried(
    sessions: async_sessionmaker[AsyncSession], receiver: Receiver
) -> None:
    endpoint = await subscribe(sessions, receiver)
    await publish(sessions, ThingPinged(thing_id=uuid.uuid4()))
    receiver.delay = 1.0

    async with httpx.AsyncClient(timeout=httpx.Timeout(0.2)) as client:
        sent = await delivery.send_due(sessions, client=client)

    assert sent == {"failed": 1}
    [row] = await deliveries(sessions, endpoint.id)
    [attempt] = await attempts(sessions, row.id)
    assert attempt.error is not None and attempt.error.startswith("timeout")


async def test_many_due_deliveries_are_sent_concurrently_in_one_pass(
    sessions: async_sessionmaker[AsyncSession], receiver: Receiver
) -> None:
    endpoint = await subscribe(sessions, receiver)
    await publish(sessions, *(ThingPinged(thing_id=uuid.uuid4()) for _ in range(12)))
    receiver.delay = 0.2

    loop = asyncio.get_running_loop()
    began = loop.time()
    sent = await delivery.send_due(sessions, concurrency=12)
    took = loop.time() - began

    assert sent == {"delivered": 12}
    assert took < 12 * 0.2  # not one after another
    assert all(r.verified for r in receiver.received)
    async with sessions() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(WebhookDelivery)
            .where(
                WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.status == "delivered"
            )
        )
    assert count == 12


async def test_a_replay_sends_the_same_event_again_even_after_delivery(
    sessions: async_sessionmaker[AsyncSession], receiver: Receiver
) -> None:
    endpoint = await subscribe(sessions, receiver)
    await publish(sessions, ThingPinged(thing_id=uuid.uuid4()))
    await delivery.send_due(sessions)
    [row] = await deliveries(sessions, endpoint.id)

    async with unit_of_work(sessions) as session:
        queued = await service.replay(session=session, delivery_id=row.id)
    sent = await delivery.send_due(sessions)

    assert (queued.status, queued.attempts) == ("pending", 0)
    assert sent == {"delivered": 1}
    first, second = receiver.received
    assert first.headers["omnishop-event-id"] == second.headers["omnishop-event-id"]
    assert first.body == second.body
    assert len(await attempts(sessions, row.id)) == 2


async def test_after_a_rotation_requests_carry_both_signatures_for_a_day(
    sessions: async_sessionmaker[AsyncSession], receiver: Receiver
) -> None:
    start = datetime(2025, 3, 1, tzinfo=UTC)
    clock.freeze(start)
    endpoint = await subscribe(sessions, receiver)
    old_secret = endpoint.secret
    async with unit_of_work(sessions) as session:
        rotated = await service.rotate_secret(session=session, endpoint_id=endpoint.id)
    receiver.secrets = [old_secret]  # the receiver has not switched yet

    await publish(sessions, ThingPinged(thing_id=uuid.uuid4()))
    await delivery.send_due(sessions)
    clock.freeze(start + timedelta(hours=25))
    await publish(sessions, ThingPinged(thing_id=uuid.uuid4()))
    await delivery.send_due(sessions)

    during, after = receiver.received
    assert rotated.secret != old_secret
    assert during.verified
    assert rules.verify(
        rotated.secret,
        during.headers["omnishop-signature"],
        during.body,
        now=int(start.timestamp()),
    )
    assert not after.verified  # the old secret expired
    assert after.headers["omnishop-signature"].count("v1=") == 1


async def test_concurrent_senders_on_separate_connections_never_claim_one_delivery_twice(
    engine: AsyncEngine,
) -> None:
    # Real commits on real connections (not the test's rolled-back one): the lease must hold
    # between processes. Cleaned up at the end.
    factory = make_sessionmaker(engine)
    async with unit_of_work(factory) as session:
        endpoint = WebhookEndpoint(url="http://127.0.0.1:9/x", topics=["*"], secret="whsec_t")
        session.add(endpoint)
        await session.flush()
        session.add_all(
            WebhookDelivery(
                endpoint_id=endpoint.id, event_id=uuid.uuid4(), topic="test.pinged", payload={}
            )
            for _ in range(40)
        )

    async def sender() -> list[uuid.UUID]:
        try:
            async with unit_of_work(factory) as session:
                return [item.id for item in await delivery.claim(session, limit=15)]
        except OperationalError:  # SQLite: a writer lost the race; it claims nothing
            return []

    try:
        claims = await asyncio.gather(*(sender() for _ in range(4)))
        claimed = [delivery_id for batch in claims for delivery_id in batch]

        assert len(claimed) == len(set(claimed))
        assert claimed  # somebody won
        if engine.dialect.name == "postgresql":
            assert len(claimed) == 40  # SKIP LOCKED: every sender got its own rows
    finally:
        async with unit_of_work(factory) as session:
            await session.execute(delete(WebhookEndpoint).where(WebhookEndpoint.id == endpoint.id))


async def test_the_worker_job_sends_every_two_seconds_through_its_own_units_of_work(
    sessions: async_sessionmaker[AsyncSession], receiver: Receiver
) -> None:
    endpoint = await subscribe(sessions, receiver)
    await publish(sessions, ThingPinged(thing_id=uuid.uuid4()))

    async with unit_of_work(sessions) as session:
        await _jobs.send_due(session)

    assert schedule.JOBS["webhooks.send_due"].seconds == 2
    assert len(receiver.received) == 1
    [row] = await deliveries(sessions, endpoint.id)
    assert row.status == "delivered"
    assert _jobs.queue_deliveries in events.TAPS


async def test_finished_deliveries_are_pruned_after_30_days_and_deleting_an_endpoint_cascades(
    sessions: async_sessionmaker[AsyncSession], receiver: Receiver
) -> None:
    start = datetime(2025, 3, 1, tzinfo=UTC)
    clock.freeze(start)
    endpoint = await subscribe(sessions, receiver)
    receiver.respond = lambda doc: 500 if doc["data"]["poison"] else 200
    await publish(sessions, ThingPinged(thing_id=uuid.uuid4()))
    await publish(sessions, ThingPinged(thing_id=uuid.uuid4(), poison=True))
    await delivery.send_due(sessions)

    clock.freeze(start + timedelta(days=31))
    async with unit_of_work(sessions) as session:
        pruned = await service.prune(session=session, older_than=_jobs.KEEP_FINISHED)
    left = await deliveries(sessions, endpoint.id)
    async with unit_of_work(sessions) as session:
        await service.delete_endpoint(session=session, endpoint_id=endpoint.id)

    assert pruned == 1
    assert [d.status for d in left] == ["failed"]  # still retrying: kept
    assert await deliveries(sessions, endpoint.id) == []
    assert await attempts(sessions, left[0].id) == []
