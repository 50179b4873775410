"""Pydantic shapes of the payments domain: the checkout's `payment` object and API reads."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from omnishop.payments import rules

Method = Literal["card", "wallet", "sbp", "cod", "pay_at_pickup"]


class PaymentInput(BaseModel):
    """How the buyer pays: a method and, for card/wallet, the PSP token (never a card number)."""

    model_config = ConfigDict(extra="forbid")

    method: Method
    # tok_/wtok_ for card/wallet; required for them.
    token: str | None = Field(default=None, max_length=200)
    # Where the 3-D Secure or bank page sends the buyer back.
    return_url: str | None = Field(default=None, max_length=2000)

    @model_validator(mode="before")
    @classmethod
    def _no_card_numbers(cls, data: Any) -> Any:
        # A card number anywhere in the object (even an unknown key) is refused with its own
        # code, before any other check, so it is never echoed back in a validation error.
        # A domain error (not ValueError) passes through pydantic to the API's handler.
        found = rules.find_pan(data)
        if found is not None:
            raise rules.CardNumberNotAccepted(field=f"payment.{found}")
        return data


class InPersonPayment(PaymentInput):
    """Money taken at a store counter (an in-store sale). Not part of the public checkout's
    ``payment``: only the staff POS endpoint builds one."""

    method: Literal["cash", "card_present"]  # type: ignore[assignment]


class TelegramPayment(PaymentInput):
    """Money Telegram Payments collected in a bot's chat (a successful_payment). Not part of
    the public checkout's ``payment``: only the chat's payment handler builds one. The token
    is the ``telegram_payment_charge_id`` (one payment per charge)."""

    method: Literal["telegram"]  # type: ignore[assignment]
    token: str = Field(min_length=1, max_length=200)


class RefundCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: int = Field(gt=0, le=10**12)
    reason: str | None = Field(default=None, max_length=500)


class CaptureCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: int | None = Field(default=None, gt=0, le=10**12)


class RefundRead(BaseModel):
    id: uuid.UUID
    amount: int
    status: str
    reason: str | None
    provider_ref: str | None
    created_at: datetime


class PaymentRead(BaseModel):
    id: uuid.UUID
    reference: str
    order_id: uuid.UUID | None
    provider: str
    method: str
    status: str
    amount: int
    currency: str
    authorized_amount: int
    captured_amount: int
    refunded_amount: int
    card_brand: str | None
    card_last4: str | None
    next_action: dict[str, Any] | None
    failure_code: str | None
    failure_message: str | None
    provider_ref: str | None
    created_at: datetime
    updated_at: datetime
    refunds: list[RefundRead] = []
