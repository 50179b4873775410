"""What every adapter's webhook does after its own verification and parsing: resolve the
channel (unknown code or another kind: 404), drop replays, hand each message to
``conversations.service.receive`` in one unit of work; and the HTTP helper senders share."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, ClassVar

import httpx
from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.channels import service as channels
from omnishop.conversations import service as conversations
from omnishop.conversations.service import Received
from omnishop.conversations.wire import InboundMessage, SendResult
from omnishop.kernel import clock
from omnishop.kernel.db import unit_of_work
from omnishop.kernel.errors import DomainError, Forbidden, NotFound
from omnishop.kernel.runtime import Database
from omnishop.messaging.config import MessagingSettings

# Bodies above this are refused before parsing: no platform sends webhooks this large.
MAX_BODY_BYTES = 1_000_000


class Malformed(DomainError):
    code: ClassVar[str] = "malformed_webhook"
    status: ClassVar[int] = 400
    title: ClassVar[str] = "Malformed webhook"


class BadSignature(Forbidden):
    code: ClassVar[str] = "bad_webhook_signature"
    title: ClassVar[str] = "Webhook signature does not match"


class Stale(DomainError):
    code: ClassVar[str] = "stale_webhook"
    status: ClassVar[int] = 400
    title: ClassVar[str] = "Webhook too old (replayed)"


def settings_of(request: Request) -> MessagingSettings:
    found: MessagingSettings = request.app.state.messaging_settings
    return found


def settings_for(request: Request, channel_code: str) -> MessagingSettings:
    """The credentials a webhook of ``channel_code`` is verified with (its overrides, if any)."""
    return settings_of(request).for_channel(channel_code)


async def raw_body(request: Request) -> bytes:
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        raise Malformed("body too large")
    return body


def json_object(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Malformed("body is not JSON") from exc
    if not isinstance(data, dict):
        raise Malformed("body is not a JSON object")
    return data


def fresh(
    messages: Sequence[InboundMessage], *, max_age: timedelta, now: datetime | None = None
) -> tuple[InboundMessage, ...]:
    """The messages young enough to be a real delivery; a delivery of only old ones is a
    replay (Stale). Statuses ride along: they only ever move a message forward."""
    now = now or clock.now()
    kept = tuple(m for m in messages if m.kind == "status" or now - m.sent_at <= max_age)
    if messages and not kept:
        raise Stale("every message in this delivery is older than the platform ever retries")
    return kept


# A channel's kind never changes (ChannelUpdate has no kind): remember it per process so a
# webhook does not read the channel twice (receive reads it again, and checks it is active).
KIND_TTL_SECONDS = 60.0
_kinds: dict[str, tuple[str, float]] = {}


async def _check_kind(session: AsyncSession, platform: str, channel_code: str) -> None:
    now = time.monotonic()
    cached = _kinds.get(channel_code)
    if cached is None or now - cached[1] > KIND_TTL_SECONDS:
        channel = await channels.get_by_code(session=session, code=channel_code)
        cached = _kinds[channel_code] = (channel.kind, now)
    if cached[0] != platform:
        raise NotFound(f"unknown {platform} channel {channel_code!r}", field="channel")


async def accept(
    request: Request, *, platform: str, channel_code: str, messages: Sequence[InboundMessage]
) -> list[Received]:
    """Store a verified, parsed delivery in one transaction; duplicates come back marked.
    Unknown (or archived) channel code, or a channel of another kind: NotFound (404)."""
    database: Database = request.app.state.database
    async with unit_of_work(database.sessions) as session:
        await _check_kind(session, platform, channel_code)
        if not messages:  # nothing we use: the code must still name a live channel
            await channels.get_by_code(session=session, code=channel_code)
        return [await conversations.receive(session=session, message=m) for m in messages]


async def check_channel(request: Request, *, platform: str, channel_code: str) -> None:
    """404 unless ``channel_code`` is an active channel of this platform (reads only)."""
    database: Database = request.app.state.database
    async with unit_of_work(database.sessions, writes=False) as session:
        await channels.get_by_code(session=session, code=channel_code)
        await _check_kind(session, platform, channel_code)


def result_of(response: httpx.Response, external_id: str | None) -> SendResult:
    """A platform's answer as a SendResult: 429 and 5xx may pass on retry, other 4xx not."""
    if response.is_success:
        return SendResult(external_id=external_id)
    retryable = response.status_code == 429 or response.status_code >= 500
    return SendResult(
        external_id=None,
        retryable=retryable,
        error=f"HTTP {response.status_code}: {response.text[:300]}",
        retry_after=retry_after_header(response),
    )


# A platform asking for more than this is capped: the send's own retry limit still applies.
MAX_RETRY_AFTER_SECONDS = 24 * 3600.0


def seconds(value: Any) -> float | None:
    """A positive number of seconds from a platform's answer (capped), or None."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if not number > 0:  # also refuses NaN
        return None
    return min(number, MAX_RETRY_AFTER_SECONDS)


def retry_after_header(response: httpx.Response) -> float | None:
    """``Retry-After`` (RFC 9110): delay-seconds or an HTTP-date; None when absent or junk."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    if value.strip().isdigit():
        return seconds(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return seconds((when - clock.now()).total_seconds())


def failed_call(exc: httpx.HTTPError) -> SendResult:
    """Network trouble (timeouts, refused connections) may pass on retry."""
    return SendResult(external_id=None, retryable=True, error=f"{type(exc).__name__}: {exc}"[:500])


def timestamp(value: Any, *, millis: bool = False) -> datetime:
    """A platform's epoch timestamp (seconds, or milliseconds for Messenger) as UTC."""
    try:
        number = float(value)
        return datetime.fromtimestamp(number / 1000 if millis else number, tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError) as exc:
        raise Malformed(f"bad timestamp {value!r}") from exc


def max_age(settings: MessagingSettings) -> timedelta:
    return timedelta(seconds=settings.max_age_seconds)
