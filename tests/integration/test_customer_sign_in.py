"""Passwordless sign-in (one-time codes) and the account's address book and saved cards, on
both engines."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.customers import accounts, otp, otp_rules
from omnishop.customers import jobs as customer_jobs
from omnishop.customers.account_models import OutboundMessage, SignInCode
from omnishop.customers.accounts import AddressInput
from omnishop.customers.events import SignInCodeRequested
from omnishop.customers.models import Customer
from omnishop.kernel import clock, outbox
from omnishop.kernel.db import unit_of_work
from omnishop.kernel.errors import RateLimited, ValidationFailed

KEY = "test-secret"


async def send(sessions: async_sessionmaker[AsyncSession], to: str) -> str:
    """Request a code and deliver it the way the worker does; the code the buyer received."""
    async with unit_of_work(sessions) as session:
        await otp.request_code(session=session, destination=to, locale="ru", key=KEY)
    await outbox.drain(sessions)
    async with sessions() as session:
        where = otp_rules.destination(to)
        message = await session.scalar(
            select(OutboundMessage)
            .where(OutboundMessage.destination == where.value)
            .order_by(OutboundMessage.created_at.desc())
            .limit(1)
        )
    assert message is not None
    found = next(w for w in message.body.replace(".", " ").split() if w.isdigit() and len(w) == 6)
    return found


async def verify(sessions: async_sessionmaker[AsyncSession], to: str, code: str) -> otp.Verified:
    async with unit_of_work(sessions) as session:
        return await otp.verify_code(
            session=session, destination=to, code=code, key=KEY, channel_code="web"
        )


async def test_a_code_signs_in_once_and_creates_the_customer_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    code = await send(sessions, "Anna@Example.com")
    first = await verify(sessions, "anna@example.com", code)
    again = await verify(sessions, "anna@example.com", code)
    code2 = await send(sessions, "anna@example.com")
    second = await verify(sessions, "anna@example.com", code2)

    assert first.customer is not None and first.created
    assert first.customer.email == "anna@example.com"
    assert again.customer is None  # used up
    assert second.customer is not None and not second.created
    assert second.customer.id == first.customer.id


async def test_only_the_hash_of_a_code_is_stored_and_the_message_is_translated(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    code = await send(sessions, "+7 900 111-22-33")
    async with sessions() as session:
        row = await session.scalar(select(SignInCode))
        message = await session.scalar(select(OutboundMessage))

    assert row is not None and code not in row.code_hash
    assert row.destination == "+79001112233" and row.kind == "phone"
    assert message is not None and message.body.startswith("Код для входа в omnishop")


async def test_five_wrong_guesses_burn_the_code(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    code = await send(sessions, "boris@example.com")
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(otp_rules.MAX_ATTEMPTS):
        assert (await verify(sessions, "boris@example.com", wrong)).customer is None
    late = await verify(sessions, "boris@example.com", code)

    assert late.customer is None


async def test_a_code_expires_after_ten_minutes(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    start = clock.now()
    clock.freeze(start)
    code = await send(sessions, "vera@example.com")
    clock.freeze(start + otp_rules.LIFETIME + timedelta(seconds=1))

    assert (await verify(sessions, "vera@example.com", code)).customer is None


async def test_a_new_code_replaces_the_old_one(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    old = await send(sessions, "gleb@example.com")
    new = await send(sessions, "gleb@example.com")

    if old != new:
        assert (await verify(sessions, "gleb@example.com", old)).customer is None
    assert (await verify(sessions, "gleb@example.com", new)).customer is not None


async def test_redelivering_the_event_sends_one_message(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await send(sessions, "dina@example.com")
    async with unit_of_work(sessions) as session:
        row = await session.scalar(select(SignInCode))
        assert row is not None
        again = SignInCodeRequested(
            code_id=row.id, kind="email", destination=row.destination, code="123456", locale="en"
        )
        await customer_jobs.deliver_sign_in_code(session, again)
    async with sessions() as session:
        messages = list(await session.scalars(select(OutboundMessage)))

    assert len(messages) == 1


async def test_the_send_throttle_limits_each_destination() -> None:
    throttle = otp.SendThrottle()
    for _ in range(3):
        await throttle.check(destination="+79001234567", client="1.2.3.4")

    with pytest.raises(RateLimited):
        await throttle.check(destination="+79001234567", client="5.6.7.8")
    await throttle.check(destination="+79007654321", client="5.6.7.8")  # another one still goes


async def customer(session: AsyncSession, email: str) -> Customer:
    row = Customer(email=email)
    session.add(row)
    await session.flush()
    return row


async def test_an_address_book_belongs_to_its_owner(session: AsyncSession) -> None:
    anna, boris = await customer(session, "a@example.com"), await customer(session, "b@example.com")
    home = AddressInput(recipient="Анна", city="Москва", line1="Тверская 1", postcode="101000")
    first = await accounts.add_address(session=session, customer_id=anna.id, data=home)
    second = await accounts.add_address(
        session=session, customer_id=anna.id, data=AddressInput("Анна", "Тбилиси", "Руставели 1")
    )
    await accounts.update_address(
        session=session,
        customer_id=anna.id,
        address_id=second.id,
        data=AddressInput("Анна", "Тбилиси", "Руставели 2", country="ge"),
    )
    with pytest.raises(accounts.AddressNotFound):
        await accounts.update_address(
            session=session, customer_id=boris.id, address_id=first.id, data=home
        )
    with pytest.raises(ValidationFailed):
        await accounts.add_address(
            session=session, customer_id=anna.id, data=AddressInput("", "Москва", "Тверская 1")
        )
    await accounts.delete_address(session=session, customer_id=boris.id, address_id=first.id)
    kept = await accounts.addresses(session=session, customer_id=anna.id)
    await accounts.delete_address(session=session, customer_id=anna.id, address_id=first.id)
    left = await accounts.addresses(session=session, customer_id=anna.id)

    assert [a.id for a in kept] == [first.id, second.id] and first.is_default
    assert [(a.line1, a.country, a.is_default) for a in left] == [("Руставели 2", "GE", True)]


async def test_saved_cards_keep_tokens_only(session: AsyncSession) -> None:
    anna = await customer(session, "c@example.com")
    card = await accounts.save_card(
        session=session, customer_id=anna.id, token="pm_abcdef123456", brand="Visa",
        last4="4242", exp_month=12, exp_year=2030,
    )  # fmt: skip
    twice = await accounts.save_card(
        session=session, customer_id=anna.id, token="pm_abcdef123456", brand="Visa",
        last4="4242", exp_month=12, exp_year=2030,
    )  # fmt: skip
    with pytest.raises(ValidationFailed):  # single-use: it would pay once, then never
        await accounts.save_card(
            session=session, customer_id=anna.id, token="tok_abcdef123456", brand="visa",
            last4="4242", exp_month=12, exp_year=2030,
        )  # fmt: skip
    with pytest.raises(ValidationFailed):
        await accounts.save_card(
            session=session, customer_id=anna.id, token="4242424242424242", brand="visa",
            last4="4242", exp_month=12, exp_year=2030,
        )  # fmt: skip
    listed = await accounts.cards(session=session, customer_id=anna.id)
    await accounts.remove_card(session=session, customer_id=anna.id, card_id=card.id)

    assert [(c.brand, c.last4) for c in listed] == [("visa", "4242")] and twice.id == card.id
    assert await accounts.cards(session=session, customer_id=anna.id) == []
