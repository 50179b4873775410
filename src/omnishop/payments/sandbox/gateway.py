"""The gateway adapter for the sandbox PSP (registered as provider ``sandbox``).

It calls the PSP in-process, but only through what a real adapter would have: requests,
responses and signed webhooks. The PSP's refusals become results with a failure code.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from omnishop.kernel import clock
from omnishop.payments import gateway
from omnishop.payments.gateway import (
    AuthorizeRequest,
    GatewayResult,
    WebhookEvent,
    WebhookMalformed,
    WebhookSignatureInvalid,
)
from omnishop.payments.sandbox import psp, signing
from omnishop.payments.sandbox.settings import get_settings
from omnishop.payments.sandbox.store import Charge

EVENT_TYPES = frozenset({"charge.succeeded", "charge.failed", "charge.refunded"})


def _result(charge: Charge, *, operation_ref: str | None = None) -> GatewayResult:
    return result_from_payload(psp.charge_payload(charge), operation_ref=operation_ref)


def result_from_payload(
    charge: Mapping[str, Any], *, operation_ref: str | None = None
) -> GatewayResult:
    card = charge.get("card") or {}
    return GatewayResult(
        status=str(charge["status"]),
        provider_ref=str(charge["id"]),
        amount=int(charge["amount"]),
        currency=str(charge["currency"]),
        captured_amount=int(charge.get("captured_amount") or 0),
        refunded_amount=int(charge.get("refunded_amount") or 0),
        next_action=charge.get("next_action"),
        failure_code=charge.get("failure_code"),
        failure_message=charge.get("failure_message"),
        card_brand=card.get("brand"),
        card_last4=card.get("last4"),
        idempotency_key=charge.get("idempotency_key"),
        operation_ref=operation_ref,
    )


async def _refused(charge_id: str, error: psp.PspError) -> GatewayResult:
    charge = await psp.get_charge(charge_id)
    return replace(_result(charge), failure_code=error.reason, failure_message=error.detail)


class SandboxGateway:
    name = "sandbox"

    async def authorize(self, request: AuthorizeRequest) -> GatewayResult:
        charge = await psp.authorize(
            idempotency_key=request.idempotency_key,
            amount=request.amount,
            currency=request.currency,
            method=request.method,
            token=request.token,
            return_url=request.return_url,
            description=request.description,
            customer=request.customer_ref,
        )
        return _result(charge)

    async def capture(self, provider_ref: str, amount: int, idempotency_key: str) -> GatewayResult:
        try:
            return _result(await psp.capture(provider_ref, amount, idempotency_key))
        except psp.PspError as exc:
            return await _refused(provider_ref, exc)

    async def void(self, provider_ref: str, idempotency_key: str) -> GatewayResult:
        try:
            return _result(await psp.void(provider_ref, idempotency_key))
        except psp.PspError as exc:
            return await _refused(provider_ref, exc)

    async def refund(self, provider_ref: str, amount: int, idempotency_key: str) -> GatewayResult:
        try:
            charge, ref = await psp.refund(provider_ref, amount, idempotency_key)
        except psp.PspError as exc:
            return await _refused(provider_ref, exc)
        return _result(charge, operation_ref=ref)

    async def retrieve(self, idempotency_key: str) -> GatewayResult | None:
        charge = await psp.retrieve(idempotency_key)
        return None if charge is None else _result(charge)

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
        lowered = {k.lower(): v for k, v in headers.items()}
        try:
            signing.verify(
                get_settings().secret,
                body,
                lowered.get(signing.HEADER.lower()),
                now=int(clock.now().timestamp()),
            )
        except signing.SignatureError as exc:
            raise WebhookSignatureInvalid(str(exc), field=signing.HEADER) from None
        try:
            data = json.loads(body)
            event_id, kind = str(data["id"]), str(data["type"])
            charge = result_from_payload(data["data"]["charge"])
        except (ValueError, KeyError, TypeError) as exc:
            raise WebhookMalformed(f"the notification is not understood: {exc!r}") from None
        if kind not in EVENT_TYPES or not event_id.startswith("evt_"):
            raise WebhookMalformed(f"unknown notification type {kind!r}", field="type")
        return WebhookEvent(id=event_id, type=kind, charge=charge, raw=data)


gateway.register("sandbox", SandboxGateway)
