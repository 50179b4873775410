"""Customers known by a contact: a phone or e-mail given at a store counter (or an operator's
desk) links the sale to the customer's one profile, so loyalty and returns follow them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.customers.models import Customer
from omnishop.kernel.errors import NotFound, ValidationFailed


async def find_or_create(
    *,
    session: AsyncSession,
    email: str | None = None,
    phone: str | None = None,
    locale: str = "ru",
    source_channel: str | None = None,
) -> uuid.UUID:
    """The id of the customer with this e-mail (first) or phone, created when neither is
    known. Give them normalised (checkout.rules.check_email / check_phone). A contact
    claimed by a concurrent creation is read back, never duplicated."""
    if not email and not phone:
        raise ValidationFailed("an e-mail or a phone number is needed", field="customer")
    for _ in range(2):
        found = await _find(session, email, phone)
        if found is not None:
            return found
        try:
            async with session.begin_nested():
                customer = Customer(
                    email=email, phone=phone, locale=locale, source_channel=source_channel
                )
                session.add(customer)
                await session.flush()
            return customer.id
        except IntegrityError:  # the unique email/phone: someone created them meanwhile
            continue
    raise ValidationFailed("this contact belongs to another customer", field="customer")


async def _find(session: AsyncSession, email: str | None, phone: str | None) -> uuid.UUID | None:
    conditions = []
    if email:
        conditions.append(Customer.email == email)
    if phone:
        conditions.append(Customer.phone == phone)
    rows = list(
        (await session.execute(select(Customer.id, Customer.email).where(or_(*conditions)))).all()
    )
    if not rows:
        return None
    by_email = next((cid for cid, mail in rows if email and mail == email), None)
    return by_email or rows[0][0]


@dataclass(frozen=True)
class Profile:
    """What other domains may know of a customer to address them (a review's author name)."""

    id: uuid.UUID
    first_name: str | None
    last_name: str | None
    locale: str | None


async def profile(*, session: AsyncSession, customer_id: uuid.UUID) -> Profile:
    """The customer's name and locale; 404 ``customer_id`` when there is no such customer."""
    customer = await session.get(Customer, customer_id)
    if customer is None:
        raise NotFound("customer not found", field="customer_id")
    return Profile(customer.id, customer.first_name, customer.last_name, customer.locale)
