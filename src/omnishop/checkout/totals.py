"""The ONE place a cart's money is computed: load first, then compute.

``compute(session, cart=..., lines=..., channel=...)`` gathers every fact once (the customer,
their tier, whether this is their first order, the lines' products and categories, the
voucher codes on the cart, the delivery price) and hands them to pure rules. Every reader of
a cart's money goes through it: the cart view (API, storefront, chat), the amount completion
asks the payment provider for, and the order draft (whose per-line discount and tax let a
return refund exactly what the buyer paid for a line).

    total = subtotal - discount + shipping (after free-shipping rewards)
            + tax (only when prices are tax-exclusive) + duties - points_amount

Taxes and duties (``_taxes``, through ``pricing.taxes.quote``) receive each line's net amount
after discounts and the shipping after discounts, for the address the cart ships to, and
return a ``TaxQuote`` (tax by rate; duties due now under DDP, an estimate under DAP).

Facts from other domains:

- ``_points``: loyalty points the buyer spends (``loyalty.service``). Receives what is
  payable before points; returns ``(points, amount)`` with ``amount <= payable``.
- ``_tier``: the customer's loyalty tier code, used by promotion conditions.
- segments: behavioural customer segments (``pricing.segment_rules``) from the purchase
  history, used by promotion conditions.

``CartTotals`` is frozen and serialisable (``as_json`` / ``from_json``): completion stores the
totals the payment was created for on the cart, and the order is placed from that snapshot,
so a slow 3-D Secure never meets a different price.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.catalog import facts as catalog
from omnishop.channels.models import Channel
from omnishop.checkout.models import Cart, CartLine
from omnishop.kernel import clock, i18n
from omnishop.kernel.money import Money
from omnishop.loyalty import service as loyalty
from omnishop.orders import purchases
from omnishop.pricing import promotion_rules as promo
from omnishop.pricing import promotion_service, segment_rules
from omnishop.pricing import taxes as tax_service
from omnishop.pricing.tax_schemas import TaxableLine


@dataclass(frozen=True)
class LineTotals:
    subtotal: int  # unit_amount * quantity
    discount: int  # this line's share of every item and order discount
    tax: int  # included in the price or added, see CartTotals.tax_included
    duties: int


@dataclass(frozen=True)
class AppliedPromotion:
    promotion_id: str
    name: str
    amount: int  # what it took off (items, order and shipping together)
    reason: str  # why it applied, for the buyer ("10% off Games")
    code: str | None = None  # the voucher code that brought it, if any
    gift: str | None = None  # the variant id a gift reward adds (checkout.gifts holds it)


@dataclass(frozen=True)
class RejectedPromotion:
    name: str
    reason: str  # why not, for the buyer ("the order must be at least 3 000,00 ₽")
    promotion_id: str | None = None
    code: str | None = None


@dataclass(frozen=True)
class TaxLineTotal:
    """A receipt row of the tax block: "НДС 20%", "20", and the tax at that rate."""

    name: str
    rate_percent: str
    amount: int


@dataclass(frozen=True)
class TaxQuote:
    """What B's tax seam answers: totals and the per-line split (line id -> amount)."""

    tax: int = 0
    included: bool = False
    duties: int = 0  # duty and import VAT the buyer pays now (DDP)
    lines: Mapping[str, tuple[int, int]] = field(default_factory=dict)  # id -> (tax, duties)
    breakdown: tuple[TaxLineTotal, ...] = ()
    duties_mode: str | None = None  # "ddp" | "dap" when the goods clear customs
    duties_estimate: int = 0  # duty and import VAT, due now (DDP) or on delivery (DAP)


@dataclass(frozen=True)
class CartTotals:
    currency: str
    subtotal: int
    discount: int  # items and order discounts (the sum of the lines' discounts)
    shipping_full: int  # the delivery price before free-shipping rewards
    shipping: int  # what the buyer pays for delivery
    tax: int
    tax_included: bool
    duties: int
    points: int  # loyalty points spent
    points_amount: int  # their value in the cart's currency
    total: int  # what the buyer pays now
    lines: Mapping[str, LineTotals]  # by str(cart line id)
    applied: tuple[AppliedPromotion, ...] = ()
    rejected: tuple[RejectedPromotion, ...] = ()
    voucher_codes: tuple[str, ...] = ()  # codes that applied (their redemption is taken)
    gifts: tuple[str, ...] = ()  # variant ids a gift reward adds at zero price
    # Taxes by rate, and for a cross-border cart the duties mode and the duty + import VAT
    # (in ``duties`` and the total under DDP; collected on delivery under DAP).
    tax_lines: tuple[TaxLineTotal, ...] = ()
    duties_mode: str | None = None
    duties_estimate: int = 0

    @property
    def shipping_discount(self) -> int:
        return self.shipping_full - self.shipping

    @property
    def landed_total(self) -> int:
        """Everything the buyer pays, duties included: the total, plus under DAP the duties
        the carrier collects on delivery."""
        return self.total + (self.duties_estimate if self.duties_mode == "dap" else 0)

    def tax_adjustments(self) -> tuple[dict[str, Any], ...]:
        """The order's receipt rows for tax and duties (``kind`` "tax" or "duties")."""
        rows: list[dict[str, Any]] = [
            {"kind": "tax", "name": t.name, "rate_percent": t.rate_percent, "amount": t.amount,
             "included": self.tax_included}
            for t in self.tax_lines
        ]  # fmt: skip
        if self.duties_mode:
            rows.append(
                {"kind": "duties", "mode": self.duties_mode, "amount": self.duties_estimate}
            )
        return tuple(rows)

    def line(self, line_id: uuid.UUID) -> LineTotals:
        return self.lines.get(str(line_id)) or LineTotals(0, 0, 0, 0)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CartTotals:
        raw = dict(data)
        raw["lines"] = {k: LineTotals(**v) for k, v in raw["lines"].items()}
        raw["applied"] = tuple(AppliedPromotion(**a) for a in raw.get("applied", ()))
        raw["rejected"] = tuple(RejectedPromotion(**r) for r in raw.get("rejected", ()))
        raw["voucher_codes"] = tuple(raw.get("voucher_codes", ()))
        raw["gifts"] = tuple(raw.get("gifts", ()))
        raw["tax_lines"] = tuple(TaxLineTotal(**t) for t in raw.get("tax_lines", ()))
        return cls(**raw)


def empty(currency: str) -> CartTotals:
    return CartTotals(currency, 0, 0, 0, 0, 0, False, 0, 0, 0, 0, {})


async def compute(
    session: AsyncSession, *, cart: Cart, lines: Sequence[CartLine], channel: Channel
) -> CartTotals:
    """The cart's money now: promotions and vouchers, shipping, tax and duties, points."""
    facts = await _facts(session, cart, lines, channel)
    specs, refused = await promotion_service.candidates(
        session=session, channel_code=channel.code, codes=list(cart.voucher_codes or []),
        customer_key=facts.customer_key, locale=cart.locale,
    )  # fmt: skip
    outcome = promo.evaluate(specs, facts)
    shipping_full = facts.shipping
    shipping = shipping_full - outcome.shipping_discount
    nets = {ln.line_id: ln.amount - outcome.line_discounts.get(ln.line_id, 0) for ln in facts.lines}
    taxes = await _taxes(session, cart, lines, channel, nets, shipping)
    discount = sum(outcome.line_discounts.values())
    payable = facts.subtotal - discount + shipping + taxes.duties
    if not taxes.included:
        payable += taxes.tax
    points, points_amount = await _points(session, cart, channel, payable)
    per_line = {
        key: LineTotals(
            subtotal=ln.amount,
            discount=outcome.line_discounts.get(key, 0),
            tax=taxes.lines.get(key, (0, 0))[0],
            duties=taxes.lines.get(key, (0, 0))[1],
        )
        for ln in facts.lines
        for key in [ln.line_id]
    }
    return CartTotals(
        currency=cart.currency,
        subtotal=facts.subtotal,
        discount=discount,
        shipping_full=shipping_full,
        shipping=shipping,
        tax=taxes.tax,
        tax_included=taxes.included,
        duties=taxes.duties,
        points=points,
        points_amount=points_amount,
        total=payable - points_amount,
        lines=per_line,
        applied=tuple(
            AppliedPromotion(a.promotion_id, a.name, a.amount, say(a.reason, cart), a.code, a.gift)
            for a in outcome.applied
        ),
        rejected=tuple(
            RejectedPromotion(r.name, say(r.reason, cart), r.promotion_id, r.code)
            for r in (*refused, *outcome.rejected)
        ),
        voucher_codes=tuple(a.code for a in outcome.applied if a.code),
        gifts=tuple(outcome.gifts),
        tax_lines=taxes.breakdown,
        duties_mode=taxes.duties_mode,
        duties_estimate=taxes.duties_estimate,
    )


def say(reason: str, cart: Cart) -> str:
    """A rule's reason in the cart's language, amounts formatted in its currency."""
    if not isinstance(reason, promo.Phrase):
        return reason
    text = i18n.gettext(reason.template, cart.locale)
    if not reason.params:
        return text
    params = {
        k: Money(int(str(v)), cart.currency).format(cart.locale) if k == "amount" else v
        for k, v in reason.params.items()
    }
    return text % params


# --- facts: loaded once, before any computing ---


async def _facts(
    session: AsyncSession, cart: Cart, lines: Sequence[CartLine], channel: Channel
) -> promo.CartFacts:
    products = await _products(session, [ln.variant_id for ln in lines])
    line_facts = tuple(
        promo.LineFacts(
            line_id=str(ln.id),
            variant_id=str(ln.variant_id),
            product_id=products.get(ln.variant_id, ("", frozenset()))[0],
            category_ids=products.get(ln.variant_id, ("", frozenset()))[1],
            quantity=ln.quantity,
            unit_amount=ln.unit_amount,
        )
        for ln in lines
    )
    now = clock.now()
    bought = await purchases.history(
        session=session, cart_id=cart.id, customer_id=cart.customer_id, email=cart.email,
        phone=cart.phone, now=now,
    )  # fmt: skip
    return promo.CartFacts(
        currency=cart.currency,
        channel=channel.code,
        now=now,
        customer_key=customer_key(cart),
        tier=await _tier(session, cart),
        segments=segment_rules.segments_of(
            kept_orders=bought.kept,
            kept_last_year=bought.kept_last_year,
            last_order_at=bought.last_kept_at,
            now=now,
        ),
        first_order=bought.orders == 0,
        lines=line_facts,
        shipping=int((cart.delivery or {}).get("amount") or 0),
    )


def customer_key(cart: Cart) -> str | None:
    """Who a per-customer voucher limit counts: the customer, else the contact given."""
    if cart.customer_id is not None:
        return f"customer:{cart.customer_id}"
    if cart.email:
        return f"email:{cart.email.strip().lower()}"
    if cart.phone:
        return f"phone:{cart.phone.strip()}"
    return None


async def _products(
    session: AsyncSession, variant_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, tuple[str, frozenset[str]]]:
    """Each variant's product id and its category with every ancestor (``catalog.facts``)."""
    found = await catalog.placements(session=session, variant_ids=variant_ids)
    return {
        vid: (str(p.product_id), frozenset(str(c) for c in p.category_ids))
        for vid, p in found.items()
    }


async def _tier(session: AsyncSession, cart: Cart) -> str | None:
    """The customer's loyalty tier code, e.g. "gold"; None for no tier (or a guest)."""
    return await loyalty.tier_code(session=session, customer_id=cart.customer_id)


async def _taxes(
    session: AsyncSession,
    cart: Cart,
    lines: Sequence[CartLine],
    channel: Channel,
    nets: Mapping[str, int],
    shipping: int,
) -> TaxQuote:
    """Tax and duties (``pricing.taxes.quote``) on each line's net amount (``nets``: str(line
    id) -> amount after discounts) and on shipping, for the address the cart ships to (a
    pickup is taxed where the channel sells)."""
    pickup = (cart.delivery or {}).get("kind") == "pickup"
    address = {} if pickup else (cart.shipping_address or {})
    q = await tax_service.quote(
        session=session,
        channel=channel,
        destination_country=address.get("country"),
        destination_region=address.get("region"),
        lines=[
            TaxableLine(
                key=str(ln.id), amount=max(0, nets.get(str(ln.id), 0)), variant_id=ln.variant_id
            )
            for ln in lines
        ],
        shipping_amount=shipping,
        ddp=(cart.duties_mode or "ddp") == "ddp",
    )
    return TaxQuote(
        tax=q.tax,
        included=q.prices_include_tax,
        duties=q.duties_due,
        lines={lt.key: (lt.tax, lt.duty + lt.import_vat if q.ddp else 0) for lt in q.lines},
        breakdown=tuple(
            TaxLineTotal(t.name, format(t.rate_percent.normalize(), "f"), t.amount) for t in q.taxes
        ),
        duties_mode=(cart.duties_mode or "ddp") if q.cross_border else None,
        duties_estimate=q.duties_total,
    )


async def _points(
    session: AsyncSession, cart: Cart, channel: Channel, payable: int
) -> tuple[int, int]:
    """Loyalty points the buyer chose to spend on this cart and their value, capped by the
    balance and the programme's max share of ``payable``. (0, 0) when none."""
    spend = await loyalty.cart_spend(
        session=session, cart_id=cart.id, customer_id=cart.customer_id, payable=payable,
        currency=cart.currency,
    )  # fmt: skip
    if spend is None or spend.points <= 0:
        return 0, 0
    return spend.points, min(spend.amount, payable)
