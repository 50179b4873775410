"""Tax and duty quotes: what a cart or order owes in tax, duties and in total (landed cost).

Which rates apply: a sale inside one customs territory (one country, or the EU) is taxed at the
destination's rates for each line's tax class (a region's rate replaces the country's; a class
the destination has no rate for falls back to its standard rate). A sale that crosses customs
is an export: no domestic tax, but the destination's duty and import VAT by HS code, paid now
under DDP or collected on delivery under DAP. Whether shelf prices include tax follows the
channel's own setting, else its country's, else "included" (RU, EU, GE style).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.catalog import customs
from omnishop.channels import service as channels
from omnishop.channels.models import Channel
from omnishop.kernel.errors import NotFound
from omnishop.kernel.money import Money
from omnishop.pricing import service as pricing
from omnishop.pricing import tax_rules as rules
from omnishop.pricing.tax_models import ChannelTaxSetting, DutyRate, TaxCountry, TaxRate
from omnishop.pricing.tax_schemas import LineTax, TaxableLine, TaxLine, TaxQuote

STANDARD = "standard"
_DEFAULTS = TaxCountry(
    country="",
    prices_include_tax=True,
    rounding_level="line",
    rounding_mode="half_up",
    tax_shipping=True,
    shipping_tax_class=STANDARD,
    de_minimis_covers_import_vat=True,
)


async def country_settings(*, session: AsyncSession, country: str) -> TaxCountry:
    """A country's tax settings; the defaults when none are stored."""
    row = await session.scalar(select(TaxCountry).where(TaxCountry.country == country.upper()))
    return row or _DEFAULTS


async def prices_include_tax(*, session: AsyncSession, channel: Channel) -> bool:
    """Whether the channel's prices include tax: its own setting, else its country's."""
    own = await session.get(ChannelTaxSetting, channel.id)
    if own is not None and own.prices_include_tax is not None:
        return own.prices_include_tax
    return (await country_settings(session=session, country=channel.country)).prices_include_tax


async def _settings(session: AsyncSession, channel: Channel, dest: str) -> tuple[bool, TaxCountry]:
    """Whether the channel's prices include tax, and the destination's settings, in one query
    when the countries are configured (a quote runs on every cart change)."""
    origin = channel.country.upper()
    own = (
        select(ChannelTaxSetting.prices_include_tax)
        .where(ChannelTaxSetting.channel_id == channel.id)
        .scalar_subquery()
    )
    rows = (
        await session.execute(
            select(TaxCountry, own).where(TaxCountry.country.in_(sorted({origin, dest})))
        )
    ).all()
    if not rows:
        return await prices_include_tax(session=session, channel=channel), _DEFAULTS
    by_country = {row[0].country: row[0] for row in rows}
    channel_says = rows[0][1]
    home = by_country.get(origin, _DEFAULTS).prices_include_tax
    include = home if channel_says is None else bool(channel_says)
    return include, by_country.get(dest, _DEFAULTS)


async def quote(
    *,
    session: AsyncSession,
    channel: Channel | uuid.UUID,
    destination_country: str | None,
    destination_region: str | None,
    lines: Sequence[TaxableLine],
    shipping_amount: int,
    ddp: bool,
) -> TaxQuote:
    """Tax, duties and the landed-cost total for lines sold in ``channel`` and delivered to a
    destination (the channel's country when none is known yet)."""
    if isinstance(channel, uuid.UUID):
        channel = await channels.get(session=session, channel_id=channel)
    currency, origin = channel.currency, channel.country.upper()
    dest = (destination_country or origin).upper()
    lines = await _with_facts(session, lines)
    include, settings = await _settings(session, channel, dest)
    goods = sum(line.amount for line in lines)
    cross = rules.crosses_customs(origin, dest)
    notes: list[str] = []
    if cross:
        line_taxes = [
            LineTax(line.key, line.tax_class or STANDARD, Decimal(0), line.amount, 0, line.amount)
            for line in lines
        ]
        taxes: list[TaxLine] = []
        shipping_tax = 0
    else:
        line_taxes, taxes, shipping_tax = await _domestic(
            session, lines, dest, destination_region, settings, include, shipping_amount, notes
        )
    tax = sum(x.tax for x in line_taxes) + shipping_tax
    tax_added = 0 if include else tax
    q = TaxQuote(
        currency=currency,
        country=dest,
        prices_include_tax=include,
        lines=line_taxes,
        taxes=taxes,
        shipping_tax=shipping_tax,
        tax=tax,
        tax_added=tax_added,
        cross_border=cross,
        ddp=ddp and cross,
        goods=goods,
        shipping=shipping_amount,
        notes=notes,
    )
    if cross:
        q = await _with_duties(session, q, lines, settings, dest, shipping_amount)
    q.total = rules.landed_cost(
        goods=goods,
        shipping=shipping_amount,
        tax_added=tax_added,
        duties=q.duties_total,
        ddp=q.ddp,
    )
    q.duties_due = q.duties_total if q.ddp else 0
    return q


async def _with_facts(session: AsyncSession, lines: Sequence[TaxableLine]) -> list[TaxableLine]:
    missing = [
        line.variant_id
        for line in lines
        if line.variant_id is not None and (line.tax_class is None or line.hs_code is None)
    ]
    facts = await customs.tax_facts(session=session, variant_ids=missing) if missing else {}
    out = []
    for line in lines:
        fact = facts.get(line.variant_id) if line.variant_id else None
        out.append(
            TaxableLine(
                key=line.key,
                amount=line.amount,
                variant_id=line.variant_id,
                tax_class=line.tax_class or (fact.tax_class if fact else None) or STANDARD,
                hs_code=line.hs_code or (fact.hs_code if fact else None),
            )
        )
    return out


async def rates_for(
    *, session: AsyncSession, country: str, region: str | None
) -> dict[str, TaxRate]:
    """Active rates of a country by tax class, a region's own rates replacing the country's."""
    rows = list(
        await session.scalars(
            select(TaxRate).where(TaxRate.country == country.upper(), TaxRate.active.is_(True))
        )
    )
    wanted = (region or "").strip().casefold()
    by_class: dict[str, TaxRate] = {r.tax_class: r for r in rows if r.region == ""}
    if wanted:
        by_class.update({r.tax_class: r for r in rows if r.region.casefold() == wanted})
    return by_class


async def _domestic(
    session: AsyncSession,
    lines: Sequence[TaxableLine],
    dest: str,
    region: str | None,
    settings: TaxCountry,
    include: bool,
    shipping_amount: int,
    notes: list[str],
) -> tuple[list[LineTax], list[TaxLine], int]:
    by_class = await rates_for(session=session, country=dest, region=region)

    def rate_of(tax_class: str) -> TaxRate | None:
        found = by_class.get(tax_class) or by_class.get(STANDARD)
        if found is None or found.tax_class != tax_class:
            notes.append(f"no {tax_class} rate for {dest}")
        return found

    chosen = [rate_of(line.tax_class or STANDARD) for line in lines]
    inputs = [
        rules.TaxInput(line.amount, rules.percent(r.rate_percent) if r else Decimal(0))
        for line, r in zip(lines, chosen, strict=True)
    ]
    ship_rate = rate_of(settings.shipping_tax_class) if settings.tax_shipping else None
    taxed_shipping = settings.tax_shipping and shipping_amount > 0 and ship_rate is not None
    if taxed_shipping and ship_rate is not None:
        inputs.append(rules.TaxInput(shipping_amount, rules.percent(ship_rate.rate_percent)))
    policy = rules.TaxPolicy(
        prices_include_tax=include,
        level=rules.RoundingLevel(settings.rounding_level),
        rounding=rules.Rounding(settings.rounding_mode),
    )
    result = rules.compute_tax(inputs, policy)
    line_taxes = [
        LineTax(
            key=line.key,
            tax_class=line.tax_class or STANDARD,
            rate_percent=Decimal(r.rate_percent) if r else Decimal(0),
            net=t.net,
            tax=t.tax,
            gross=t.gross,
            hs_code=line.hs_code,
        )
        for line, r, t in zip(lines, chosen, result.lines[: len(lines)], strict=True)
    ]
    shipping_tax = result.lines[-1].tax if taxed_shipping else 0
    grouped: dict[tuple[str, Decimal], int] = {}
    sources = [*chosen, ship_rate] if taxed_shipping else chosen
    for r, t in zip(sources, result.lines, strict=True):
        if r is not None:
            key = (r.name, Decimal(r.rate_percent))
            grouped[key] = grouped.get(key, 0) + t.tax
    taxes = [TaxLine(name, rate, amount) for (name, rate), amount in sorted(grouped.items())]
    return line_taxes, taxes, shipping_tax


async def duty_rates_for(*, session: AsyncSession, country: str) -> dict[str, DutyRate]:
    """A destination's active duty rates by HS prefix."""
    rows = await session.scalars(
        select(DutyRate).where(DutyRate.country == country.upper(), DutyRate.active.is_(True))
    )
    return {r.hs_prefix: r for r in rows}


async def _with_duties(
    session: AsyncSession,
    q: TaxQuote,
    lines: Sequence[TaxableLine],
    settings: TaxCountry,
    dest: str,
    shipping_amount: int,
) -> TaxQuote:
    by_prefix = await duty_rates_for(session=session, country=dest)
    prefixes = list(by_prefix)
    duty_inputs = []
    for line in lines:
        prefix = rules.match_hs_prefix(line.hs_code, prefixes)
        row = by_prefix[prefix] if prefix is not None else None
        rule = (
            rules.DutyRule(
                duty_rate=rules.percent(row.duty_percent),
                import_vat_rate=rules.percent(row.import_vat_percent),
                de_minimis=row.de_minimis_amount,
                threshold_currency=row.de_minimis_currency,
                de_minimis_covers_vat=settings.de_minimis_covers_import_vat,
            )
            if row is not None
            else None
        )
        duty_inputs.append(rules.DutyInput(line.amount, rule))
    fx: dict[str, Decimal] = {}
    for item in duty_inputs:
        cur = item.rule.threshold_currency if item.rule else None
        if cur is None or cur == q.currency or cur in fx:
            continue
        try:
            fx[cur] = await pricing.latest_rate(session=session, base=q.currency, quote=cur)
        except NotFound:
            q.notes.append(f"no FX rate {q.currency}/{cur}: de minimis not applied")
    result = rules.compute_duties(
        duty_inputs, shipping=shipping_amount, currency=q.currency, fx_rates=fx
    )
    consignment = Money(result.customs_value, q.currency)
    q.de_minimis_applied = any(
        item.rule is not None
        and rules.below_de_minimis(consignment, item.rule, fx.get(item.rule.threshold_currency))
        for item in duty_inputs
    )
    q.lines = [
        LineTax(
            key=lt.key,
            tax_class=lt.tax_class,
            rate_percent=lt.rate_percent,
            net=lt.net,
            tax=lt.tax,
            gross=lt.gross,
            hs_code=line.hs_code,
            duty=d.duty,
            import_vat=d.import_vat,
        )
        for lt, line, d in zip(q.lines, lines, result.lines, strict=True)
    ]
    q.duty, q.import_vat, q.duties_total = result.duty, result.import_vat, result.total
    return q
