"""Payment rules: the status machine (every pair), card-number detection, PSP reconciliation,
webhook signatures, and the checkout's payment object refusing card numbers."""

from __future__ import annotations

import itertools

import pytest

from omnishop.payments import rules
from omnishop.payments.rules import Status
from omnishop.payments.sandbox import signing
from omnishop.payments.schemas import PaymentInput

ALLOWED = {
    ("pending", "requires_action"),
    ("pending", "authorized"),
    ("pending", "captured"),
    ("pending", "failed"),
    ("pending", "canceled"),
    ("requires_action", "authorized"),
    ("requires_action", "captured"),
    ("requires_action", "failed"),
    ("requires_action", "canceled"),
    ("authorized", "captured"),
    ("authorized", "canceled"),
    ("captured", "partially_refunded"),
    ("captured", "refunded"),
    ("partially_refunded", "partially_refunded"),
    ("partially_refunded", "refunded"),
}


@pytest.mark.parametrize(("current", "target"), list(itertools.product(Status, Status)))
def test_transition_allows_exactly_the_machine(current: Status, target: Status) -> None:
    if (current.value, target.value) in ALLOWED:
        assert rules.transition(current, target) == target
        assert rules.can_transition(current, target)
    else:
        with pytest.raises(rules.InvalidPaymentTransition) as caught:
            rules.transition(current, target)
        assert caught.value.status == 409
        assert caught.value.code == "invalid_payment_transition"
        assert not rules.can_transition(current, target)


def test_terminal_states_go_nowhere() -> None:
    assert {Status.REFUNDED, Status.FAILED, Status.CANCELED} == rules.TERMINAL


def test_unknown_status_is_refused() -> None:
    with pytest.raises(rules.InvalidPaymentTransition):
        rules.transition("pending", "paid")
    assert not rules.can_transition("bogus", "pending")


@pytest.mark.parametrize(
    "value",
    [
        "4242424242424242",
        "4242 4242 4242 4242",
        "4242-4242-4242-4242",
        "4000000000003220",
        "378282246310005",  # amex, 15 digits
        "6011111111111117",
        "card 4242 4242 4242 4242 exp 12/30",
        4242424242424242,
    ],
)
def test_card_numbers_are_detected(value: object) -> None:
    assert rules.looks_like_pan(value)


@pytest.mark.parametrize(
    "value",
    [
        "4242424242424241",  # Luhn fails
        "424242424242",  # 12 digits
        "42424242424242424242",  # 20 digits
        "tok_4f5a6b",
        "0000-0000",
        "",
        None,
        True,
        "+7 999 123-45-67",
        "tok_2590505465744324b56fda03",  # a Luhn-valid run inside a token's random hex
        "wtok_ab2590505465744324",
    ],
)
def test_other_values_are_not_card_numbers(value: object) -> None:
    assert not rules.looks_like_pan(value)


def test_find_pan_names_the_field_anywhere_in_the_object() -> None:
    assert rules.find_pan({"method": "card", "token": "tok_1"}) is None
    assert rules.find_pan({"method": "card", "card": {"number": "4242424242424242"}}) == (
        "card.number"
    )
    assert rules.find_pan({"extra": ["x", "4000 0000 0000 0002"]}) == "extra[1]"
    assert rules.find_pan({"4242424242424242": 1}) == "4242424242424242"


@pytest.mark.parametrize(
    "data",
    [
        {"method": "card", "token": "4242424242424242"},
        {"method": "card", "token": "tok_x", "number": "4242 4242 4242 4242"},
        {"method": "card", "return_url": "/r?c=4000000000009995"},
    ],
)
def test_payment_input_refuses_card_numbers_with_their_own_code(data: dict[str, str]) -> None:
    with pytest.raises(rules.CardNumberNotAccepted) as caught:
        PaymentInput.model_validate(data)
    assert caught.value.code == "card_number_not_accepted"
    assert caught.value.status == 422
    assert caught.value.field is not None and caught.value.field.startswith("payment.")


def test_payment_input_takes_tokens() -> None:
    parsed = PaymentInput.model_validate({"method": "wallet", "token": "wtok_abc"})
    assert parsed.token == "wtok_abc"


@pytest.mark.parametrize(
    ("status", "method", "expected"),
    [
        ("authorized", "card", True),
        ("captured", "sbp", True),
        ("pending", "cod", True),
        ("pending", "pay_at_pickup", True),
        ("pending", "card", False),
        ("requires_action", "card", False),
        ("failed", "cod", False),
        ("canceled", "pay_at_pickup", False),
        ("refunded", "card", False),
    ],
)
def test_places_order(status: str, method: str, expected: bool) -> None:
    assert rules.places_order(status, method) is expected


def test_settle_only_moves_forward() -> None:
    assert rules.settle("pending", "requires_action") == Status.REQUIRES_ACTION
    assert rules.settle("requires_action", "authorized") == Status.AUTHORIZED
    assert rules.settle("authorized", "authorized") is None
    assert rules.settle("captured", "authorized") is None
    assert rules.settle("authorized", "refunded") == Status.CAPTURED
    assert rules.settle("failed", "authorized") is None
    assert rules.settle("authorized", "failed") is None


def test_a_given_up_payment_held_at_the_psp_must_be_voided() -> None:
    assert rules.must_void("failed", "authorized")
    assert rules.must_void("canceled", "requires_action")
    assert not rules.must_void("canceled", "canceled")
    assert not rules.must_void("authorized", "authorized")


def test_refund_arithmetic() -> None:
    assert rules.refundable(100, 30) == 70
    assert rules.refundable(100, 130) == 0
    assert rules.status_after_refund(100, 100) == Status.REFUNDED
    assert rules.status_after_refund(100, 1) == Status.PARTIALLY_REFUNDED


SECRET = "whsec_test"
BODY = b'{"id":"evt_1"}'


def test_signature_round_trip() -> None:
    header = signing.sign(SECRET, BODY, 1_700_000_000)
    assert header.startswith("t=1700000000,v1=")
    assert signing.verify(SECRET, BODY, header, now=1_700_000_100) == 1_700_000_000


@pytest.mark.parametrize(
    ("header", "now"),
    [
        (None, 1_700_000_000),
        ("", 1_700_000_000),
        ("t=abc,v1=00", 1_700_000_000),
        ("v1=00", 1_700_000_000),
        (signing.sign("other", BODY, 1_700_000_000), 1_700_000_000),
        (signing.sign(SECRET, b'{"id":"evt_2"}', 1_700_000_000), 1_700_000_000),
        (signing.sign(SECRET, BODY, 1_700_000_000), 1_700_000_301),  # stale
        (signing.sign(SECRET, BODY, 1_700_000_000), 1_699_999_699),  # from the future
    ],
)
def test_bad_signatures_are_refused(header: str | None, now: int) -> None:
    with pytest.raises(signing.SignatureError):
        signing.verify(SECRET, BODY, header, now=now)
