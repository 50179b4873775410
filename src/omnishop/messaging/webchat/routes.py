"""The web chat widget's endpoints: the script, a session token, messages in, a live stream out.

Messages in go through ``conversations.service.receive`` as platform "webchat" (the client's
message id is the dedupe key, so a retried POST stores one message). Messages out are read
from the thread by an SSE stream: each event's id is the message id, and a reconnect with
``Last-Event-ID`` resumes strictly after it (``conversations.feed.after``), so nothing is
lost or repeated. ``?poll=1`` answers the backlog and closes (a polling fallback for
proxies that buffer streams).
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, ClassVar

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from omnishop.channels import service as channels
from omnishop.conversations import feed
from omnishop.conversations import service as conversations
from omnishop.conversations.live import conversation_channel
from omnishop.conversations.schemas import MessageInfo
from omnishop.conversations.service import Received
from omnishop.conversations.wire import InboundMessage
from omnishop.customers import identities
from omnishop.customers import tokens as customer_tokens
from omnishop.kernel import clock, wakeup
from omnishop.kernel.db import unit_of_work
from omnishop.kernel.errors import DomainError, NotFound, Unauthorized, ValidationFailed
from omnishop.kernel.runtime import Database
from omnishop.messaging.webchat import tokens
from omnishop.messaging.webchat.throttle import WidgetThrottle

router = APIRouter(tags=["webchat"])
SCRIPT = Path(__file__).parent / "static" / "widget.js"
CUSTOMER_COOKIE = "customer"  # the storefront's customer-token cookie
BATCH = 100
# A stream ends after this long; the browser reconnects with Last-Event-ID at once.
STREAM_SECONDS = 55.0
# With the realtime broadcaster a stream wakes at once; this poll is the safety net.
POLL_SECONDS = 1.0
HEARTBEAT_SECONDS = 15.0
# Re-read this far behind the cursor (a message committed late sorts before ones already
# sent; see feed.after). A thread never holds BATCH messages within it (20 a minute at most).
SETTLE = timedelta(seconds=5)
# Messages the widget shows: what people wrote, not platform bookkeeping.
HIDDEN_KINDS = frozenset({"status", "answer", "pre_checkout", "payment", "empty"})


class BadToken(Unauthorized):
    code: ClassVar[str] = "bad_webchat_token"
    title: ClassVar[str] = "Missing or invalid chat token"


class SessionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: str | None = Field(default=None, max_length=100)


class MessageIn(BaseModel):
    """One message from the widget: ``id`` is made by the browser so a retry is the same."""

    model_config = ConfigDict(extra="forbid")
    id: uuid.UUID
    text: str | None = Field(default=None, min_length=1, max_length=4000)
    payload: str | None = Field(default=None, min_length=1, max_length=200)


def _database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


def _secret(request: Request) -> str:
    return str(request.app.state.settings.secret_key)


async def _check_channel(request: Request, code: str) -> None:
    async with unit_of_work(_database(request).sessions, writes=False) as session:
        channel = await channels.get_by_code(session=session, code=code)
        if channel.kind != "webchat":
            raise NotFound(f"unknown webchat channel {code!r}", field="channel")


def _sender(request: Request, token: str | None) -> str:
    sender = tokens.read(_secret(request), token)
    if sender is None:
        raise BadToken("missing or invalid chat token")
    return sender


async def throttled(request: Request, sender: str) -> None:
    """Count one post of ``sender`` from this address; 429 (nothing stored) past the limits.
    One throttle per app, counting where ``OMNISHOP_RATE_LIMIT_URL`` says."""
    state = request.app.state
    if getattr(state, "webchat_throttle", None) is None:
        state.webchat_throttle = WidgetThrottle.from_url(state.settings.rate_limit_url)
    throttle: WidgetThrottle = state.webchat_throttle
    client = request.client.host if request.client else "unknown"
    await throttle.check(visitor=sender, client=client)


@router.get("/webchat/widget.js", include_in_schema=False)
async def widget_script() -> Response:
    return Response(
        SCRIPT.read_bytes(),
        media_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": "public, max-age=300"},
    )


@router.post("/webchat/{channel}/session")
async def open_session(request: Request, channel: str, body: SessionIn) -> JSONResponse:
    """A token for this browser: the signed-in customer's own thread, the visitor's token it
    already holds, or a new visitor."""
    await _check_channel(request, channel)
    signed_in = False
    sender: str | None = None
    cookie = request.cookies.get(CUSTOMER_COOKIE)
    if cookie:
        async with unit_of_work(_database(request).sessions, writes=False) as session:
            try:
                customer = await customer_tokens.authenticate(session=session, token=cookie)
                sender, signed_in = tokens.customer_sender(customer.id), True
            except DomainError:
                sender = None
    if sender is None:
        sender = tokens.read(_secret(request), body.token) or tokens.visitor_sender()
    return JSONResponse(
        {"token": tokens.issue(_secret(request), sender), "signed_in": signed_in},
        headers={"Cache-Control": "no-store"},
    )


@router.post("/webchat/{channel}/messages", status_code=202)
async def post_message(
    request: Request,
    channel: str,
    body: MessageIn,
    authorization: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    """Store the visitor's message (or button press); the bot or an operator answers."""
    sender = _sender(request, bearer(authorization))
    if (body.text is None) == (body.payload is None):
        raise ValidationFailed("send either text or payload", field="text")
    await throttled(request, sender)
    await _check_channel(request, channel)
    message = InboundMessage(
        platform="webchat",
        channel_code=channel,
        external_id=f"{sender}:{body.id}",
        sender_id=sender,
        kind="text" if body.text is not None else "button",
        sent_at=clock.now(),
        text=body.text,
        payload=body.payload,
        profile={"language_code": request.headers.get("accept-language", "")[:2]},
    )
    received = await store(request, channel, sender, message)
    return accepted(received)


async def store(request: Request, channel: str, sender: str, message: InboundMessage) -> Received:
    """Hand one message to ``conversations.receive`` in its own unit of work."""
    async with unit_of_work(_database(request).sessions) as session:
        customer_id = tokens.customer_of(sender)
        if customer_id is not None:
            # The storefront's customer token proved who this is: the thread is theirs.
            found = await identities.sign_in(
                session=session, kind="webchat", external_id=sender, source_channel=channel
            )
            if found.customer_id != customer_id:
                await identities.attach(
                    session=session, identity_id=found.id, customer_id=customer_id
                )
        return await conversations.receive(session=session, message=message)


def accepted(received: Received) -> JSONResponse:
    return JSONResponse(
        {
            "message_id": str(received.message_id) if received.message_id else None,
            "conversation_id": str(received.conversation_id) if received.conversation_id else None,
            "duplicate": received.duplicate,
        },
        status_code=202,
    )


def bearer(authorization: str | None) -> str | None:
    return authorization[7:] if authorization and authorization.startswith("Bearer ") else None


def widget_message(info: MessageInfo) -> dict[str, Any]:
    """What the widget draws for one message."""
    body = info.body
    return {
        "id": str(info.id),
        "mine": info.direction == "in",
        "author": info.author,
        "kind": info.kind,
        "text": body.get("text"),
        "payload": body.get("payload"),
        "buttons": body.get("buttons", []),
        "cards": body.get("cards", []),
        "image_url": body.get("image_url") or (body.get("media") or {}).get("url"),
        "location": body.get("location"),
        "at": info.created_at.isoformat(),
    }


def _cursor(value: str | None) -> uuid.UUID | None:
    if not value:
        return None
    try:
        return uuid.UUID(value)
    except ValueError as exc:
        raise ValidationFailed("Last-Event-ID is not a message id", field="after") from exc


async def _thread_id(request: Request, channel: str, sender: str) -> uuid.UUID | None:
    async with unit_of_work(_database(request).sessions, writes=False) as session:
        found = await conversations.find_thread(
            session=session, channel_code=channel, sender_id=sender
        )
    return found.id if found else None


async def _batch(
    request: Request, thread: uuid.UUID, cursor: uuid.UUID | None
) -> list[MessageInfo]:
    async with unit_of_work(_database(request).sessions, writes=False) as session:
        return await feed.after(
            session=session, conversation_id=thread, cursor=cursor, limit=BATCH, overlap=SETTLE
        )


def _event(info: MessageInfo) -> str:
    data = json.dumps(widget_message(info), ensure_ascii=False, separators=(",", ":"))
    return f"id: {info.id}\nevent: message\ndata: {data}\n\n"


@router.get("/webchat/{channel}/events")
async def events(
    request: Request,
    channel: str,
    token: Annotated[str | None, Query(max_length=100)] = None,
    after: Annotated[str | None, Query(max_length=40)] = None,
    poll: bool = False,
    last_event_id: Annotated[str | None, Header()] = None,
) -> StreamingResponse:
    """Server-sent events: every message of the visitor's thread after the cursor."""
    sender = _sender(request, token)
    await _check_channel(request, channel)
    cursor = _cursor(last_event_id or after)

    async def stream() -> AsyncIterator[str]:
        nonlocal cursor
        yield "retry: 2000\n\n"
        loop = asyncio.get_running_loop()
        started = idle = loop.time()
        thread = await _thread_id(request, channel, sender)
        while thread is None:  # nothing said yet: wait for the first message
            if poll or loop.time() - started > STREAM_SECONDS or await request.is_disconnected():
                return
            await asyncio.sleep(POLL_SECONDS)
            thread = await _thread_id(request, channel, sender)
        sent: set[uuid.UUID] = set()  # the re-read overlap repeats these: skip them
        resumed = cursor
        async with wakeup.listening(None if poll else conversation_channel(thread)) as woken:
            while True:
                batch = await _batch(request, thread, cursor)
                if resumed is not None:  # the client holds the resume point and what came before
                    ids = [i.id for i in batch]
                    if resumed in ids:
                        sent.update(ids[: ids.index(resumed) + 1])
                    resumed = None
                batch = [i for i in batch if i.id not in sent]
                for info in batch:
                    cursor = info.id
                    sent.add(info.id)
                    if info.kind not in HIDDEN_KINDS:
                        yield _event(info)
                if poll and len(batch) < BATCH:
                    return
                now = loop.time()
                if batch:
                    idle = now
                elif now - idle > HEARTBEAT_SECONDS:
                    idle = now
                    yield ": keep-alive\n\n"
                if now - started > STREAM_SECONDS or await request.is_disconnected():
                    return
                if len(batch) < BATCH:
                    await woken.wait(POLL_SECONDS)

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
