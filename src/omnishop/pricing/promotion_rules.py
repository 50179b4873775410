"""Promotion maths, pure: which promotions a cart earns (and why the others not), what each
takes off, how they stack, and how an order discount is shared between the lines.

Amounts are integer minor units of the cart's currency; percentages are Decimal and every
rounding is explicit (half up, to the minor unit, per promotion). Stacking:

- a promotion is *exclusive* (never combined) or *stackable* (combined with the other
  stackable ones, applied one after another in priority order on what is left to pay);
- the cart gets the better for the buyer of: all stackable ones together, or the best single
  exclusive one (a tie goes to the higher priority, then the id);
- a discount never exceeds what is left of the items' price (shipping only by free shipping);
- the result does not depend on the order the promotions are given in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum


def N_(message: str) -> str:
    """Marks a message for extraction into the gettext catalogs; translated where shown."""
    return message


class Phrase(str):
    """A sentence for the buyer, in English, that keeps its gettext ``template`` and
    ``params`` so checkout can say it in the buyer's language (an ``amount`` parameter is
    minor units of the cart's currency, formatted there)."""

    template: str
    params: dict[str, object]

    def __new__(cls, template: str, **params: object) -> Phrase:
        self = super().__new__(cls, template % params if params else template)
        self.template = template
        self.params = params
        return self


class Reward(StrEnum):
    PERCENT_ITEMS = "percent_items"  # value % off the targeted items
    FIXED_ITEMS = "fixed_items"  # value minor units off each targeted unit
    PERCENT_ORDER = "percent_order"  # value % off the whole order's items
    FIXED_ORDER = "fixed_order"  # value minor units off the order's items
    FREE_SHIPPING = "free_shipping"  # delivery free
    BUY_X_GET_Y = "buy_x_get_y"  # in every buy_qty + get_qty targeted units, get_qty cheapest
    GIFT_ITEM = "gift_item"  # a gift variant added at zero price


@dataclass(frozen=True)
class LineFacts:
    line_id: str
    variant_id: str
    product_id: str
    category_ids: frozenset[str]
    quantity: int
    unit_amount: int

    @property
    def amount(self) -> int:
        return self.quantity * self.unit_amount


@dataclass(frozen=True)
class CartFacts:
    currency: str
    channel: str
    now: datetime
    customer_key: str | None
    tier: str | None
    segments: frozenset[str]
    first_order: bool
    lines: tuple[LineFacts, ...]
    shipping: int

    @property
    def subtotal(self) -> int:
        return sum(ln.amount for ln in self.lines)


@dataclass(frozen=True)
class PromotionSpec:
    id: str
    name: str  # in the buyer's locale
    reward: Reward
    value: Decimal = Decimal(0)  # percent (0-100) or minor units, per reward
    priority: int = 0
    exclusive: bool = False
    active: bool = True
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    channels: frozenset[str] = frozenset()  # empty: every channel
    currency: str | None = None  # fixed amounts are in it; None: any (percent only)
    tiers: frozenset[str] = frozenset()
    segments: frozenset[str] = frozenset()
    category_ids: frozenset[str] = frozenset()  # targets; empty with product_ids: every item
    product_ids: frozenset[str] = frozenset()
    min_subtotal: int = 0
    first_order_only: bool = False
    buy_qty: int = 0
    get_qty: int = 0
    gift_variant_id: str | None = None
    code: str | None = None  # the voucher code that brought it to this cart


@dataclass(frozen=True)
class Applied:
    promotion_id: str
    name: str
    amount: int
    reason: str
    code: str | None = None
    gift: str | None = None  # the gift variant id, for a gift reward


@dataclass(frozen=True)
class Rejected:
    promotion_id: str | None
    name: str
    reason: str
    code: str | None = None


@dataclass(frozen=True)
class Outcome:
    line_discounts: Mapping[str, int]
    shipping_discount: int
    applied: tuple[Applied, ...] = ()
    rejected: tuple[Rejected, ...] = ()
    gifts: tuple[str, ...] = ()

    @property
    def total(self) -> int:
        return sum(self.line_discounts.values()) + self.shipping_discount


# --- eligibility ---


def targets(spec: PromotionSpec, line: LineFacts) -> bool:
    """Whether the promotion's item rewards and conditions concern this line."""
    if not spec.category_ids and not spec.product_ids:
        return True
    return line.product_id in spec.product_ids or bool(line.category_ids & spec.category_ids)


def why_not(spec: PromotionSpec, facts: CartFacts) -> str | None:
    """None when the cart earns the promotion, else the reason, said to the buyer."""
    if not spec.active:
        return Phrase(N_("the promotion is not active"))
    if spec.starts_at is not None and facts.now < spec.starts_at:
        return Phrase(N_("the promotion has not started yet"))
    if spec.ends_at is not None and facts.now >= spec.ends_at:
        return Phrase(N_("the promotion has ended"))
    if spec.channels and facts.channel not in spec.channels:
        return Phrase(N_("the promotion is not offered in this channel"))
    if spec.currency is not None and spec.currency != facts.currency:
        return Phrase(N_("the promotion is for prices in %(currency)s"), currency=spec.currency)
    if spec.tiers and facts.tier not in spec.tiers:
        return Phrase(N_("the promotion is for members of another loyalty tier"))
    if spec.segments and not (spec.segments & facts.segments):
        return Phrase(N_("the promotion is for other customers"))
    if spec.first_order_only and not facts.first_order:
        return Phrase(N_("the promotion is for a first order only"))
    if not any(targets(spec, ln) for ln in facts.lines):
        return Phrase(N_("no item in the cart is part of the promotion"))
    if facts.subtotal < spec.min_subtotal:
        return Phrase(N_("the items must cost at least %(amount)s"), amount=spec.min_subtotal)
    if spec.reward == Reward.BUY_X_GET_Y:
        units = sum(ln.quantity for ln in facts.lines if targets(spec, ln))
        if spec.buy_qty < 1 or spec.get_qty < 1 or units < spec.buy_qty + spec.get_qty:
            count = spec.buy_qty + spec.get_qty
            return Phrase(N_("add %(count)s items of the promotion to get it"), count=count)
    if spec.reward == Reward.FREE_SHIPPING and facts.shipping == 0:
        return Phrase(N_("the delivery is already free"))
    return None


# --- maths ---


def percent_of(amount: int, percent: Decimal) -> int:
    """``percent`` % of ``amount``, half up to the minor unit, never above ``amount``."""
    pct = min(max(percent, Decimal(0)), Decimal(100))
    return min(amount, int((Decimal(amount) * pct / 100).quantize(Decimal(1), ROUND_HALF_UP)))


def allocate(amount: int, weights: Sequence[int]) -> list[int]:
    """Split ``amount`` over ``weights`` proportionally, exactly: floors first, then one unit
    each to the largest remainders (ties to the earliest). With ``0 <= amount <= sum(weights)``
    no share exceeds its weight."""
    total = sum(weights)
    if amount <= 0 or total <= 0:
        return [0] * len(weights)
    amount = min(amount, total)
    shares = [amount * w // total for w in weights]
    left = amount - sum(shares)
    order = sorted(range(len(weights)), key=lambda i: (-(amount * weights[i] % total), i))
    for i in order[:left]:
        shares[i] += 1
    return shares


def _reward(
    spec: PromotionSpec, facts: CartFacts, remaining: Mapping[str, int], shipping_left: int
) -> tuple[dict[str, int], int]:
    """What one promotion takes off the lines (by line id) and off shipping, given what is
    left of each line after the promotions before it."""
    hit = [ln for ln in facts.lines if targets(spec, ln)]
    off: dict[str, int] = {}
    if spec.reward in (Reward.PERCENT_ITEMS, Reward.FIXED_ITEMS, Reward.BUY_X_GET_Y):
        if spec.reward == Reward.PERCENT_ITEMS:
            base = sum(remaining[ln.line_id] for ln in hit)
            amount = percent_of(base, spec.value)
        elif spec.reward == Reward.FIXED_ITEMS:
            per_unit = max(int(spec.value), 0)
            for ln in hit:
                off[ln.line_id] = min(remaining[ln.line_id], per_unit * ln.quantity)
            return off, 0
        else:
            amount = _free_units_value(spec, hit)
        shares = allocate(amount, [remaining[ln.line_id] for ln in hit])
        return {ln.line_id: s for ln, s in zip(hit, shares, strict=True)}, 0
    if spec.reward in (Reward.PERCENT_ORDER, Reward.FIXED_ORDER):
        base = sum(remaining[ln.line_id] for ln in facts.lines)
        if spec.reward == Reward.PERCENT_ORDER:
            amount = percent_of(base, spec.value)
        else:
            amount = min(base, max(int(spec.value), 0))
        shares = allocate(amount, [remaining[ln.line_id] for ln in facts.lines])
        return {ln.line_id: s for ln, s in zip(facts.lines, shares, strict=True)}, 0
    if spec.reward == Reward.FREE_SHIPPING:
        return {}, shipping_left
    return {}, 0  # a gift changes no price


def _free_units_value(spec: PromotionSpec, hit: Sequence[LineFacts]) -> int:
    """Buy X get Y: in every group of X+Y targeted units the Y cheapest are free (or
    ``value`` % off when a value below 100 is set)."""
    units = sorted(u for ln in hit for u in [ln.unit_amount] * ln.quantity)
    free = (len(units) // (spec.buy_qty + spec.get_qty)) * spec.get_qty
    pct = spec.value if Decimal(0) < spec.value < Decimal(100) else Decimal(100)
    return percent_of(sum(units[:free]), pct)


def _apply(
    specs: Sequence[PromotionSpec], facts: CartFacts
) -> tuple[dict[str, int], int, list[Applied]]:
    remaining = {ln.line_id: ln.amount for ln in facts.lines}
    shipping_left = facts.shipping
    applied = []
    for spec in specs:
        off, ship = _reward(spec, facts, remaining, shipping_left)
        for line_id, amount in off.items():
            remaining[line_id] -= amount
        shipping_left -= ship
        took = sum(off.values()) + ship
        if took > 0 or spec.reward == Reward.GIFT_ITEM:
            gift = spec.gift_variant_id if spec.reward == Reward.GIFT_ITEM else None
            applied.append(Applied(spec.id, spec.name, took, _reason(spec), spec.code, gift))
    discounts = {ln.line_id: ln.amount - remaining[ln.line_id] for ln in facts.lines}
    return discounts, facts.shipping - shipping_left, applied


def _reason(spec: PromotionSpec) -> Phrase:
    """Why it applied, e.g. "Autumn: 10% off" (``amount`` parameters are minor units)."""
    name = spec.name
    pct = f"{spec.value.normalize():f}"
    if spec.reward in (Reward.PERCENT_ITEMS, Reward.PERCENT_ORDER):
        template = (
            N_("%(name)s: %(percent)s%% off")
            if spec.reward == Reward.PERCENT_ITEMS
            else N_("%(name)s: %(percent)s%% off the order")
        )
        return Phrase(template, name=name, percent=pct)
    if spec.reward == Reward.FIXED_ITEMS:
        return Phrase(N_("%(name)s: %(amount)s off each item"), name=name, amount=int(spec.value))
    if spec.reward == Reward.FIXED_ORDER:
        return Phrase(N_("%(name)s: %(amount)s off the order"), name=name, amount=int(spec.value))
    if spec.reward == Reward.FREE_SHIPPING:
        return Phrase(N_("%(name)s: free delivery"), name=name)
    if spec.reward == Reward.BUY_X_GET_Y:
        return Phrase(
            N_("%(name)s: buy %(buy)s get %(get)s"), name=name, buy=spec.buy_qty, get=spec.get_qty
        )
    return Phrase(N_("%(name)s: a gift"), name=name)


def _rank(spec: PromotionSpec) -> tuple[int, str]:
    return (-spec.priority, spec.id)


def evaluate(specs: Iterable[PromotionSpec], facts: CartFacts) -> Outcome:
    """The promotions the cart gets, what they take off each line and shipping, and why the
    others do not apply."""
    ordered = sorted(specs, key=_rank)
    rejected: list[Rejected] = []
    eligible: list[PromotionSpec] = []
    for spec in ordered:
        refusal = why_not(spec, facts)
        if refusal is None:
            eligible.append(spec)
        else:
            rejected.append(Rejected(spec.id, spec.name, refusal, spec.code))
    stack = [s for s in eligible if not s.exclusive]
    options: list[tuple[list[PromotionSpec], dict[str, int], int, list[Applied]]] = []
    options.append((stack, *_apply(stack, facts)))
    for spec in (s for s in eligible if s.exclusive):
        options.append(([spec], *_apply([spec], facts)))
    # The best for the buyer; ties: the option led by the higher-ranked promotion (stack first).
    best = max(
        enumerate(options),
        key=lambda io: (sum(io[1][1].values()) + io[1][2], -io[0] if io[0] else 0),
    )[1]
    chosen, discounts, shipping_off, applied = best
    taken = {a.promotion_id for a in applied}
    best_name = ", ".join(a.name for a in applied)
    for spec in eligible:
        if spec.id in taken:
            continue
        if spec in chosen:
            reason = Phrase(N_("nothing left to discount"))
        elif spec.exclusive:
            reason = (
                Phrase(N_("cannot be combined; %(names)s gives more"), names=best_name)
                if best_name
                else Phrase(N_("cannot be combined with another offer"))
            )
        else:
            reason = Phrase(N_("not combinable with %(names)s"), names=best_name)
        rejected.append(Rejected(spec.id, spec.name, reason, spec.code))
    gifts = tuple(
        s.gift_variant_id for s in chosen if s.reward == Reward.GIFT_ITEM and s.gift_variant_id
    )
    return Outcome(
        line_discounts=discounts,
        shipping_discount=shipping_off,
        applied=tuple(applied),
        rejected=tuple(sorted(rejected, key=lambda r: (r.promotion_id or "", r.code or ""))),
        gifts=gifts,
    )


def normalize_code(code: str) -> str:
    """Voucher codes compare without case and surrounding blanks."""
    return code.strip().upper()


@dataclass(frozen=True)
class VoucherState:
    """What is known of a voucher when a buyer types it."""

    code: str
    exists: bool
    active: bool = True
    used: int = 0
    limit: int | None = None
    used_by_customer: int = 0
    per_customer_limit: int | None = None
    promotion_name: str = ""
    extra: Mapping[str, str] = field(default_factory=dict)


def voucher_refusal(state: VoucherState) -> str | None:
    """Why a typed code cannot be used now (None: it may be)."""
    if not state.exists:
        return Phrase(N_("unknown voucher code"))
    if not state.active:
        return Phrase(N_("this voucher is no longer valid"))
    if state.limit is not None and state.used >= state.limit:
        return Phrase(N_("this voucher has been used up"))
    if state.per_customer_limit is not None and state.used_by_customer >= state.per_customer_limit:
        return Phrase(N_("you have already used this voucher"))
    return None
