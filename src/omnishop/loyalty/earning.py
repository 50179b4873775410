"""Points for orders: earn when an order is paid, take back on cancel and on refunded
returns, give back points a canceled order had spent, credit store credit, bonus events.

Each writer keys its entry on the order or return id (idempotent under at-least-once
delivery) and first takes the account's row lock, so an earn and a cancel of the same
order serialise whatever order the worker runs them in."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from decimal import ROUND_DOWN, ROUND_UP, Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.catalog import sale
from omnishop.catalog import service as catalog
from omnishop.channels import service as channels
from omnishop.kernel import clock
from omnishop.kernel.errors import NotFound
from omnishop.kernel.money import exponent
from omnishop.loyalty import ledger, programme, rules, service
from omnishop.loyalty.models import EarnRule, LoyaltyAccount, LoyaltyEntry
from omnishop.loyalty.rules import EarnLine, EarnRuleSpec, EntryKind
from omnishop.loyalty.schemas import Posted
from omnishop.orders import service as orders
from omnishop.orders.rules import OrderStatus
from omnishop.orders.schemas import OrderInfo
from omnishop.pricing import service as pricing


def order_reference(order_id: uuid.UUID) -> str:
    return f"order:{order_id}"


async def _active_rules(session: AsyncSession, kind: str) -> list[EarnRule]:
    now = clock.now()
    rows = await session.scalars(
        select(EarnRule).where(EarnRule.active.is_(True), EarnRule.kind == kind)
    )
    return [
        r
        for r in rows
        if (r.starts_at is None or r.starts_at <= now) and (r.ends_at is None or r.ends_at > now)
    ]


async def _to_programme(session: AsyncSession, amount: int, currency: str) -> tuple[Decimal, int]:
    """The order currency → programme currency rate (major units), and ``amount`` converted
    into programme minor units."""
    base = programme.get().currency
    if currency == base:
        return Decimal(1), amount
    rate = await pricing.latest_rate(session=session, base=currency, quote=base)
    converted = Decimal(amount).scaleb(-exponent(currency)) * rate
    minor = (converted * (Decimal(10) ** exponent(base))).to_integral_value(rounding=ROUND_DOWN)
    return rate, int(minor)


def paid_for_goods(order: OrderInfo) -> int:
    """What the buyer paid for the goods: lines after discounts, less points spent (shipping,
    added tax and duties excluded)."""
    nets = sum(line.total - line.discount_amount for line in order.lines)
    return max(0, nets - order.points_amount)


async def _earn_lines(
    session: AsyncSession, channel_id: uuid.UUID, lines: Sequence[tuple[uuid.UUID, int]]
) -> list[EarnLine]:
    """(variant id, amount paid for the line) as earning sees them, with the categories
    (and their ancestors) of each variant's product."""
    variants = await sale.variants_for_sale(
        session=session, variant_ids=[v for v, _ in lines], channel_id=channel_id
    )
    product_ids = list({v.product_id for v in variants.values()})
    bundles = await catalog.load_products(session=session, product_ids=product_ids)
    categories = {b.id: frozenset(str(c) for c in b.category_ids) for b in bundles}
    return [
        EarnLine(
            amount=amount,
            category_ids=(
                categories.get(variants[variant_id].product_id, frozenset())
                if variant_id in variants
                else frozenset()
            ),
        )
        for variant_id, amount in lines
    ]


async def _points_for(
    session: AsyncSession,
    *,
    customer_id: uuid.UUID | None,
    channel_id: uuid.UUID,
    channel_code: str,
    currency: str,
    lines: Sequence[tuple[uuid.UUID, int]],
    paid: int,
) -> tuple[int, int]:
    """(points, spend in programme minor units) for goods paid ``paid`` in ``currency``."""
    rate, spend = await _to_programme(session, paid, currency)
    specs = [
        EarnRuleSpec(
            Decimal(r.percent),
            frozenset(str(c) for c in r.category_ids),
            frozenset(str(c) for c in r.channel_codes),
        )
        for r in await _active_rules(session, "percent")
    ]
    multiplier = (
        await service.multiplier(session=session, customer_id=customer_id)
        if customer_id
        else Decimal(1)
    )
    points = rules.earn_points(
        await _earn_lines(session, channel_id, lines),
        paid=paid,
        channel=channel_code,
        rules=specs,
        rate=rate,
        exponent=exponent(currency),
        multiplier=multiplier,
    )
    return points, spend


async def estimate(
    *,
    session: AsyncSession,
    customer_id: uuid.UUID | None,
    channel_id: uuid.UUID,
    channel_code: str,
    currency: str,
    lines: Sequence[tuple[uuid.UUID, int]],
    points_amount: int = 0,
) -> int:
    """The points a cart would earn once paid ("you will earn 125 points"): ``lines`` are
    (variant id, line amount after discounts) in ``currency``; ``points_amount`` is what
    points pay. 0 without a rate to the programme currency."""
    paid = max(0, sum(amount for _, amount in lines) - points_amount)
    try:
        points, _ = await _points_for(
            session, customer_id=customer_id, channel_id=channel_id, channel_code=channel_code,
            currency=currency, lines=lines, paid=paid,
        )  # fmt: skip
    except NotFound:
        return 0
    return points


async def earn_for_order(*, session: AsyncSession, order_id: uuid.UUID) -> Posted | None:
    """Points for a paid order (once per order); None for a guest's or a canceled order."""
    order = await orders.get(session=session, order_id=order_id)
    customer_id = order.customer_id
    if customer_id is None:
        return None
    acct = await ledger.account(session, customer_id)
    await ledger.lock(session, acct.id)
    order = await orders.get(session=session, order_id=order_id)  # after the lock: current
    if order.status == OrderStatus.CANCELED:
        return None
    points, spend = await _points_for(
        session, customer_id=customer_id, channel_id=order.channel_id,
        channel_code=order.channel_code, currency=order.currency,
        lines=[(ln.variant_id, ln.total - ln.discount_amount) for ln in order.lines],
        paid=paid_for_goods(order),
    )  # fmt: skip
    posted = await service.earn(
        session=session,
        customer_id=customer_id,
        points=points,
        reference=order_reference(order.id),
        channel_id=order.channel_id,
        order_id=order.id,
        spend=spend,
        reason=f"order {order.number}",
    )
    if posted.created:
        await bonus(
            session=session, customer_id=customer_id, event="first_order",
            reference="bonus:first_order", channel_id=order.channel_id,
        )  # fmt: skip
    return posted


async def bonus(
    *,
    session: AsyncSession,
    customer_id: uuid.UUID,
    event: str,
    reference: str,
    channel_id: uuid.UUID | None = None,
) -> Posted | None:
    """The bonus points of active rules for this event (``first_order``,
    ``review_written``), once per ``reference``; None when no rule gives any."""
    points = sum(
        r.bonus_points for r in await _active_rules(session, "bonus") if r.bonus_event == event
    )
    if points <= 0:
        return None
    return await service.credit(
        session=session, customer_id=customer_id, points=points, reference=reference,
        reason=event, channel_id=channel_id,
    )  # fmt: skip


async def withdraw_bonus(*, session: AsyncSession, reference: str) -> Posted | None:
    """Take back a bonus credited under ``reference`` (a withdrawn review), once; points
    already spent stay spent. None when there was no such bonus."""
    credited = await session.scalar(
        select(LoyaltyEntry).where(
            LoyaltyEntry.kind == EntryKind.CREDIT, LoyaltyEntry.reference == reference
        )
    )
    if credited is None:
        return None
    acct = await session.get(LoyaltyAccount, credited.account_id)
    if acct is None:
        return None
    return await service.reverse(
        session=session, customer_id=acct.customer_id, points=credited.points,
        reference=f"{reference}:withdrawn", reason="review withdrawn",
    )  # fmt: skip


async def _entry(
    session: AsyncSession, account_id: uuid.UUID, kind: EntryKind, reference: str
) -> LoyaltyEntry | None:
    return await ledger.existing(session, account_id, kind, reference)


async def _reversed_of(session: AsyncSession, account_id: uuid.UUID, lot: str) -> tuple[int, int]:
    """Points and spend already taken back from one earn."""
    row = (
        await session.execute(
            select(
                func.coalesce(func.sum(LoyaltyEntry.points), 0),
                func.coalesce(func.sum(LoyaltyEntry.spend), 0),
            ).where(
                LoyaltyEntry.account_id == account_id,
                LoyaltyEntry.kind == EntryKind.REVERSE,
                LoyaltyEntry.lot == lot,
                LoyaltyEntry.points <= 0,  # take-backs, not give-backs of a burn
            )
        )
    ).one()
    return -int(row[0]), -int(row[1])


async def undo_order(*, session: AsyncSession, order_id: uuid.UUID, reason: str) -> None:
    """A canceled order: what it earned is taken back (what is left of it), and the points
    it spent come back. Idempotent."""
    order = await orders.get(session=session, order_id=order_id)
    if order.customer_id is None:
        return
    acct = await ledger.account(session, order.customer_id)
    await ledger.lock(session, acct.id)
    ref = order_reference(order.id)
    earned = await _entry(session, acct.id, EntryKind.EARN, ref)
    if earned is not None:
        taken, spend_taken = await _reversed_of(session, acct.id, ref)
        await service.reverse(
            session=session, customer_id=order.customer_id,
            points=max(0, earned.points - taken), reference=f"{ref}:cancel", lot=ref,
            spend=max(0, earned.spend - spend_taken), reason=reason,
            channel_id=order.channel_id, order_id=order.id,
        )  # fmt: skip
    # Points the order spent: burned with its payment (checkout) or keyed on the order.
    spent = [ref] + ([f"payment:{order.payment_id}"] if order.payment_id else [])
    for reference in spent:
        await service.give_back_burn(
            session=session, customer_id=order.customer_id, reference=reference,
            reason=reason, order_id=order.id,
        )  # fmt: skip


async def refunded_return(
    *,
    session: AsyncSession,
    order_id: uuid.UUID,
    return_id: uuid.UUID,
    amount: int,
    currency: str,
    store_credit: bool,
    customer_id: uuid.UUID | None,
    channel_id: uuid.UUID | None,
    lines: Sequence[Mapping[str, object]] = (),
) -> None:
    """A refunded return takes back the earn in proportion to the goods refunded (``lines``:
    the return's lines with the money each refunds; without them, the refund against the
    order total), and credits the refund as points when it was made in store credit.
    Idempotent per return."""
    order = await orders.get(session=session, order_id=order_id)
    owner = customer_id or order.customer_id
    if owner is None:
        return
    acct = await ledger.account(session, owner)
    await ledger.lock(session, acct.id)
    ref = order_reference(order.id)
    reference = f"return:{return_id}"
    earned = await _entry(session, acct.id, EntryKind.EARN, ref)
    if earned is not None:
        taken, spend_taken = await _reversed_of(session, acct.id, ref)
        refunded, paid = amount, order.total
        if lines:  # the earn counted goods only: so does its take-back
            refunded, paid = rules.goods_share(
                returned=lines, lines=[(ln.total, ln.discount_amount, ln.tax_amount)
                                       for ln in order.lines],
                tax_included=order.tax_included, total=order.total,
                points_amount=order.points_amount,
            )  # fmt: skip
        await service.reverse(
            session=session, customer_id=owner,
            points=rules.reversal(
                earned=earned.points, already_reversed=taken, refunded=refunded, paid=paid
            ),
            reference=reference, lot=ref,
            spend=min(
                max(0, earned.spend - spend_taken),
                rules.proportional_spend(spend=earned.spend, refunded=refunded, paid=paid),
            ),
            reason=f"return of order {order.number}", channel_id=channel_id, order_id=order.id,
        )  # fmt: skip
    await _points_back(session, acct.id, owner, order, reference, amount, channel_id)
    if store_credit and amount > 0:
        _, minor = await _to_programme(session, amount, currency)
        # Points are whole: a refund of 1 299,50 ₽ becomes 1 300 points, never 1 299 (the
        # buyer must not lose part of a refund to rounding).
        points = int(
            Decimal(minor)
            .scaleb(-exponent(programme.get().currency))
            .to_integral_value(rounding=ROUND_UP)
        )
        if points > 0:
            await service.credit(
                session=session, customer_id=owner, points=points, reference=reference,
                reason=f"store credit for a return of order {order.number}",
                channel_id=channel_id, order_id=order.id,
            )  # fmt: skip


async def _points_back(
    session: AsyncSession,
    account_id: uuid.UUID,
    owner: uuid.UUID,
    order: OrderInfo,
    reference: str,
    refunded: int,
    channel_id: uuid.UUID | None,
) -> None:
    """The points the order spent come back in the refund's proportion (returns refund only
    the part paid in money), never more in total than were spent."""
    spent = [order_reference(order.id)]
    if order.payment_id:
        spent.append(f"payment:{order.payment_id}")
    for burn_reference in spent:
        burned = await _entry(session, account_id, EntryKind.BURN, burn_reference)
        if burned is None:
            continue
        given = await session.scalar(
            select(func.coalesce(func.sum(LoyaltyEntry.points), 0)).where(
                LoyaltyEntry.account_id == account_id,
                LoyaltyEntry.kind == EntryKind.REVERSE,
                LoyaltyEntry.lot == burn_reference,
                LoyaltyEntry.points > 0,
            )
        )
        points = rules.reversal(
            earned=-burned.points, already_reversed=int(given or 0), refunded=refunded,
            paid=order.total,
        )  # fmt: skip
        await service.give_back(
            session=session, customer_id=owner, points=points,
            reference=f"{reference}:points-back", lot=burn_reference,
            reason=f"return of order {order.number}", channel_id=channel_id, order_id=order.id,
        )  # fmt: skip


async def channel_id_of(session: AsyncSession, code: str) -> uuid.UUID:
    return (await channels.get_by_code(session=session, code=code, active_only=False)).id
