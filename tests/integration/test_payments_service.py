"""Payment use cases against the sandbox PSP (its own tmp database) on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.kernel import clock
from omnishop.kernel.db import unit_of_work
from omnishop.kernel.errors import Conflict, ValidationFailed
from omnishop.payments import gateway, jobs, rules, service
from omnishop.payments.models import Payment, PaymentAttempt, Refund
from omnishop.payments.sandbox import psp
from omnishop.payments.sandbox.gateway import SandboxGateway
from omnishop.payments.schemas import PaymentInput
from tests.payments_fixtures import (
    CHALLENGE_CARD,
    DECLINED_CARD,
    NO_FUNDS_CARD,
    card_token,
    charges_for,
    current,
    new_payment,
    psp_store,
    topics,
)

__all__ = ["psp_store"]
pytestmark = pytest.mark.usefixtures("psp_store")
Sessions = async_sessionmaker[AsyncSession]


async def test_success_card_authorizes_then_captures_once(sessions: Sessions) -> None:
    created = await new_payment(sessions)
    assert created.status == "pending" and not created.places_order

    info = await service.authorize(sessions, payment_id=created.id)
    assert info.status == "authorized" and info.places_order
    assert info.provider_ref is not None and info.provider_ref.startswith("ch_")
    assert (info.card_last4, info.card_brand) == ("4242", "visa")

    captured = await service.capture(sessions, payment_id=created.id)
    again = await service.capture(sessions, payment_id=created.id)
    assert captured.status == again.status == "captured"
    assert captured.captured_amount == 150_00
    [charge] = await charges_for(created.id)
    assert (charge.status, charge.captured_amount) == ("captured", 150_00)
    async with sessions() as session:
        assert await topics(session, created.id) == ["payments.authorized", "payments.captured"]
        attempts = await session.scalars(
            select(PaymentAttempt.operation).where(PaymentAttempt.payment_id == created.id)
        )
        assert sorted(attempts) == ["authorize", "capture"]  # the repeat asks no one


async def test_authorize_is_idempotent_per_payment(sessions: Sessions) -> None:
    created = await new_payment(sessions)
    first = await service.authorize(sessions, payment_id=created.id)
    second = await service.authorize(sessions, payment_id=created.id)
    assert first.provider_ref == second.provider_ref
    assert len(await charges_for(created.id)) == 1
    # The PSP itself dedupes the key too: a retry after a crash gets the same charge.
    repeat = await SandboxGateway().authorize(
        gateway.AuthorizeRequest(str(created.id), 150_00, "RUB", "card", None, None, "again")
    )
    assert repeat.provider_ref == first.provider_ref


@pytest.mark.parametrize(
    ("number", "code"),
    [(DECLINED_CARD, "card_declined"), (NO_FUNDS_CARD, "insufficient_funds")],
)
async def test_declined_cards_fail_with_the_reason(
    sessions: Sessions, number: str, code: str
) -> None:
    created = await new_payment(sessions, token=await card_token(number))
    info = await service.authorize(sessions, payment_id=created.id)
    assert (info.status, info.failure_code, info.places_order) == ("failed", code, False)
    async with sessions() as session:
        assert await topics(session, created.id) == ["payments.failed"]


async def test_a_token_is_single_use(sessions: Sessions) -> None:
    token = await card_token()
    first = await new_payment(sessions, token=token)
    second = await new_payment(sessions, token=token)
    assert (await service.authorize(sessions, payment_id=first.id)).status == "authorized"
    info = await service.authorize(sessions, payment_id=second.id)
    assert (info.status, info.failure_code) == ("failed", "token_already_used")


async def test_challenge_card_requires_action_then_the_webhook_authorizes(
    sessions: Sessions,
) -> None:
    created = await new_payment(sessions, token=await card_token(CHALLENGE_CARD))
    info = await service.authorize(sessions, payment_id=created.id)
    assert info.status == "requires_action"
    assert info.next_action is not None
    assert info.next_action["url"] == f"/sandbox-psp/3ds/{info.provider_ref}"

    assert info.provider_ref is not None
    await psp.complete_action(info.provider_ref, passed=True)
    assert (await current(sessions, created.id)).status == "requires_action"
    delivered = await jobs.deliver_sandbox_notifications(sessions)
    assert delivered == 1
    after = await current(sessions, created.id)
    assert (after.status, after.next_action, after.places_order) == ("authorized", None, True)
    async with sessions() as session:
        assert await topics(session, created.id) == ["payments.authorized"]


async def test_failed_challenge_fails_the_payment(sessions: Sessions) -> None:
    created = await new_payment(sessions, token=await card_token(CHALLENGE_CARD))
    info = await service.authorize(sessions, payment_id=created.id)
    assert info.provider_ref is not None
    await psp.complete_action(info.provider_ref, passed=False)
    await psp.complete_action(info.provider_ref, passed=True)  # only the first answer counts
    await jobs.deliver_sandbox_notifications(sessions)
    after = await current(sessions, created.id)
    assert (after.status, after.failure_code) == ("failed", "authentication_failed")


async def test_sbp_shows_a_bank_page_with_a_qr_payload(sessions: Sessions) -> None:
    created = await new_payment(sessions, method="sbp")
    info = await service.authorize(sessions, payment_id=created.id)
    assert info.status == "requires_action" and info.next_action is not None
    assert info.next_action["url"].startswith("/sandbox-psp/sbp/ch_")
    assert info.next_action["qr_payload"].startswith("https://qr.nspk.ru/")


async def test_plain_success_webhook_is_a_no_op_after_authorize(sessions: Sessions) -> None:
    created = await new_payment(sessions)
    await service.authorize(sessions, payment_id=created.id)
    assert await jobs.deliver_sandbox_notifications(sessions) == 1
    assert await jobs.deliver_sandbox_notifications(sessions) == 0
    async with sessions() as session:
        assert await topics(session, created.id) == ["payments.authorized"]


async def test_webhook_before_the_authorize_answer_records_once(sessions: Sessions) -> None:
    created = await new_payment(sessions)
    # The PSP charged, but its answer is slower than its webhook.
    await psp.authorize(
        idempotency_key=str(created.id),
        amount=created.amount,
        currency=created.currency,
        method="card",
        token=await _token_of(sessions, created.id),
        return_url=None,
        description="",
    )
    await jobs.deliver_sandbox_notifications(sessions)
    assert (await current(sessions, created.id)).status == "authorized"
    info = await service.authorize(sessions, payment_id=created.id)
    assert info.status == "authorized"
    async with sessions() as session:
        assert await topics(session, created.id) == ["payments.authorized"]


async def _token_of(sessions: Sessions, payment_id: uuid.UUID) -> str | None:
    async with sessions() as session:
        return await session.scalar(select(Payment.token).where(Payment.id == payment_id))


async def test_sync_records_what_the_psp_did_before_a_crash(sessions: Sessions) -> None:
    created = await new_payment(sessions)
    await psp.authorize(
        idempotency_key=str(created.id),
        amount=created.amount,
        currency=created.currency,
        method="card",
        token=await _token_of(sessions, created.id),
        return_url=None,
        description="",
    )
    info = await service.sync(sessions, payment_id=created.id)
    assert info.status == "authorized" and info.provider_ref is not None


async def test_sync_fails_a_payment_the_psp_never_saw(sessions: Sessions) -> None:
    created = await new_payment(sessions)
    info = await service.sync(sessions, payment_id=created.id)
    assert (info.status, info.failure_code) == ("failed", "not_at_provider")


class TimeoutAfterCharging(SandboxGateway):
    """The PSP charges, but its answer never reaches us."""

    async def authorize(self, request: gateway.AuthorizeRequest) -> gateway.GatewayResult:
        await super().authorize(request)
        raise TimeoutError("read timeout")


async def test_an_unreachable_psp_fails_the_payment_and_a_late_charge_is_voided(
    sessions: Sessions,
) -> None:
    gateway.override("sandbox", TimeoutAfterCharging())
    created = await new_payment(sessions)
    info = await service.authorize(sessions, payment_id=created.id)
    assert (info.status, info.failure_code) == ("failed", "provider_unavailable")
    gateway.override("sandbox", None)
    # The PSP's charge.succeeded arrives for a payment we gave up: the charge is released.
    await jobs.deliver_sandbox_notifications(sessions)
    [charge] = await charges_for(created.id)
    assert charge.status == "canceled"
    assert (await current(sessions, created.id)).status == "failed"


async def test_void_of_an_authorization_cancels_it_at_the_psp(sessions: Sessions) -> None:
    created = await new_payment(sessions)
    await service.authorize(sessions, payment_id=created.id)
    info = await service.void(sessions, payment_id=created.id, reason="order failed")
    again = await service.void(sessions, payment_id=created.id, reason="order failed")
    assert info.status == again.status == "canceled"
    [charge] = await charges_for(created.id)
    assert charge.status == "canceled"
    async with sessions() as session:
        assert await topics(session, created.id) == ["payments.authorized", "payments.canceled"]


async def test_void_after_capture_is_a_full_refund(sessions: Sessions) -> None:
    created = await new_payment(sessions)
    await service.authorize(sessions, payment_id=created.id)
    await service.capture(sessions, payment_id=created.id)
    await service.refund(sessions, payment_id=created.id, amount=50_00, key="part")
    info = await service.void(sessions, payment_id=created.id, reason="canceled")
    assert (info.status, info.refunded_amount) == ("refunded", 150_00)
    [charge] = await charges_for(created.id)
    assert (charge.status, charge.refunded_amount) == ("refunded", 150_00)
    assert (await service.void(sessions, payment_id=created.id, reason="x")).refunded_amount == (
        150_00
    )


async def test_void_of_a_pending_payment_cancels_it_and_any_charge_it_left(
    sessions: Sessions,
) -> None:
    created = await new_payment(sessions)
    await psp.authorize(  # we crashed after the PSP call, before recording it
        idempotency_key=str(created.id),
        amount=created.amount,
        currency="RUB",
        method="card",
        token=await _token_of(sessions, created.id),
        return_url=None,
        description="",
    )
    info = await service.void(sessions, payment_id=created.id, reason="abandoned")
    assert info.status == "canceled"
    [charge] = await charges_for(created.id)
    assert charge.status == "canceled"


async def test_void_of_a_3ds_payment_cancels_the_challenge(sessions: Sessions) -> None:
    created = await new_payment(sessions, token=await card_token(CHALLENGE_CARD))
    await service.authorize(sessions, payment_id=created.id)
    info = await service.void(sessions, payment_id=created.id, reason="timeout")
    assert info.status == "canceled"
    [charge] = await charges_for(created.id)
    assert charge.status == "canceled"


async def test_refunds_are_idempotent_per_key_and_never_exceed_the_capture(
    sessions: Sessions,
) -> None:
    created = await new_payment(sessions)
    await service.authorize(sessions, payment_id=created.id)
    await service.capture(sessions, payment_id=created.id, amount=100_00)

    first = await service.refund(sessions, payment_id=created.id, amount=30_00, key="k1")
    repeat = await service.refund(sessions, payment_id=created.id, amount=30_00, key="k1")
    assert first.status == repeat.status == "partially_refunded"
    assert repeat.refunded_amount == 30_00
    with pytest.raises(service.RefundKeyReused):
        await service.refund(sessions, payment_id=created.id, amount=31_00, key="k1")
    with pytest.raises(service.RefundExceedsCaptured) as caught:
        await service.refund(sessions, payment_id=created.id, amount=70_01, key="k2")
    assert caught.value.status == 409
    full = await service.refund(sessions, payment_id=created.id, amount=70_00, key="k3")
    assert (full.status, full.refunded_amount) == ("refunded", 100_00)
    [charge] = await charges_for(created.id)
    assert charge.refunded_amount == 100_00
    async with sessions() as session:
        refunds = list(await session.scalars(select(Refund).where(Refund.payment_id == created.id)))
        assert sorted(r.status for r in refunds) == ["succeeded", "succeeded"]
        assert (await topics(session, created.id)).count("payments.refunded") == 2


async def test_refund_of_an_uncaptured_payment_is_refused(sessions: Sessions) -> None:
    created = await new_payment(sessions)
    await service.authorize(sessions, payment_id=created.id)
    with pytest.raises(rules.InvalidPaymentTransition):
        await service.refund(sessions, payment_id=created.id, amount=1, key="early")


async def test_capture_of_a_failed_payment_is_refused(sessions: Sessions) -> None:
    created = await new_payment(sessions, token=await card_token(DECLINED_CARD))
    await service.authorize(sessions, payment_id=created.id)
    with pytest.raises(rules.InvalidPaymentTransition):
        await service.capture(sessions, payment_id=created.id)


async def test_cash_on_delivery_places_the_order_while_pending_then_is_collected(
    sessions: Sessions,
) -> None:
    created = await new_payment(sessions, method="cod", return_url=None)
    info = await service.authorize(sessions, payment_id=created.id)
    assert (info.status, info.places_order) == ("pending", True)
    assert await charges_for(created.id) == []
    order_id = uuid.uuid4()
    async with unit_of_work(sessions) as session:
        await service.attach_order(session=session, payment_id=created.id, order_id=order_id)
        await service.attach_order(session=session, payment_id=created.id, order_id=order_id)
        with pytest.raises(Conflict):
            await service.attach_order(
                session=session, payment_id=created.id, order_id=uuid.uuid4()
            )
    async with unit_of_work(sessions) as session:
        collected = await service.mark_collected(session=session, payment_id=created.id)
        again = await service.mark_collected(session=session, payment_id=created.id)
    assert (collected.status, collected.captured_amount, collected.order_id) == (
        "captured",
        150_00,
        order_id,
    )
    assert again.status == "captured"
    async with sessions() as session:
        assert await topics(session, created.id) == ["payments.captured"]


async def test_unattached_lists_open_payments_without_an_order(sessions: Sessions) -> None:
    tag = uuid.uuid4().hex
    open_one = await new_payment(sessions, reference=f"cart:{tag}:a")
    await service.authorize(sessions, payment_id=open_one.id)
    attached = await new_payment(sessions, reference=f"cart:{tag}:b")
    declined = await new_payment(
        sessions, reference=f"cart:{tag}:c", token=await card_token(DECLINED_CARD)
    )
    await service.authorize(sessions, payment_id=declined.id)
    async with unit_of_work(sessions) as session:
        await service.attach_order(session=session, payment_id=attached.id, order_id=uuid.uuid4())
        later = clock.now() + timedelta(seconds=1)
        found = await service.unattached(session=session, older_than=later, limit=1000)
        earlier = await service.unattached(
            session=session, older_than=clock.now() - timedelta(hours=1)
        )
    ids = {p.id for p in found}
    assert open_one.id in ids and attached.id not in ids and declined.id not in ids
    assert open_one.id not in {p.id for p in earlier}


@pytest.mark.parametrize(
    ("payment", "field"),
    [
        ({"method": "card"}, "payment.token"),
        ({"method": "card", "token": "wtok_1"}, "payment.token"),
        ({"method": "wallet", "token": "tok_1"}, "payment.token"),
        ({"method": "cod", "token": "tok_1"}, "payment.token"),
        ({"method": "sbp", "return_url": "javascript:alert(1)"}, "payment.return_url"),
        ({"method": "sbp", "return_url": "//evil.example"}, "payment.return_url"),
    ],
)
async def test_create_refuses_bad_payment_input(
    session: AsyncSession, payment: dict[str, str], field: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        await service.create(
            session=session,
            reference="cart:x",
            channel_id=None,
            customer_id=None,
            amount=100,
            currency="RUB",
            payment=PaymentInput.model_validate(payment),
        )
    assert caught.value.field == field


@pytest.mark.parametrize(("amount", "currency"), [(0, "RUB"), (-5, "RUB"), (100, "XXQ")])
async def test_create_refuses_bad_amounts(
    session: AsyncSession, amount: int, currency: str
) -> None:
    with pytest.raises(ValidationFailed):
        await service.create(
            session=session,
            reference="cart:x",
            channel_id=None,
            customer_id=None,
            amount=amount,
            currency=currency,
            payment=PaymentInput(method="cod"),
        )
