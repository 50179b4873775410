"""Checkout errors with stable codes (they become problem details in the API)."""

from __future__ import annotations

from typing import Any, ClassVar

from omnishop.kernel.errors import Conflict, Forbidden, NotFound, ValidationFailed


class CartNotFound(NotFound):
    code: ClassVar[str] = "cart_not_found"
    title: ClassVar[str] = "Cart not found"


class CartNotOpen(Conflict):
    """The cart is being completed, awaits a payment, was completed or abandoned."""

    code: ClassVar[str] = "cart_not_open"
    title: ClassVar[str] = "Cart can no longer be changed"

    def __init__(self, state: str) -> None:
        super().__init__(f"the cart is {state}, not open", field="token", state=state)
        self.state = state


class LineNotFound(NotFound):
    code: ClassVar[str] = "cart_line_not_found"
    title: ClassVar[str] = "Cart line not found"


class VariantNotForSale(Conflict):
    """The variant exists but is not sold in the cart's channel (inactive, unpublished,
    not purchasable, or without a price there)."""

    code: ClassVar[str] = "variant_not_for_sale"
    title: ClassVar[str] = "Not for sale in this channel"


class PickupUnavailable(Conflict):
    """The chosen pickup location cannot hold the whole cart; ``missing`` names the lines."""

    code: ClassVar[str] = "pickup_unavailable"
    title: ClassVar[str] = "Pickup location cannot hold the cart"

    def __init__(self, detail: str, *, missing: list[dict[str, Any]]) -> None:
        super().__init__(detail, field="delivery.location_id", missing=missing)


class DeliveryUnavailable(Conflict):
    """The chosen shipping method does not deliver this cart to this address."""

    code: ClassVar[str] = "delivery_unavailable"
    title: ClassVar[str] = "Delivery option not available"


class ShippingAddressRequired(ValidationFailed):
    code: ClassVar[str] = "shipping_address_required"
    title: ClassVar[str] = "A shipping address is needed first"


class CartEmpty(Conflict):
    """A cart offered for checkout (a chat's pay link) has no lines to buy."""

    code: ClassVar[str] = "cart_empty"
    title: ClassVar[str] = "The cart is empty"


class CartNotYours(Forbidden):
    """The cart belongs to another customer: it is never handed to this one."""

    code: ClassVar[str] = "cart_not_yours"
    title: ClassVar[str] = "The cart belongs to another customer"
