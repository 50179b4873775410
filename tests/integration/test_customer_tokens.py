"""Customer tokens on SQLite and PostgreSQL: issued once, stored hashed, expire, revoked."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.customers import tokens
from omnishop.customers.models import Customer
from omnishop.customers.token_models import CustomerToken
from omnishop.kernel import clock, ids
from omnishop.kernel.errors import NotFound


async def customer(session: AsyncSession, email: str | None = None) -> uuid.UUID:
    row = Customer(email=email or f"{uuid.uuid4().hex[:8]}@example.com")
    session.add(row)
    await session.flush()
    return row.id


async def test_an_issued_token_finds_its_customer_and_is_stored_hashed(
    session: AsyncSession,
) -> None:
    cid = await customer(session)

    token = await tokens.issue(session=session, customer_id=cid)
    found = await tokens.authenticate(session=session, token=token)

    assert token.startswith("cst_") and len(token) > 40
    assert found.id == cid
    stored = list(await session.scalars(select(CustomerToken.token_hash)))
    assert token not in stored and len(stored) == 1


@pytest.mark.parametrize("bad", [None, "", "cst_nope", "osk_something", "cst_" + "x" * 200])
async def test_a_missing_or_unknown_token_is_401(session: AsyncSession, bad: str | None) -> None:
    with pytest.raises(tokens.InvalidCustomerToken) as raised:
        await tokens.authenticate(session=session, token=bad)

    assert (raised.value.status, raised.value.code) == (401, "invalid_customer_token")


async def test_a_token_expires_after_30_days(session: AsyncSession) -> None:
    cid = await customer(session)
    token = await tokens.issue(session=session, customer_id=cid)

    clock.freeze(clock.now() + timedelta(days=29))
    assert (await tokens.authenticate(session=session, token=token)).id == cid
    clock.freeze(clock.now() + timedelta(days=2))
    with pytest.raises(tokens.InvalidCustomerToken):
        await tokens.authenticate(session=session, token=token)


async def test_a_revoked_token_no_longer_works_and_revoking_twice_is_harmless(
    session: AsyncSession,
) -> None:
    cid = await customer(session)
    token = await tokens.issue(session=session, customer_id=cid)
    other = await tokens.issue(session=session, customer_id=cid)

    assert await tokens.revoke(session=session, token=token) is True
    assert await tokens.revoke(session=session, token=token) is False
    with pytest.raises(tokens.InvalidCustomerToken):
        await tokens.authenticate(session=session, token=token)
    assert (await tokens.authenticate(session=session, token=other)).id == cid
    assert await tokens.revoke_all(session=session, customer_id=cid) == 1


async def test_tokens_are_only_issued_to_existing_customers(session: AsyncSession) -> None:
    with pytest.raises(NotFound):
        await tokens.issue(session=session, customer_id=ids.new_id())
