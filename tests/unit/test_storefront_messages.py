"""What a buyer reads for a domain error: the most specific message we have, never the raw
error text, and every message translated."""

from __future__ import annotations

import uuid

import pytest

from omnishop.checkout.completion_errors import PaymentDeclined
from omnishop.inventory.errors import OutOfStock
from omnishop.kernel import i18n
from omnishop.kernel.errors import Conflict, ValidationFailed
from omnishop.storefront.messages import FALLBACK, MESSAGES, error_code, message_key


def test_a_declined_payment_is_told_by_its_reason() -> None:
    assert error_code(PaymentDeclined("card_declined", "The card was declined.")) == "card_declined"
    assert error_code(PaymentDeclined("insufficient_funds", None)) == "insufficient_funds"
    assert error_code(PaymentDeclined("something_new", None)) == "payment_declined"


def test_known_codes_map_to_their_message_and_unknown_ones_to_a_generic_one() -> None:
    assert error_code(OutOfStock(uuid.uuid4(), 5)) == "out_of_stock"
    assert error_code(ValidationFailed("bad")) == "validation_failed"
    assert error_code(Conflict("odd")) == "error"
    assert message_key("out_of_stock") == MESSAGES["out_of_stock"]
    assert message_key("error") == FALLBACK
    assert message_key("<script>") == FALLBACK
    assert message_key(None) is None and message_key("") is None


@pytest.mark.parametrize("locale", ["ru", "ka"])
def test_every_message_is_translated(locale: str) -> None:
    for message in [*MESSAGES.values(), FALLBACK]:
        assert i18n.gettext(message, locale) != message, (locale, message)
