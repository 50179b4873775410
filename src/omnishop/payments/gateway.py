"""The gateway protocol every payment provider adapter implements, and the registry.

A declined card is not an exception: it is a ``GatewayResult`` with status ``failed`` and a
failure code. Exceptions are for a provider that cannot be reached or answers nonsense
(``GatewayUnavailable``) and for webhooks that fail verification.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from omnishop.kernel.errors import DomainError, NotFound, Unauthorized


@dataclass(frozen=True)
class AuthorizeRequest:
    idempotency_key: str  # str(payment.id): the same payment never charges twice
    amount: int
    currency: str
    method: str
    token: str | None
    return_url: str | None
    description: str
    # Our customer at the PSP (payments.service.customer_ref): saved methods are bound to it.
    customer_ref: str | None = None


@dataclass(frozen=True)
class GatewayResult:
    """The state of a charge at the provider after an operation (or as retrieved)."""

    # requires_action | authorized | captured | partially_refunded | refunded | failed | canceled
    status: str
    provider_ref: str | None
    amount: int = 0
    currency: str = ""
    captured_amount: int = 0
    refunded_amount: int = 0
    next_action: dict[str, Any] | None = None
    failure_code: str | None = None
    failure_message: str | None = None
    card_brand: str | None = None
    card_last4: str | None = None
    idempotency_key: str | None = None
    # The id of the operation itself (a refund's id) when it has one.
    operation_ref: str | None = None


@dataclass(frozen=True)
class WebhookEvent:
    id: str
    type: str  # charge.succeeded | charge.failed | charge.refunded
    charge: GatewayResult
    raw: dict[str, Any] = field(default_factory=dict)


class GatewayUnavailable(DomainError):
    code: ClassVar[str] = "payment_provider_unavailable"
    status: ClassVar[int] = 503
    title: ClassVar[str] = "The payment provider is unavailable"


class WebhookSignatureInvalid(Unauthorized):
    code: ClassVar[str] = "invalid_signature"
    title: ClassVar[str] = "Webhook signature invalid"


class WebhookMalformed(DomainError):
    code: ClassVar[str] = "invalid_webhook"
    status: ClassVar[int] = 400
    title: ClassVar[str] = "Webhook not understood"


class UnknownProvider(NotFound):
    code: ClassVar[str] = "unknown_payment_provider"


class Gateway(Protocol):
    name: str

    async def authorize(self, request: AuthorizeRequest) -> GatewayResult: ...

    async def capture(
        self, provider_ref: str, amount: int, idempotency_key: str
    ) -> GatewayResult: ...

    async def void(self, provider_ref: str, idempotency_key: str) -> GatewayResult: ...

    async def refund(
        self, provider_ref: str, amount: int, idempotency_key: str
    ) -> GatewayResult: ...

    async def retrieve(self, idempotency_key: str) -> GatewayResult | None:
        """The charge made with this authorize idempotency key, or None if the provider
        never saw it (the truth for reconciliation after a crash)."""
        ...

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookEvent: ...


_FACTORIES: dict[str, Callable[[], Gateway]] = {}
_OVERRIDES: dict[str, Gateway] = {}


def register(name: str, factory: Callable[[], Gateway]) -> None:
    """Make a provider available by name (adapters call this on import)."""
    _FACTORIES[name] = factory


def override(name: str, gateway: Gateway | None) -> None:
    """Replace a provider's gateway (tests inject faults); None restores the registered one."""
    if gateway is None:
        _OVERRIDES.pop(name, None)
    else:
        _OVERRIDES[name] = gateway


def get(provider: str) -> Gateway:
    if provider in _OVERRIDES:
        return _OVERRIDES[provider]
    if provider not in _FACTORIES and provider == "sandbox":
        # The bundled sandbox registers itself on import; import lazily to keep it optional.
        import omnishop.payments.sandbox.gateway  # noqa: F401
    if provider not in _FACTORIES and provider == "in_person":
        importlib.import_module("omnishop.payments.in_person")  # registers itself
    if provider not in _FACTORIES and provider == "telegram":
        importlib.import_module("omnishop.payments.telegram")  # registers itself
    try:
        return _FACTORIES[provider]()
    except KeyError:
        raise UnknownProvider(f"unknown payment provider {provider!r}", field="provider") from None
