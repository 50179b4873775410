"""What the bot says. A key per reply keeps the flows readable; each key maps to an English
msgid (marked with ``N_`` for ``make messages``) whose ru and ka translations live in the
gettext catalogs like every other string. ``t(key, language, **values)`` fills the reply's
``{name}`` placeholders; English when the language is not ours or a translation is missing."""

from __future__ import annotations

from typing import Any

from omnishop.kernel import i18n
from omnishop.kernel.i18n import N_

TEXTS: dict[str, str] = {
    "greeting": N_("Hello! I can find products, take your order and tell you where it is."),
    "menu.search": N_("Catalogue"),
    "menu.cart": N_("Cart"),
    "menu.orders": N_("My orders"),
    "menu.human": N_("Talk to a person"),
    "thanks": N_("You're welcome! Write any time."),
    "ask.product": N_("What are you looking for? Type a product name."),
    "found": N_("Here is what I found for “{q}”:"),
    "nothing": N_("Nothing found for “{q}”. Try another word."),
    "more": N_("More"),
    "in_stock": N_("in stock"),
    "out_of_stock": N_("out of stock"),
    "add": N_("Add to cart"),
    "choose.variant": N_("Choose an option of “{name}”:"),
    "added": N_("Added to your cart: {name} × {qty}. Cart total {total}."),
    "not_added": N_("Could not add it: {reason}"),
    "which_product": N_("Which product? Find it and press “Add to cart” on its card."),
    "cart.empty": N_("Your cart is empty."),
    "cart.lines": N_("In your cart:"),
    "cart.total": N_("Total: {total}"),
    "checkout": N_("Check out"),
    "pay.link": N_("Check out and pay here — your cart is waiting."),
    "pay.invoice": N_("Here is your invoice: {total}."),
    "pay": N_("Pay"),
    "invoice.title": N_("Order"),
    "invoice.discount": N_("Discount"),
    "invoice.shipping": N_("Delivery"),
    "invoice.tax": N_("Tax"),
    "invoice.duties": N_("Duties"),
    "invoice.points": N_("Paid with points"),
    "invoice.total": N_("Total"),
    "ask.order": N_("What is the order number (e.g. WEB-000123)?"),
    "order.unknown": N_("I could not find order {number} among your orders."),
    "order.status": N_("Order {number}: {status}, payment: {payment}. Total {total}."),
    "order.tracking": N_("Shipment {carrier} {tracking}: {status}."),
    "orders.none": N_("You have no orders yet."),
    "orders.pick": N_("Your orders:"),
    "return": N_("You can start a return of order {number} on its page: {link}"),
    "delivery": N_(
        "We deliver by courier, post and to pickup points; the price and dates show at "
        "checkout once you enter the address."
    ),
    "loyalty": N_("You have {points} points{tier}."),
    "loyalty.anonymous": N_(
        "Points come with purchases. Link your shop account and I will show the balance."
    ),
    "ask.location": N_("Share your location and I will show the nearest stores that have it."),
    "stores.none": N_("No store near you has it in stock."),
    "stores.pick_product": N_("Which product should I look for in stores? Find it first."),
    "store": N_("{name}, {address} — {available} pcs{distance}\nHours: {hours}\n{map}"),
    "question": N_("The product page has the details; I can call a consultant if you like."),
    "not_understood": N_(
        "Sorry, I did not get that. I can find a product, show your cart or an order."
    ),
    "other": N_("A person can help you better with that. Shall I call one?"),
    "handoff": N_("I am passing you to a person; they will answer here."),
    "resume": N_("Back to where we were?"),
    "resume.button": N_("Continue"),
    "precheckout.gone": N_("This cart was already checked out or closed."),
    "precheckout.stock": N_("An item sold out while you were paying."),
    "precheckout.changed": N_("The price changed; ask for a new invoice."),
    "paid": N_("Payment received, thank you! A person will confirm your order here."),
    "link.ask": N_("Type the email or phone (with country code) of your shop account."),
    "link.sent": N_("I sent a code to {destination}. Type it here (6 digits)."),
    "link.bad_destination": N_(
        "That does not look like an email or a phone with its country code."
    ),
    "link.limited": N_("Too many codes this hour; try again later."),
    "link.done": N_("Done: this chat is linked to your account; your orders and points show here."),
    "link.wrong": N_("That code is wrong or expired. Try again."),
    "link.button": N_("Sign in"),
    "review.rate": N_("How would you rate “{name}”?"),
    "review.text": N_("Thank you! A few words about it?"),
    "review.done": N_("Review sent; it appears once checked."),
    "review.refused": N_("You can review a product you received, once."),
    "error": N_("That did not work; try again or ask for a person."),
    "csat.thanks": N_("Thank you for rating us!"),
    "ask.option": N_("Which option would you like?"),
    "return.pick_order": N_("Which order would you like to return?"),
    "return.no_orders": N_("None of your orders can be returned right now."),
    "return.lines": N_(
        "Order {number}. What would you like to return? Tap an item for one unit, or “all”."
    ),
    "return.picked": N_("Chosen: {items}."),
    "return.all": N_("{name}: all ({count})"),
    "return.next": N_("Next"),
    "return.cancel": N_("Cancel the return"),
    "return.canceled": N_("All right, no return then."),
    "return.pick_line": N_("Choose at least one item first."),
    "return.reason": N_("Why are you returning it?"),
    "return.reason.changed_mind": N_("Changed my mind"),
    "return.reason.wrong_size": N_("Wrong size"),
    "return.reason.damaged": N_("Damaged"),
    "return.reason.defective": N_("Defective"),
    "return.reason.not_as_described": N_("Not as described"),
    "return.reason.wrong_item": N_("Wrong item sent"),
    "return.reason.other": N_("Other"),
    "return.confirm": N_(
        "Return from order {number}: {items}. Reason: {reason}. Send the request?"
    ),
    "return.confirm.button": N_("Send the request"),
    "return.created": N_(
        "Return {number} is open. {next} We will refund {amount} once the items arrive."
    ),
    "return.drop_off": N_("Please bring the items to {store} ({address})."),
    "return.courier": N_(
        "Hand the parcel to the carrier; its return tracking number is {tracking}."
    ),
    "return.already": N_("Return {number} has already been sent."),
    "return.stale": N_("That button is out of date; let's go on from here."),
    "return.undelivered": N_(
        "Order {number} has not been delivered yet: it can be returned once you have it."
    ),
    "return.window": N_(
        "Returns of order {number} closed on {date}: items may be returned within {days} days"
        " of delivery."
    ),
    "return.not_returnable": N_("The items of order {number} cannot be returned."),
    "return.nothing_left": N_(
        "Everything in order {number} has already been returned or is in a return."
    ),
    "return.too_many": N_("That many units can no longer be returned; please choose again."),
    "return.browser": N_("Open in browser"),
    "checkout.delivery": N_("Check out with delivery"),
    "shipping.unavailable": N_(
        "We do not deliver to this address yet. Enter another address or choose pickup."
    ),
    "placed.delivery": N_(
        "Payment received, thank you! Order {number} is placed, delivery: {delivery}, "
        "{address}. Order status: {link}"
    ),
    "placed.pickup": N_(
        "Payment received, thank you! Order {number} is placed, pickup at {pickup}. "
        "Order status: {link}"
    ),
    "unplaced": N_(
        "Payment received, but the order could not be placed. A person will refund the money "
        "or help you place the order again."
    ),
}


def t(key: str, language: str, **values: Any) -> str:
    """The reply ``key`` in the chat's ``language``."""
    return i18n.translate(TEXTS[key], language, **values)


# Order, payment and shipment states as the customer reads them (the storefront's order page
# uses the same English words, so both say the same in each language); codes not listed are
# shown as they are.
STATES: dict[str, dict[str, str]] = {
    "order": {
        "placed": N_("Placed"),
        "paid": N_("Paid"),
        "fulfilling": N_("Being shipped"),
        "ready_for_pickup": N_("Ready for pickup"),
        "shipped": N_("Shipped"),
        "delivered": N_("Delivered"),
        "collected": N_("Collected"),
        "completed": N_("Completed"),
        "canceled": N_("Canceled"),
    },
    "payment": {
        "pending": N_("Awaiting payment"),
        "authorized": N_("Authorised"),
        "paid": N_("Paid"),
        "partially_refunded": N_("Partly refunded"),
        "refunded": N_("Refunded"),
        "voided": N_("Canceled"),
    },
    "shipment": {
        "shipped": N_("Shipped"),
        "label_created": N_("Label created"),
        "in_transit": N_("In transit"),
        "out_for_delivery": N_("Out for delivery"),
        "ready_for_pickup": N_("Ready for pickup"),
        "failed_attempt": N_("Delivery attempt failed"),
        "exception": N_("Delivery problem"),
        "returned": N_("Returned to sender"),
        "delivered": N_("Delivered"),
    },
}


def state(kind: str, code: str, language: str) -> str:
    """An order (``kind`` "order"), payment or shipment state in the chat's ``language``."""
    words = STATES[kind].get(code)
    return i18n.translate(words, language) if words else code


# Why the cart refused, by error code (the storefront's words for the same errors); the
# error's own detail is English for logs and the API, so the customer never reads it.
REFUSALS: dict[str, str] = {
    "out_of_stock": N_("Sorry, there is not enough stock for this quantity."),
    "variant_not_for_sale": N_("This item cannot be bought in this shop."),
    "cart_not_open": N_("This cart is already checked out. Start a new one."),
    "cart_not_found": N_("Your cart has expired. Start a new one."),
}
REFUSED = N_("Something went wrong. Please try again.")


def refusal(code: str, language: str) -> str:
    """Why an action was refused (a ``DomainError.code``), in the chat's ``language``."""
    return i18n.translate(REFUSALS.get(code, REFUSED), language)
