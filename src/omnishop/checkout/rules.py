"""Checkout rules: contact and address checks, shipping zones and rates, hold arithmetic.

Pure: data in, decision out; no I/O.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from babel import Locale

from omnishop.kernel.errors import ValidationFailed

MAX_LINE_QUANTITY = 999
# Deliberately simple: one @, no spaces, a dot in the domain. Deliverability is the mail
# server's question; this only catches typos like "anna.example.com".
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+$")
_PHONE_NOISE = re.compile(r"[\s\-().]")
# E.164: a plus, a country code not starting with 0, at most 15 digits in all.
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_POSTCODE_RANGE = re.compile(r"^([0-9]+)-([0-9]+)$")
_POSTCODE_PREFIX = re.compile(r"^[A-Z0-9]{1,10}$")
RATE_KINDS = ("flat", "weight", "value")


def check_email(value: str, *, field: str = "email") -> str:
    """A trimmed, lower-cased e-mail address or a field-named error."""
    email = value.strip()
    if len(email) > 254 or not _EMAIL.match(email):
        raise ValidationFailed(f"{value!r} is not an e-mail address", field=field)
    local, _, domain = email.partition("@")
    return f"{local}@{domain.lower()}"


def check_phone(value: str, *, field: str = "phone") -> str:
    """A phone number in E.164 form (+79161234567); spaces, dashes and brackets are dropped.

    A Russian local "8 916 ..." is not guessed into +7: the buyer gives the country code."""
    phone = _PHONE_NOISE.sub("", value.strip())
    if phone.startswith("00"):
        phone = "+" + phone[2:]
    if not _E164.match(phone):
        raise ValidationFailed(
            f"{value!r} is not an international phone number (+ country code and number)",
            field=field,
        )
    return phone


@lru_cache(maxsize=1)
def _countries() -> frozenset[str]:
    # CLDR territories: two-letter codes are countries, three-digit ones are regions (150 Europe).
    codes = (str(code) for code in Locale("en").territories)
    return frozenset(code for code in codes if len(code) == 2 and code.isalpha())


def check_country(value: str, *, field: str = "country") -> str:
    """An ISO 3166-1 alpha-2 country code (upper case) or a field-named error."""
    code = value.strip().upper()
    if code not in _countries():
        raise ValidationFailed(f"{value!r} is not an ISO country code", field=field)
    return code


def normalize_postcode(value: str) -> str:
    return re.sub(r"[\s-]", "", value).upper()


def check_postcode_pattern(value: str, *, field: str = "postcodes") -> str:
    """A zone's postcode pattern: a prefix ("101", "SW1") or a digit range "101000-101999"."""
    pattern = value.strip().upper()
    if m := _POSTCODE_RANGE.match(pattern):
        low, high = m.groups()
        if len(low) != len(high) or int(low) > int(high):
            raise ValidationFailed(
                f"range {value!r} needs two bounds of one length, low first", field=field
            )
        return pattern
    if not _POSTCODE_PREFIX.match(pattern):
        raise ValidationFailed(
            f"{value!r} is neither a postcode prefix nor a range like 101000-101999", field=field
        )
    return pattern


def postcode_matches(postcode: str, pattern: str) -> bool:
    """Whether a postcode falls under a zone pattern (prefix or range of the same length)."""
    code = normalize_postcode(postcode)
    if m := _POSTCODE_RANGE.match(pattern):
        low, high = m.groups()
        return len(code) == len(low) and code.isdigit() and int(low) <= int(code) <= int(high)
    return code.startswith(pattern)


def zone_matches(
    *,
    countries: Sequence[str],
    regions: Sequence[str],
    postcodes: Sequence[str],
    address: Mapping[str, Any],
) -> bool:
    """A zone covers an address: its country, and its region and postcode when the zone names
    any (a zone with no regions or postcodes covers the whole country)."""
    country = str(address.get("country") or "").upper()
    if country not in {c.upper() for c in countries}:
        return False
    if regions:
        region = str(address.get("region") or "").strip().casefold()
        if region not in {r.strip().casefold() for r in regions}:
            return False
    if postcodes:
        postcode = str(address.get("postcode") or "")
        if not postcode or not any(postcode_matches(postcode, p) for p in postcodes):
            return False
    return True


def check_tiers(kind: str, tiers: Sequence[Mapping[str, Any]], *, field: str = "tiers") -> None:
    """Tiers of a rate: amounts ≥ 0, ``up_to`` strictly rising, only the last one open (null).

    A flat rate has exactly one tier (its amount)."""
    if kind not in RATE_KINDS:
        raise ValidationFailed(f"rate_kind must be one of {', '.join(RATE_KINDS)}", field=field)
    if not tiers:
        raise ValidationFailed("a rate needs at least one tier", field=field)
    if kind == "flat" and len(tiers) != 1:
        raise ValidationFailed("a flat rate has exactly one tier", field=field)
    previous = -1
    for i, tier in enumerate(tiers):
        amount, up_to = tier.get("amount"), tier.get("up_to")
        if not isinstance(amount, int) or amount < 0:
            raise ValidationFailed("tier amounts are whole minor units ≥ 0", field=f"{field}[{i}]")
        if up_to is None:
            if i != len(tiers) - 1:
                raise ValidationFailed("only the last tier may be open", field=f"{field}[{i}]")
            continue
        if kind == "flat":
            raise ValidationFailed("a flat rate's tier has no up_to", field=f"{field}[{i}]")
        if not isinstance(up_to, int) or up_to <= previous:
            raise ValidationFailed("tier bounds must rise", field=f"{field}[{i}].up_to")
        previous = up_to


def shipping_rate(
    *,
    rate_kind: str,
    tiers: Sequence[Mapping[str, Any]],
    free_over: int | None,
    weight_grams: int,
    order_value: int,
) -> int | None:
    """The price of a method for a cart, in the method's currency; ``None`` when the cart is
    outside every tier (too heavy, too valuable) and the method is not offered.

    ``order_value`` is in the method's currency; reaching ``free_over`` makes it free."""
    if free_over is not None and order_value >= free_over:
        return 0
    if rate_kind == "flat":
        return int(tiers[0]["amount"]) if tiers else None
    measure = weight_grams if rate_kind == "weight" else order_value
    for tier in tiers:
        up_to = tier.get("up_to")
        if up_to is None or measure <= int(up_to):
            return int(tier["amount"])
    return None


def shrink_plan(holds: Sequence[tuple[uuid.UUID, int]], target: int) -> list[tuple[uuid.UUID, int]]:
    """Which holds to lower (to what) so the held total becomes ``target``.

    The newest holds (last in ``holds``) give back first; a hold lowered to 0 is released.
    Holds left as they are do not appear."""
    held = sum(q for _, q in holds)
    excess = held - max(target, 0)
    plan: list[tuple[uuid.UUID, int]] = []
    for hold_id, quantity in reversed(holds):
        if excess <= 0:
            break
        give = min(quantity, excess)
        plan.append((hold_id, quantity - give))
        excess -= give
    return plan


def check_quantity(quantity: int, *, field: str = "quantity", allow_zero: bool = False) -> int:
    """A line quantity between 1 (0 when removing is allowed) and 999."""
    low = 0 if allow_zero else 1
    if not low <= quantity <= MAX_LINE_QUANTITY:
        raise ValidationFailed(
            f"quantity must be between {low} and {MAX_LINE_QUANTITY}", field=field
        )
    return quantity
