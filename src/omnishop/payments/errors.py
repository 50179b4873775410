"""Payment errors with stable codes (problem details in the API)."""

from __future__ import annotations

from typing import ClassVar

from omnishop.kernel.errors import Conflict, ValidationFailed
from omnishop.payments.recording import PaymentNotFound

__all__ = ["PaymentNotFound", "PaymentOperationFailed", "RefundExceedsCaptured", "RefundKeyReused"]


class PaymentOperationFailed(Conflict):
    code: ClassVar[str] = "payment_operation_failed"
    title: ClassVar[str] = "The payment provider refused the operation"


class RefundExceedsCaptured(Conflict):
    code: ClassVar[str] = "refund_exceeds_captured"
    title: ClassVar[str] = "Refund larger than what is left to refund"


class RefundKeyReused(ValidationFailed):
    code: ClassVar[str] = "refund_key_reused"
