"""What the sandbox PSP does: tokenise cards, authorize/capture/void/refund charges, run the
3-D Secure and SBP pages' outcomes, and queue signed webhook notifications.

Every function runs in the PSP's own database and commits there, independent of omnishop.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, ClassVar

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.kernel import clock
from omnishop.kernel.db import unit_of_work
from omnishop.kernel.errors import Conflict, NotFound, Unauthorized, ValidationFailed
from omnishop.kernel.logging import get_logger
from omnishop.kernel.money import Money
from omnishop.kernel.security import constant_time_equals
from omnishop.payments import rules
from omnishop.payments.sandbox import signing, store
from omnishop.payments.sandbox.settings import get_settings
from omnishop.payments.sandbox.store import Charge, Notification, Operation, PaymentMethod, Token

log = get_logger(__name__)

SUCCESS = "success"
CHALLENGE = "challenge"
# Test cards: the number decides what happens (README lists them).
TEST_CARDS = {
    "4242424242424242": SUCCESS,
    "4000000000000002": "card_declined",
    "4000000000009995": "insufficient_funds",
    "4000000000003220": CHALLENGE,
}
BEHAVIOURS = frozenset({SUCCESS, CHALLENGE, "card_declined", "insufficient_funds"})
WALLETS = frozenset({"apple_pay", "google_pay"})
FAILURE_MESSAGES = {
    "card_declined": "The card was declined.",
    "insufficient_funds": "The card has insufficient funds.",
    "authentication_failed": "3-D Secure authentication failed.",
    "payment_declined": "The payment was declined in the bank app.",
    "invalid_token": "The payment token is unknown.",
    "token_already_used": "The payment token was already used.",
    "payment_method_unavailable": "The saved card is not this customer's or was removed.",
    "method_not_supported": "The sandbox does not take this method.",
}
CUSTOMER_REF = re.compile(r"cus_[A-Za-z0-9]{6,60}")
LEASE = timedelta(seconds=30)
MAX_BACKOFF = timedelta(minutes=10)


class PspError(Conflict):
    """The PSP refuses an operation (capture of a canceled charge, refund over the capture)."""

    code: ClassVar[str] = "payment_provider_refused"
    title: ClassVar[str] = "The payment provider refused the operation"

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail, reason=reason)
        self.reason = reason


class CardInvalid(ValidationFailed):
    code: ClassVar[str] = "card_invalid"
    title: ClassVar[str] = "Card details invalid"


class ChargeNotFound(NotFound):
    code: ClassVar[str] = "charge_not_found"


def brand_of(number: str) -> str:
    if number.startswith("4"):
        return "visa"
    if number[:2] in {"34", "37"}:
        return "amex"
    if 2200 <= int(number[:4]) <= 2204:
        return "mir"
    if 51 <= int(number[:2]) <= 55 or 2221 <= int(number[:4]) <= 2720:
        return "mastercard"
    return "unknown"


def check_publishable_key(key: str | None) -> None:
    if key is None or not constant_time_equals(key, get_settings().publishable_key):
        raise Unauthorized("a valid publishable key is required", field="key")


async def tokenize(*, number: str, exp_month: int, exp_year: int, cvc: str) -> Token:
    """A single-use card token; the number is checked, its behaviour kept, then forgotten."""
    token, _ = await tokenize_card(number=number, exp_month=exp_month, exp_year=exp_year, cvc=cvc)
    return token


async def tokenize_card(
    *, number: str, exp_month: int, exp_year: int, cvc: str, save_for: str | None = None
) -> tuple[Token, PaymentMethod | None]:
    """A single-use card token; the number is checked, its behaviour kept, then forgotten.
    ``save_for`` (the merchant's customer reference) also saves the card as a reusable
    ``pm_...`` payment method bound to that customer."""
    digits = number.replace(" ", "").replace("-", "")
    if not (digits.isdigit() and 13 <= len(digits) <= 19 and rules.luhn_valid(digits)):
        raise CardInvalid("the card number is not valid", field="number")
    if not 1 <= exp_month <= 12:
        raise CardInvalid("the expiry month must be 1 to 12", field="exp_month")
    year = exp_year + 2000 if exp_year < 100 else exp_year
    today = clock.now()
    if (year, exp_month) < (today.year, today.month):
        raise CardInvalid("the card has expired", field="exp_year")
    if year > today.year + 30:
        raise CardInvalid("the expiry year is too far ahead", field="exp_year")
    if not (cvc.isdigit() and len(cvc) in (3, 4)):
        raise CardInvalid("the security code must be 3 or 4 digits", field="cvc")
    token = Token(
        id=store.new_ref("tok"),
        kind="card",
        brand=brand_of(digits),
        last4=digits[-4:],
        exp_month=exp_month,
        exp_year=year,
        behaviour=TEST_CARDS.get(digits, SUCCESS),
    )
    method = None
    if save_for is not None:
        if not CUSTOMER_REF.fullmatch(save_for):
            raise ValidationFailed(
                "customer must be cus_ and 6 to 60 letters or digits", field="customer"
            )
        method = PaymentMethod(
            id=store.new_ref("pm"),
            customer=save_for,
            brand=token.brand,
            last4=token.last4,
            exp_month=exp_month,
            exp_year=year,
            behaviour=token.behaviour,
        )
    async with unit_of_work(await store.sessions()) as session:
        session.add(token)
        if method is not None:
            session.add(method)
    return token, method


async def detach(*, payment_method: str, customer: str) -> None:
    """Forget a saved card for its customer (idempotent; someone else's is left alone)."""
    async with unit_of_work(await store.sessions()) as session:
        await session.execute(
            update(PaymentMethod)
            .where(
                PaymentMethod.id == payment_method,
                PaymentMethod.customer == customer,
                PaymentMethod.detached_at.is_(None),
            )
            .values(detached_at=clock.now())
        )


async def wallet_token(*, wallet: str, card: str = SUCCESS) -> Token:
    """What the Apple Pay / Google Pay sheet would hand the page: a wallet token."""
    if wallet not in WALLETS:
        raise ValidationFailed("wallet must be apple_pay or google_pay", field="wallet")
    if card not in BEHAVIOURS:
        raise ValidationFailed(f"card must be one of {sorted(BEHAVIOURS)}", field="card")
    token = Token(
        id=store.new_ref("wtok"),
        kind="wallet",
        wallet=wallet,
        brand="visa",
        last4="4242" if card == SUCCESS else "0002",
        behaviour=card,
    )
    async with unit_of_work(await store.sessions()) as session:
        session.add(token)
    return token


def charge_payload(charge: Charge) -> dict[str, Any]:
    return {
        "id": charge.id,
        "object": "charge",
        "idempotency_key": charge.idempotency_key,
        "status": charge.status,
        "method": charge.method,
        "amount": charge.amount,
        "currency": charge.currency,
        "captured_amount": charge.captured_amount,
        "refunded_amount": charge.refunded_amount,
        "failure_code": charge.failure_code,
        "failure_message": charge.failure_message,
        "next_action": next_action(charge),
        "card": {"brand": charge.brand, "last4": charge.last4} if charge.brand else None,
    }


def next_action(charge: Charge) -> dict[str, Any] | None:
    if charge.status != "requires_action":
        return None
    if charge.method == "sbp":
        return {
            "type": "redirect",
            "url": f"/sandbox-psp/sbp/{charge.id}",
            "qr_payload": qr_payload(charge),
        }
    return {"type": "redirect", "url": f"/sandbox-psp/3ds/{charge.id}"}


def qr_payload(charge: Charge) -> str:
    # Shaped like an NSPK (SBP) dynamic QR link; the sandbox never resolves it.
    total = Money(charge.amount, charge.currency).to_decimal()
    return (
        f"https://qr.nspk.ru/{charge.id.upper()}?type=02&bank=100000000111"
        f"&sum={total}&cur={charge.currency}"
    )


def _queue(session: AsyncSession, kind: str, charge: Charge) -> None:
    event_id = store.new_ref("evt")
    payload = {
        "id": event_id,
        "type": kind,
        "created": int(clock.now().timestamp()),
        "data": {"charge": charge_payload(charge)},
    }
    session.add(Notification(id=event_id, type=kind, payload=payload))


def _fail(charge: Charge, code: str) -> None:
    charge.status = "failed"
    charge.failure_code = code
    charge.failure_message = FAILURE_MESSAGES.get(code, code)


async def _by_key(session: AsyncSession, key: str) -> Charge | None:
    found: Charge | None = await session.scalar(select(Charge).where(Charge.idempotency_key == key))
    return found


async def authorize(
    *,
    idempotency_key: str,
    amount: int,
    currency: str,
    method: str,
    token: str | None,
    return_url: str | None,
    description: str,
    customer: str | None = None,
) -> Charge:
    """Authorize once per idempotency key: the same key always returns the same charge.
    A saved payment method (``pm_...``) charges only for the customer it was saved for."""
    if amount <= 0:
        raise ValidationFailed("amount must be positive", field="amount")
    factory = await store.sessions()
    async with unit_of_work(factory) as session:
        existing = await _by_key(session, idempotency_key)
        if existing is not None:
            return existing
    charge = Charge(
        id=store.new_ref("ch"),
        idempotency_key=idempotency_key,
        method=method,
        token=token,
        amount=amount,
        currency=currency.upper(),
        status="authorized",
        return_url=return_url,
        description=description[:500],
    )
    try:
        async with unit_of_work(factory) as session:
            await _decide(session, charge, customer)
            session.add(charge)
            await session.flush()
            if charge.status == "authorized":
                _queue(session, "charge.succeeded", charge)
            elif charge.status == "failed":
                _queue(session, "charge.failed", charge)
    except IntegrityError:
        # A concurrent request with the same key won: answer with its charge.
        async with unit_of_work(factory) as session:
            won = await _by_key(session, idempotency_key)
        if won is None:
            raise
        return won
    return charge


async def _decide(session: AsyncSession, charge: Charge, customer: str | None) -> None:
    if charge.method == "sbp":
        charge.status = "requires_action"
        return
    if charge.method not in ("card", "wallet"):
        _fail(charge, "method_not_supported")
        return
    if charge.method == "card" and (charge.token or "").startswith("pm_"):
        await _decide_saved(session, charge, customer)
        return
    token = await session.get(Token, charge.token) if charge.token else None
    expected_kind = "card" if charge.method == "card" else "wallet"
    if token is None or token.kind != expected_kind:
        _fail(charge, "invalid_token")
        return
    charge.brand, charge.last4 = token.brand, token.last4
    # Single use: one conditional UPDATE, so two charges can never share a token.
    taken = await session.scalar(
        update(Token)
        .where(Token.id == token.id, Token.charge_id.is_(None))
        .values(charge_id=charge.id)
        .returning(Token.id)
    )
    if taken is None:
        _fail(charge, "token_already_used")
    elif token.behaviour == CHALLENGE:
        charge.status = "requires_action"
    elif token.behaviour != SUCCESS:
        _fail(charge, token.behaviour)


async def _decide_saved(session: AsyncSession, charge: Charge, customer: str | None) -> None:
    """A saved card is reusable (no single-use claim) but only for its own customer; the
    card's issuer may still ask for 3-D Secure, as real ones do."""
    method = await session.get(PaymentMethod, charge.token)
    if (
        method is None
        or customer is None
        or method.detached_at is not None
        or not constant_time_equals(method.customer, customer)
    ):
        _fail(charge, "payment_method_unavailable")
        return
    charge.brand, charge.last4 = method.brand, method.last4
    today = clock.now()
    if (method.exp_year, method.exp_month) < (today.year, today.month):
        _fail(charge, "card_declined")
    elif method.behaviour == CHALLENGE:
        charge.status = "requires_action"
    elif method.behaviour != SUCCESS:
        _fail(charge, method.behaviour)


async def get_charge(charge_id: str) -> Charge:
    async with unit_of_work(await store.sessions()) as session:
        charge = await session.get(Charge, charge_id)
    if charge is None:
        raise ChargeNotFound("no such charge", field="charge_id")
    return charge


async def retrieve(idempotency_key: str) -> Charge | None:
    async with unit_of_work(await store.sessions()) as session:
        return await _by_key(session, idempotency_key)


async def complete_action(charge_id: str, *, passed: bool) -> Charge:
    """The buyer passed or failed the 3-D Secure challenge (or paid/declined in the bank app).
    Only the first answer counts; a webhook notification is queued for it."""
    async with unit_of_work(await store.sessions()) as session:
        charge = await session.get(Charge, charge_id)
        if charge is None:
            raise ChargeNotFound("no such charge", field="charge_id")
        moved = await session.scalar(
            update(Charge)
            .where(Charge.id == charge_id, Charge.status == "requires_action")
            .values(status="authorized" if passed else "failed")
            .returning(Charge.id)
        )
        await session.refresh(charge)
        if moved is None:
            return charge
        if passed:
            _queue(session, "charge.succeeded", charge)
        else:
            _fail(charge, "payment_declined" if charge.method == "sbp" else "authentication_failed")
            _queue(session, "charge.failed", charge)
    return charge


async def _operation(
    kind: str,
    charge_id: str,
    key: str,
    apply: Callable[[AsyncSession, Charge], Awaitable[str]],
    amount: int = 0,
) -> tuple[Charge, str]:
    """Run ``apply`` once per idempotency key; a repeat returns the charge as it is now."""
    factory = await store.sessions()
    async with unit_of_work(factory) as session:
        done = await session.get(Operation, key)
        if done is not None:
            if done.kind != kind or done.charge_id != charge_id or done.amount != amount:
                raise PspError("idempotency_key_reused", "the key was used for another request")
            charge = await session.get(Charge, charge_id)
            assert charge is not None
            return charge, done.ref
        # Serialise operations on one charge: a conditional touch takes the row's lock.
        await session.execute(
            update(Charge).where(Charge.id == charge_id).values(updated_at=clock.now())
        )
        charge = await session.get(Charge, charge_id, populate_existing=True)
        if charge is None:
            raise ChargeNotFound("no such charge", field="provider_ref")
        ref = await apply(session, charge)
        session.add(Operation(key=key, charge_id=charge_id, kind=kind, amount=amount, ref=ref))
    return charge, ref


async def capture(charge_id: str, amount: int, key: str) -> Charge:
    async def apply(session: AsyncSession, charge: Charge) -> str:
        if charge.status != "authorized":
            raise PspError("charge_not_capturable", f"the charge is {charge.status}")
        if not 0 < amount <= charge.amount:
            raise PspError("amount_too_large", "capture more than authorized")
        charge.status, charge.captured_amount = "captured", amount
        return charge.id

    charge, _ = await _operation("capture", charge_id, key, apply, amount)
    return charge


async def void(charge_id: str, key: str) -> Charge:
    async def apply(session: AsyncSession, charge: Charge) -> str:
        if charge.status in ("authorized", "requires_action"):
            charge.status = "canceled"
        elif charge.status != "canceled":
            raise PspError("charge_not_voidable", f"the charge is {charge.status}")
        return charge.id

    charge, _ = await _operation("void", charge_id, key, apply)
    return charge


async def refund(charge_id: str, amount: int, key: str) -> tuple[Charge, str]:
    async def apply(session: AsyncSession, charge: Charge) -> str:
        if charge.status not in ("captured", "partially_refunded"):
            raise PspError("charge_not_refundable", f"the charge is {charge.status}")
        if not 0 < amount <= charge.captured_amount - charge.refunded_amount:
            raise PspError("amount_too_large", "refund more than captured")
        charge.refunded_amount += amount
        full = charge.refunded_amount >= charge.captured_amount
        charge.status = "refunded" if full else "partially_refunded"
        _queue(session, "charge.refunded", charge)
        return store.new_ref("re")

    return await _operation("refund", charge_id, key, apply, amount)


Deliver = Callable[[dict[str, str], bytes], Awaitable[None]]


def signed(payload: dict[str, Any]) -> tuple[dict[str, str], bytes]:
    """The exact bytes and signature header of a notification, signed now."""
    body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    header = signing.sign(get_settings().secret, body, int(clock.now().timestamp()))
    return {signing.HEADER: header, "Content-Type": "application/json"}, body


async def deliver_due(deliver: Deliver, *, limit: int = 50) -> int:
    """Send due notifications through ``deliver``; failures back off and retry. Claims are a
    conditional UPDATE lease, so several workers never send the same one at once."""
    factory = await store.sessions()
    now = clock.now()
    async with unit_of_work(factory) as session:
        due = list(
            await session.scalars(
                select(Notification.id)
                .where(
                    Notification.delivered_at.is_(None),
                    Notification.next_attempt_at <= now,
                    or_(Notification.locked_until.is_(None), Notification.locked_until < now),
                )
                .order_by(Notification.created_at, Notification.id)
                .limit(limit)
            )
        )
        claimed = list(
            await session.scalars(
                update(Notification)
                .where(
                    Notification.id.in_(due),
                    or_(Notification.locked_until.is_(None), Notification.locked_until < now),
                )
                .values(locked_until=now + LEASE)
                .returning(Notification.id)
            )
        )
    sent = 0
    for notification_id in claimed:
        async with unit_of_work(factory) as session:
            notification = await session.get(Notification, notification_id)
            assert notification is not None
            payload = notification.payload
        headers, body = signed(payload)
        error: str | None = None
        try:
            await deliver(headers, body)
        except Exception as exc:  # any failure of the receiver means: try again later
            error = repr(exc)[:1000]
        async with unit_of_work(factory) as session:
            notification = await session.get(Notification, notification_id)
            assert notification is not None
            notification.attempts += 1
            notification.locked_until = None
            if error is None:
                notification.delivered_at = clock.now()
                sent += 1
            else:
                backoff = min(timedelta(seconds=2**notification.attempts), MAX_BACKOFF)
                notification.next_attempt_at = clock.now() + backoff
                notification.last_error = error
                log.warning("sandbox webhook failed", id=notification_id, error=error)
    return sent
