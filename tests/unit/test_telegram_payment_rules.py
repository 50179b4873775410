"""The ``telegram`` payment method: its own provider, only in telegram channels, no contact
needed on the cart, and never part of the public checkout's payment object."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from omnishop.kernel.errors import ValidationFailed
from omnishop.payments import rules
from omnishop.payments.rules import Method
from omnishop.payments.schemas import PaymentInput, TelegramPayment


@pytest.mark.parametrize("method", list(Method))
def test_only_telegram_is_taken_by_the_telegram_provider(method: Method) -> None:
    chosen = rules.provider_for(method, "sandbox")
    assert (chosen == "telegram") == (method == Method.TELEGRAM)


@pytest.mark.parametrize("kind", ["web", "store", "pos", "whatsapp", "messenger", "sms", None])
def test_a_telegram_charge_is_refused_outside_telegram_channels(kind: str | None) -> None:
    with pytest.raises(ValidationFailed, match="telegram channel"):
        rules.check_telegram("telegram", kind)


def test_a_telegram_charge_is_taken_in_a_telegram_channel_and_other_methods_pass() -> None:
    rules.check_telegram("telegram", "telegram")
    for method in Method:
        if method != Method.TELEGRAM:
            rules.check_telegram(method, "web")


def test_no_contact_is_needed_only_at_a_counter_or_in_the_paying_chat() -> None:
    assert {Method.CASH, Method.CARD_PRESENT, Method.TELEGRAM} == rules.NO_CONTACT_NEEDED


def test_the_public_checkout_cannot_say_telegram() -> None:
    with pytest.raises(ValidationError):
        PaymentInput.model_validate({"method": "telegram", "token": "charge-1"})


def test_a_telegram_payment_carries_its_charge_id() -> None:
    paid = TelegramPayment.model_validate({"method": "telegram", "token": "charge-1"})
    assert (paid.method, paid.token) == ("telegram", "charge-1")
    with pytest.raises(ValidationError):
        TelegramPayment.model_validate({"method": "telegram"})
    with pytest.raises(ValidationError):
        TelegramPayment.model_validate({"method": "card", "token": "tok_1"})
