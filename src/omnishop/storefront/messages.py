"""What the buyer reads when something goes wrong: domain error codes to translatable
messages (translated at render time), never the raw error text."""

from __future__ import annotations

from omnishop.kernel.errors import DomainError


def N_(message: str) -> str:
    return message


# Error codes (kernel.errors subclasses) → what the buyer reads; translated at render time.
MESSAGES: dict[str, str] = {
    "out_of_stock": N_("Sorry, there is not enough stock for this quantity."),
    "variant_not_for_sale": N_("This item cannot be bought in this shop."),
    "price_changed": N_("A price in your cart has changed. Please check the cart and pay again."),
    "card_declined": N_("The card was declined. Try another card."),
    "insufficient_funds": N_("The card has insufficient funds. Try another card."),
    "authentication_failed": N_("The 3-D Secure check failed. Try again or use another card."),
    "payment_declined": N_("The payment was declined. Try again or choose another way to pay."),
    "token_already_used": N_("This saved card needs to be entered again."),
    "cart_not_ready": N_("Some checkout details are missing: please check the steps above."),
    "cart_not_open": N_("This cart is already checked out. Start a new one."),
    "cart_not_found": N_("Your cart has expired. Start a new one."),
    "cart_empty": N_("The cart in this link is empty. Add items in the chat or here."),
    "cart_not_yours": N_(
        "This cart belongs to another account. Sign out to pay for it, or start a new one."
    ),
    "checkout_in_progress": N_("Your payment is being processed. Wait a moment and reload."),
    "pickup_unavailable": N_("This store cannot give you the whole cart. Choose another store."),
    "delivery_unavailable": N_("This delivery method is not available for your address."),
    "shipping_address_required": N_("Please enter a delivery address."),
    "sign_in_rate_limited": N_("Too many codes were requested. Wait a few minutes and try again."),
    "sign_in_code_wrong": N_("The code is wrong or has expired. Request a new one."),
    "card_invalid": N_("Check the card number, expiry date and security code."),
    "payment_provider_unavailable": N_("The payment service is not answering. Try again soon."),
    "validation_failed": N_("Please check the highlighted fields."),
    "voucher_not_found": N_("There is no such voucher code."),
    "voucher_unavailable": N_("This voucher cannot be used now."),
    "too_many_vouchers": N_("No more voucher codes fit on this cart."),
    "insufficient_points": N_("You do not have that many points."),
    "points_need_customer": N_("Sign in to spend your points."),
}
FALLBACK = N_("Something went wrong. Please try again.")


def error_code(exc: DomainError) -> str:
    """The most specific code we have a message for (a declined payment names its reason)."""
    reason = exc.extra.get("reason")
    if isinstance(reason, str) and reason in MESSAGES:
        return reason
    return exc.code if exc.code in MESSAGES else "error"


def message_key(code: str | None) -> str | None:
    if not code:
        return None
    return MESSAGES.get(code[:60], FALLBACK)
