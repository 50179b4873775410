"""Staff API keys: shown once at creation, stored hashed, checked per scope."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.customers.models import ApiKey
from omnishop.kernel import clock, ids
from omnishop.kernel.errors import Forbidden, Unauthorized, ValidationFailed
from omnishop.kernel.security import hash_secret

KEY_PREFIX = "osk_"
SCOPES = (
    "catalog:read",
    "catalog:write",
    "channels:write",
    "pricing:write",
    "customers:read",
    "customers:write",
    "inventory:read",
    "inventory:write",
    "orders:read",
    "orders:write",
    "payments:write",
    "pos:write",  # in-store sales at a counter (POST /pos/sales)
    "shipping:write",
    "webhooks:write",
    "reviews:read",
    "reviews:write",
    "loyalty:read",
    "loyalty:write",  # staff adjustments of a customer's points
)


@dataclass(frozen=True)
class IssuedKey:
    id: uuid.UUID
    name: str
    scopes: list[str]
    secret: str  # the only time the plain key exists


async def create(
    *, session: AsyncSession, name: str, scopes: list[str], created_by_id: uuid.UUID | None = None
) -> IssuedKey:
    """Issue a key with the given scopes; its secret is returned once and never stored."""
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise ValidationFailed(
            f"unknown scopes {unknown}; known: {', '.join(SCOPES)}", field="scopes"
        )
    secret = KEY_PREFIX + ids.new_token(32)
    key = ApiKey(
        name=name,
        prefix=secret[:12],
        secret_hash=hash_secret(secret),
        scopes=sorted(set(scopes)),
        created_by_id=created_by_id,
    )
    session.add(key)
    await session.flush()
    return IssuedKey(id=key.id, name=name, scopes=key.scopes, secret=secret)


async def authenticate(*, session: AsyncSession, secret: str | None, scope: str) -> ApiKey:
    """The active key for ``secret`` if it has ``scope``: 401 without a valid key, else 403."""
    if not secret:
        raise Unauthorized("an API key is required: Authorization: Bearer <key>")
    key = await session.scalar(select(ApiKey).where(ApiKey.secret_hash == hash_secret(secret)))
    if key is None or key.revoked_at is not None:
        raise Unauthorized("invalid or revoked API key")
    if scope not in key.scopes:
        raise Forbidden(f"this API key lacks the {scope!r} scope")
    key.last_used_at = clock.now()
    return key


async def revoke(*, session: AsyncSession, key_id: uuid.UUID) -> None:
    key = await session.get(ApiKey, key_id)
    if key is not None and key.revoked_at is None:
        key.revoked_at = clock.now()
        await session.flush()
