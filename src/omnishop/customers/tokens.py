"""Customer tokens (``cst_...``): what a signed-in buyer sends as ``X-Customer-Token`` to see
their orders and link a cart. Shown once at issue, stored hashed, valid 30 days.
Issue 4 issues them after sign-in."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import ClassVar

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.customers.models import Customer
from omnishop.customers.token_models import CustomerToken
from omnishop.kernel import clock, ids
from omnishop.kernel.errors import NotFound, Unauthorized
from omnishop.kernel.security import hash_secret

PREFIX = "cst_"
LIFETIME = timedelta(days=30)
MAX_LENGTH = 100


class InvalidCustomerToken(Unauthorized):
    code: ClassVar[str] = "invalid_customer_token"
    title: ClassVar[str] = "Customer token invalid or expired"


async def issue(
    *, session: AsyncSession, customer_id: uuid.UUID, lifetime: timedelta = LIFETIME
) -> str:
    """A new token for the customer; the plain token exists only in the return value."""
    if await session.get(Customer, customer_id) is None:
        raise NotFound("customer not found", field="customer_id")
    token = PREFIX + ids.new_token(32)
    session.add(
        CustomerToken(
            customer_id=customer_id,
            token_hash=hash_secret(token),
            expires_at=clock.now() + lifetime,
        )
    )
    await session.flush()
    return token


async def authenticate(*, session: AsyncSession, token: str | None) -> Customer:
    """The customer a live token belongs to, else 401 ``invalid_customer_token``."""
    if not token or not token.startswith(PREFIX) or len(token) > MAX_LENGTH:
        raise InvalidCustomerToken("a valid X-Customer-Token is required", field="X-Customer-Token")
    row = await session.scalar(
        select(CustomerToken).where(CustomerToken.token_hash == hash_secret(token))
    )
    now = clock.now()
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        raise InvalidCustomerToken(
            "the customer token is unknown, revoked or expired", field="X-Customer-Token"
        )
    customer = await session.get(Customer, row.customer_id)
    if customer is None:
        raise InvalidCustomerToken("the customer no longer exists", field="X-Customer-Token")
    row.last_used_at = now
    return customer


async def revoke(*, session: AsyncSession, token: str) -> bool:
    """End a token (sign-out). Idempotent: False if it was unknown or already revoked."""
    done = await session.execute(
        update(CustomerToken)
        .where(CustomerToken.token_hash == hash_secret(token), CustomerToken.revoked_at.is_(None))
        .values(revoked_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    return bool(done.rowcount)  # type: ignore[attr-defined]


async def revoke_all(*, session: AsyncSession, customer_id: uuid.UUID) -> int:
    """End every live token of a customer (password change, privacy request); how many."""
    done = await session.execute(
        update(CustomerToken)
        .where(CustomerToken.customer_id == customer_id, CustomerToken.revoked_at.is_(None))
        .values(revoked_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    return int(done.rowcount)  # type: ignore[attr-defined]
