"""Money taken in person at a store counter: cash, or a card on the store's own terminal.

Registered as the provider ``in_person`` so in-store payments go through the same payment
records, events, refunds and voids as online ones (one code path). There is no PSP to ask:
the cashier has the money before the sale is rung up, so an authorization is a capture, and
a refund is money handed back at the counter (or to the card on the terminal)."""

from __future__ import annotations

from collections.abc import Mapping

from omnishop.payments import gateway
from omnishop.payments.gateway import (
    AuthorizeRequest,
    GatewayResult,
    WebhookEvent,
    WebhookMalformed,
)

NAME = "in_person"


class InPersonGateway:
    name = NAME

    async def authorize(self, request: AuthorizeRequest) -> GatewayResult:
        return GatewayResult(
            status="captured",
            provider_ref=f"inperson_{request.idempotency_key}",
            amount=request.amount,
            currency=request.currency,
            captured_amount=request.amount,
            idempotency_key=request.idempotency_key,
        )

    async def capture(self, provider_ref: str, amount: int, idempotency_key: str) -> GatewayResult:
        return GatewayResult(status="captured", provider_ref=provider_ref, captured_amount=amount)

    async def void(self, provider_ref: str, idempotency_key: str) -> GatewayResult:
        return GatewayResult(status="canceled", provider_ref=provider_ref)

    async def refund(self, provider_ref: str, amount: int, idempotency_key: str) -> GatewayResult:
        return GatewayResult(
            status="refunded",
            provider_ref=provider_ref,
            refunded_amount=amount,
            operation_ref=f"inperson_{idempotency_key}",
        )

    async def retrieve(self, idempotency_key: str) -> GatewayResult | None:
        # Nothing happens outside our records: a payment we did not record never happened.
        return None

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
        raise WebhookMalformed("in-person payments send no webhooks")


gateway.register(NAME, InPersonGateway)
