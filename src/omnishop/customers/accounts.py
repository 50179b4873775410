"""The signed-in buyer's own data: address book and saved cards (PSP tokens only)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import ClassVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.customers.account_models import SavedCard
from omnishop.customers.models import Address
from omnishop.kernel import clock
from omnishop.kernel.errors import NotFound, ValidationFailed

MAX_ADDRESSES = 20
MAX_CARDS = 10
# Only a reusable, customer-bound payment method is worth keeping: a card token (tok_) is
# single-use at the PSP and would fail on the second purchase.
PSP_TOKEN = re.compile(r"^pm_[A-Za-z0-9_]{6,190}$")


class AddressNotFound(NotFound):
    code: ClassVar[str] = "address_not_found"


class CardNotFound(NotFound):
    code: ClassVar[str] = "saved_card_not_found"


@dataclass(frozen=True)
class AddressInput:
    recipient: str
    city: str
    line1: str
    country: str = "RU"
    postcode: str | None = None
    region: str | None = None
    phone: str | None = None
    label: str | None = None


def _text(value: str | None, field: str, limit: int, *, required: bool = False) -> str | None:
    cleaned = (value or "").strip()
    if required and not cleaned:
        raise ValidationFailed(f"{field} is required", field=field)
    if len(cleaned) > limit:
        raise ValidationFailed(f"{field} is too long", field=field)
    return cleaned or None


def _check(data: AddressInput) -> dict[str, str | None]:
    country = (data.country or "").strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", country):
        raise ValidationFailed("country must be a two-letter code", field="country")
    return {
        "recipient": _text(data.recipient, "recipient", 200, required=True),
        "city": _text(data.city, "city", 120, required=True),
        "line1": _text(data.line1, "line1", 200, required=True),
        "country": country,
        "postcode": _text(data.postcode, "postcode", 20),
        "region": _text(data.region, "region", 120),
        "phone": _text(data.phone, "phone", 20),
        "label": _text(data.label, "label", 60),
    }


async def addresses(*, session: AsyncSession, customer_id: uuid.UUID) -> list[Address]:
    """The customer's address book, default first."""
    return list(
        await session.scalars(
            select(Address)
            .where(Address.customer_id == customer_id)
            .order_by(Address.is_default.desc(), Address.created_at)
        )
    )


async def get_address(
    *, session: AsyncSession, customer_id: uuid.UUID, address_id: uuid.UUID
) -> Address:
    row = await session.get(Address, address_id)
    if row is None or row.customer_id != customer_id:
        raise AddressNotFound("address not found", field="address")
    return row


async def add_address(
    *, session: AsyncSession, customer_id: uuid.UUID, data: AddressInput
) -> Address:
    """Add an address; the first one becomes the default."""
    values = _check(data)
    existing = await addresses(session=session, customer_id=customer_id)
    if len(existing) >= MAX_ADDRESSES:
        raise ValidationFailed(f"at most {MAX_ADDRESSES} addresses", field="address")
    row = Address(customer_id=customer_id, is_default=not existing, **values)
    session.add(row)
    await session.flush()
    return row


async def update_address(
    *, session: AsyncSession, customer_id: uuid.UUID, address_id: uuid.UUID, data: AddressInput
) -> Address:
    values = _check(data)
    row = await get_address(session=session, customer_id=customer_id, address_id=address_id)
    for name, value in values.items():
        setattr(row, name, value)
    await session.flush()
    return row


async def delete_address(
    *, session: AsyncSession, customer_id: uuid.UUID, address_id: uuid.UUID
) -> None:
    """Delete an address (idempotent for the owner); the next one becomes the default."""
    row = await session.get(Address, address_id)
    if row is None or row.customer_id != customer_id:
        return
    was_default = row.is_default
    await session.delete(row)
    await session.flush()
    if was_default:
        rest = await addresses(session=session, customer_id=customer_id)
        if rest:
            rest[0].is_default = True
            await session.flush()


async def cards(*, session: AsyncSession, customer_id: uuid.UUID) -> list[SavedCard]:
    """Saved cards, newest first; expired ones included (the page says so)."""
    return list(
        await session.scalars(
            select(SavedCard)
            .where(SavedCard.customer_id == customer_id)
            .order_by(SavedCard.created_at.desc())
        )
    )


async def save_card(
    *,
    session: AsyncSession,
    customer_id: uuid.UUID,
    token: str,
    brand: str,
    last4: str,
    exp_month: int,
    exp_year: int,
) -> SavedCard:
    """Keep a PSP saved payment method (``pm_...``) with its display details; a card number
    or a single-use token is refused."""
    if not PSP_TOKEN.match(token or ""):
        raise ValidationFailed("not a payment token", field="token")
    if not re.fullmatch(r"\d{4}", last4 or ""):
        raise ValidationFailed("last4 must be four digits", field="last4")
    if not 1 <= exp_month <= 12 or not 2000 <= exp_year <= 2100:
        raise ValidationFailed("expiry is not a valid month", field="exp_month")
    brand = (brand or "card").strip().lower()[:30]
    owned = await cards(session=session, customer_id=customer_id)
    same = next((c for c in owned if c.token == token), None)
    if same is not None:
        return same  # the same method saved twice (a re-sent form) is one card
    if len(owned) >= MAX_CARDS:
        raise ValidationFailed(f"at most {MAX_CARDS} saved cards", field="token")
    row = SavedCard(
        customer_id=customer_id,
        token=token,
        brand=brand,
        last4=last4,
        exp_month=exp_month,
        exp_year=exp_year,
    )
    session.add(row)
    await session.flush()
    return row


async def remove_card(*, session: AsyncSession, customer_id: uuid.UUID, card_id: uuid.UUID) -> None:
    """Forget a saved card (idempotent for the owner)."""
    row = await session.get(SavedCard, card_id)
    if row is not None and row.customer_id == customer_id:
        await session.delete(row)
        await session.flush()


def expired(card: SavedCard) -> bool:
    now = clock.now()
    return (card.exp_year, card.exp_month) < (now.year, now.month)
