"""Telegram invoices for delivery (not pickup): Telegram asks the buyer for a name, a phone
and an address (``need_*``), sends us the address as a shipping_query, and we answer with
the shipping options the storefront would offer there, priced by the same checkout service;
the chosen option and the order info come back with pre_checkout_query and
successful_payment, and are put on the cart before its total is checked and the order placed.

Field names are the Bot API's: ShippingAddress {country_code, state, city, street_line1,
street_line2, post_code}, OrderInfo {name, phone_number, email, shipping_address}."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.checkout import service as checkout
from omnishop.checkout.schemas import CartUpdate, CartView
from omnishop.conversations.bot.texts import t
from omnishop.kernel.errors import DomainError, ValidationFailed


def address_of(
    raw: dict[str, Any] | None, *, name: str | None = None, phone: str | None = None
) -> dict[str, Any] | None:
    """A Bot API ShippingAddress as the cart's address (pure); None without a country."""
    if not raw or not str(raw.get("country_code") or "").strip():
        return None
    found = {
        "recipient": name,
        "phone": phone,
        "country": str(raw["country_code"]).strip().upper(),
        "region": raw.get("state"),
        "city": raw.get("city"),
        "postcode": raw.get("post_code"),
        "line1": raw.get("street_line1"),
        "line2": raw.get("street_line2"),
    }
    # Telegram sends "" for a field the buyer left empty; the cart keeps no empty strings.
    return {k: str(v).strip() for k, v in found.items() if v is not None and str(v).strip()}


def phone_of(raw: object) -> str | None:
    """Telegram gives the number without its "+" (79161234567); the cart keeps E.164."""
    text = str(raw or "").strip()
    return f"+{text}" if text.isdigit() else text or None


def wants_delivery(payment: dict[str, Any]) -> bool:
    """The payment (pre-checkout or successful) is for an invoice that asked for delivery."""
    info = payment.get("order_info") or {}
    return bool(payment.get("shipping_option_id") or info.get("shipping_address"))


def _update(data: dict[str, Any]) -> CartUpdate:
    try:
        return CartUpdate.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed("the address Telegram sent is not usable", field="address") from exc


async def clear(*, session: AsyncSession, cart: CartView) -> CartView:
    """Before a delivery invoice: no delivery on the cart, so the invoice bills the goods
    alone and the shipping option the buyer picks in Telegram adds the rest."""
    if not cart.delivery:
        return cart
    return await checkout.update_cart(
        session=session, token=cart.token, data=_update({"delivery": None})
    )


async def options(
    *, session: AsyncSession, token: str, address: dict[str, Any] | None, language: str
) -> list[dict[str, Any]]:
    """Telegram ShippingOptions for ``address``: the cart's shipping methods there. Each is
    priced as what it adds to the goods the invoice billed (the cart's total with it, less
    the total without a delivery), so the amount Telegram charges is exactly the total the
    order is placed at. Tried in savepoints that are rolled back: nothing is stored here.
    Empty when we cannot deliver there."""
    if address is None:
        return []
    found: list[dict[str, Any]] = []
    async with session.begin_nested() as trial:
        try:
            goods = await checkout.update_cart(
                session=session,
                token=token,
                data=_update({"shipping_address": address, "delivery": None}),
            )
            quotes = await checkout.delivery_options(session=session, token=token)
        except DomainError:
            quotes = None
        for quote in quotes.shipping if quotes is not None else []:
            async with session.begin_nested() as one:
                try:
                    priced = await checkout.update_cart(
                        session=session,
                        token=token,
                        data=_update({"delivery": {"kind": "shipping", "method": quote.method}}),
                    )
                except DomainError:
                    priced = None
                await one.rollback()
            amount = priced.total.amount - goods.total.amount if priced is not None else -1
            if amount >= 0:
                found.append(
                    {
                        "id": quote.method,
                        "title": quote.name,
                        "prices": [{"label": t("invoice.shipping", language), "amount": amount}],
                    }
                )
        await trial.rollback()
    return found


async def apply(*, session: AsyncSession, token: str, payment: dict[str, Any]) -> CartView:
    """Put what the buyer gave Telegram on the cart: contact, address and the chosen
    shipping option (re-quoted by checkout: an option it does not offer there is refused)."""
    info: dict[str, Any] = dict(payment.get("order_info") or {})
    phone = phone_of(info.get("phone_number"))
    address = address_of(info.get("shipping_address"), name=info.get("name"), phone=phone)
    method = str(payment.get("shipping_option_id") or "")
    if address is None or not method:
        raise ValidationFailed("a delivery needs an address and a shipping option", field="address")
    data: dict[str, Any] = {
        "shipping_address": address,
        "delivery": {"kind": "shipping", "method": method},
    }
    if phone:
        data["phone"] = phone
    if info.get("email"):
        data["email"] = info["email"]
    return await checkout.update_cart(session=session, token=token, data=_update(data))


def where(cart: CartView) -> tuple[str, str]:
    """The delivery's name and a one-line address, for the customer's confirmation."""
    delivery = cart.delivery or {}
    address = cart.shipping_address or {}
    line = ", ".join(
        str(address[k]) for k in ("line1", "line2", "city", "postcode") if address.get(k)
    )
    return str(delivery.get("name") or delivery.get("method") or "—"), line
