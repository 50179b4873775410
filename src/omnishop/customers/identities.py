"""Channel identities: link a messenger or platform account to one omnishop customer.

Used by the Telegram Mini App sign-in; messenger adapters reuse the same calls."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.customers.identity_models import CustomerIdentity
from omnishop.customers.models import Customer
from omnishop.kernel import clock, i18n
from omnishop.kernel.errors import ValidationFailed

# How often a returning sender's "last verified" moves forward (see sign_in).
VERIFIED_REFRESH = timedelta(minutes=10)
KINDS = ("telegram", "whatsapp", "messenger", "instagram", "sms", "webchat")


@dataclass(frozen=True)
class IdentityInfo:
    id: uuid.UUID
    kind: str
    external_id: str
    customer_id: uuid.UUID
    created: bool  # the customer was made for this identity just now


def _check(kind: str, external_id: str) -> None:
    if kind not in KINDS:
        raise ValidationFailed(f"unknown identity kind {kind!r}", field="kind")
    if not external_id or len(external_id) > 100:
        raise ValidationFailed("external id must be 1-100 characters", field="external_id")


async def find(*, session: AsyncSession, kind: str, external_id: str) -> IdentityInfo | None:
    """The identity of this external account, if we know it."""
    row = await session.scalar(
        select(CustomerIdentity).where(
            CustomerIdentity.kind == kind, CustomerIdentity.external_id == external_id
        )
    )
    return None if row is None else _info(row, created=False)


def _info(row: CustomerIdentity, *, created: bool) -> IdentityInfo:
    return IdentityInfo(row.id, row.kind, row.external_id, row.customer_id, created)


async def sign_in(
    *,
    session: AsyncSession,
    kind: str,
    external_id: str,
    profile: dict[str, Any] | None = None,
    source_channel: str | None = None,
) -> IdentityInfo:
    """The customer behind a verified external account, created on first sight.

    Call only after the platform's signature was checked. Two first visits at once make one
    customer: the unique (kind, external_id) decides, the loser reads the winner's row."""
    _check(kind, external_id)
    profile = dict(profile or {})
    now = clock.now()
    row = await session.scalar(
        select(CustomerIdentity).where(
            CustomerIdentity.kind == kind, CustomerIdentity.external_id == external_id
        )
    )
    if row is not None:
        # Every chat message signs its sender in: write only when something changed, or to
        # move a stale "last verified" forward (a write per message would double the cost
        # of taking one in).
        stale = row.verified_at is None or now - row.verified_at > VERIFIED_REFRESH
        if row.profile != profile or stale:
            row.verified_at = now
            row.profile = profile
            await session.flush()
        return _info(row, created=False)
    customer = Customer(
        first_name=_text(profile.get("first_name")),
        last_name=_text(profile.get("last_name")),
        locale=i18n.normalize(_text(profile.get("language_code"))) or i18n.DEFAULT_LOCALE,
        source_channel=source_channel,
    )
    try:
        async with session.begin_nested():
            session.add(customer)
            await session.flush()
            row = CustomerIdentity(
                kind=kind,
                external_id=external_id,
                customer_id=customer.id,
                verified_at=now,
                profile=profile,
            )
            session.add(row)
            await session.flush()
    except IntegrityError:
        winner = await session.scalar(
            select(CustomerIdentity).where(
                CustomerIdentity.kind == kind, CustomerIdentity.external_id == external_id
            )
        )
        if winner is None:
            raise
        return _info(winner, created=False)
    return _info(row, created=True)


def _text(value: Any) -> str | None:
    return str(value)[:120] if value else None


async def identities_of(*, session: AsyncSession, customer_id: uuid.UUID) -> list[IdentityInfo]:
    """Every external account linked to a customer."""
    rows = await session.scalars(
        select(CustomerIdentity)
        .where(CustomerIdentity.customer_id == customer_id)
        .order_by(CustomerIdentity.created_at)
    )
    return [_info(r, created=False) for r in rows]


async def attach(
    *, session: AsyncSession, identity_id: uuid.UUID, customer_id: uuid.UUID
) -> IdentityInfo:
    """Move an identity to another customer. Only after that customer proved the account is
    theirs (a one-time code to their email or phone): never on a claim alone."""
    row = await session.get(CustomerIdentity, identity_id)
    if row is None:
        raise ValidationFailed("no such identity", field="identity_id")
    row.customer_id = customer_id
    await session.flush()
    return _info(row, created=False)
