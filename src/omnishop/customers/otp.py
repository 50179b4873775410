"""Passwordless sign-in: a one-time code by email or SMS, then a customer token.

Codes are random, kept only as a keyed hash, live 10 minutes and allow 5 tries; sending is
rate-limited per destination and per client address (``limits``: in-process memory by
default, a shared storage with several processes). Delivery is an outbox event.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from limits import parse
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.customers import otp_rules
from omnishop.customers.account_models import SignInCode
from omnishop.customers.events import SignInCodeRequested
from omnishop.customers.models import Customer
from omnishop.kernel import clock, ids, outbox
from omnishop.kernel.errors import RateLimited
from omnishop.kernel.security import constant_time_equals

SEND_RATE_PER_DESTINATION = "3/10 minutes"
SEND_RATE_PER_CLIENT = "10/hour"


class TooManyCodes(RateLimited):
    code: ClassVar[str] = "sign_in_rate_limited"
    title: ClassVar[str] = "Too many sign-in codes requested"


def limit_storage(url: str) -> Storage:
    """Counters' storage from ``OMNISHOP_RATE_LIMIT_URL``: ``memory://`` (one process) or
    ``redis://`` / ``rediss://`` (shared by every process; redis-py, already a dependency)."""
    if url.startswith("memory://"):
        return MemoryStorage()
    if url.startswith(("redis://", "rediss://")):
        storage = storage_from_string(
            f"async+{url}", implementation="redispy", key_prefix="omnishop-limits"
        )
        assert isinstance(storage, Storage)
        return storage
    raise ValueError(f"rate_limit_url must be memory:// or redis://, not {url.split(':')[0]!r}")


class SendThrottle:
    """How often codes may be sent: per destination and per client address."""

    def __init__(self, storage: Storage | None = None) -> None:
        self._limiter = MovingWindowRateLimiter(storage or MemoryStorage())
        self._per_destination = parse(SEND_RATE_PER_DESTINATION)
        self._per_client = parse(SEND_RATE_PER_CLIENT)

    @classmethod
    def from_url(cls, url: str) -> SendThrottle:
        """A throttle counting in ``url`` (see ``limit_storage``)."""
        return cls(limit_storage(url))

    async def check(self, *, destination: str, client: str) -> None:
        """Count one send; 429 ``sign_in_rate_limited`` when either limit is reached."""
        ok_destination = await self._limiter.hit(self._per_destination, "otp", destination)
        ok_client = await self._limiter.hit(self._per_client, "otp-client", client)
        if not (ok_destination and ok_client):
            raise TooManyCodes("too many codes were requested; wait a few minutes")


async def request_code(
    *, session: AsyncSession, destination: str, locale: str, key: str
) -> otp_rules.Destination:
    """Issue a code for ``destination`` (an email or phone) and ask for its delivery; earlier
    unused codes of the destination stop working. The caller throttles first."""
    where = otp_rules.destination(destination)
    now = clock.now()
    await session.execute(
        update(SignInCode)
        .where(SignInCode.destination == where.value, SignInCode.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    code = otp_rules.new_code()
    code_id = ids.new_id()
    session.add(
        SignInCode(
            id=code_id,
            destination=where.value,
            kind=where.kind,
            code_hash=otp_rules.code_hash(key, str(code_id), code),
            expires_at=now + otp_rules.LIFETIME,
        )
    )
    await outbox.emit(
        session,
        SignInCodeRequested(
            code_id=code_id, kind=where.kind, destination=where.value, code=code, locale=locale
        ),
    )
    await session.flush()
    return where


@dataclass(frozen=True)
class Verified:
    customer: Customer | None  # None: wrong, expired or used up (the attempt is recorded)
    created: bool = False


async def verify_code(
    *, session: AsyncSession, destination: str, code: str, key: str, channel_code: str | None
) -> Verified:
    """Check a code. On success it is used up and the customer with that email or phone is
    returned (created on first sign-in). A failure is an answer, not an exception, so the
    caller commits the counted attempt."""
    where = otp_rules.destination(destination)
    typed = otp_rules.clean_code(code)
    now = clock.now()
    row = await session.scalar(
        select(SignInCode)
        .where(SignInCode.destination == where.value, SignInCode.used_at.is_(None))
        .order_by(SignInCode.created_at.desc())
        .limit(1)
    )
    if row is None or not otp_rules.usable(
        now=now, expires_at=row.expires_at, used_at=row.used_at, attempts=row.attempts
    ):
        return Verified(None)
    # Count the attempt with a conditional UPDATE: parallel guesses cannot exceed the limit.
    counted = await session.execute(
        update(SignInCode)
        .where(SignInCode.id == row.id, SignInCode.attempts < otp_rules.MAX_ATTEMPTS)
        .values(attempts=SignInCode.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    if not counted.rowcount:  # type: ignore[attr-defined]
        return Verified(None)
    expected = otp_rules.code_hash(key, str(row.id), typed or "")
    if typed is None or not constant_time_equals(expected, row.code_hash):
        return Verified(None)
    used = await session.execute(
        update(SignInCode)
        .where(SignInCode.id == row.id, SignInCode.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if not used.rowcount:  # type: ignore[attr-defined]
        return Verified(None)  # a parallel request used it first
    return await _customer(session, where, channel_code)


async def _customer(
    session: AsyncSession, where: otp_rules.Destination, channel_code: str | None
) -> Verified:
    column = Customer.email if where.kind == "email" else Customer.phone
    found = await session.scalar(select(Customer).where(column == where.value))
    if found is not None:
        return Verified(found)
    customer = Customer(id=ids.new_id(), source_channel=channel_code)
    if where.kind == "email":
        customer.email = where.value
    else:
        customer.phone = where.value
    session.add(customer)
    await session.flush()
    return Verified(customer, created=True)
