"""Listing filters from the address bar (price range in major units, attribute values) and the
chips that remove them. Pure: no I/O. Forgiving like ``routes.listing_query``: a number that
is not one, an attribute code that cannot exist or too many values are dropped, never an
error, because these addresses are typed, edited and shared by people.

Address format: ``price_min=10.50&price_max=20`` (in the channel's currency, major units)
and ``a.<code>=<value>`` repeated (``a.color=red&a.color=blue``)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from urllib.parse import urlencode

from omnishop.kernel.money import exponent

ATTR_PREFIX = "a."
MAX_ATTRIBUTES = 20
MAX_VALUES = 20
MAX_VALUE_LENGTH = 200
MAX_AMOUNT = 10**15
_CODE = re.compile(r"^[A-Za-z0-9_-]{1,60}$")
_SPACES = re.compile(r"[\s\u00a0\u202f']")


@dataclass(frozen=True)
class Chip:
    """One chosen filter shown above the grid; ``href`` is the listing without it."""

    kind: str  # "price_min" | "price_max" | "attribute" | "in_stock"
    label: str
    value: str
    href: str


@dataclass(frozen=True)
class Chosen:
    """The filters a listing address asks for, already clean."""

    price_min: int | None = None  # minor units
    price_max: int | None = None
    attributes: dict[str, list[str]] = field(default_factory=dict)


def to_minor(text: str | None, currency: str) -> int | None:
    """``"1 999,50"`` → 199950 for RUB; ``None`` for anything that is not a usable amount."""
    if not text:
        return None
    cleaned = _SPACES.sub("", text.strip()[:40]).replace(",", ".").replace("\x00", "")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
        return None
    scaled = amount.scaleb(exponent(currency)).quantize(Decimal(1), ROUND_HALF_UP)
    return int(scaled) if scaled <= MAX_AMOUNT else None


def to_major(amount: int | None, currency: str) -> str:
    """The value for a price input: 199950 → ``"1999.5"``, 199900 → ``"1999"``."""
    if amount is None:
        return ""
    value = Decimal(amount).scaleb(-exponent(currency))
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def parse(params: list[tuple[str, str]], currency: str | None) -> Chosen:
    """Clean filters from query parameters (``request.query_params.multi_items()``)."""
    single = dict(params)
    low = high = None
    if currency:
        low = to_minor(single.get("price_min"), currency)
        high = to_minor(single.get("price_max"), currency)
        if low is not None and high is not None and low > high:
            low, high = high, low
    attributes: dict[str, list[str]] = {}
    for name, raw in params:
        if not name.startswith(ATTR_PREFIX):
            continue
        code, value = name[len(ATTR_PREFIX) :], raw.strip()
        if not _CODE.match(code) or not value or len(value) > MAX_VALUE_LENGTH or "\x00" in value:
            continue
        if code not in attributes and len(attributes) >= MAX_ATTRIBUTES:
            continue
        values = attributes.setdefault(code, [])
        if value not in values and len(values) < MAX_VALUES:
            values.append(value)
    return Chosen(price_min=low, price_max=high, attributes=attributes)


def _without(params: list[tuple[str, str]], drop: set[tuple[str, str | None]]) -> str:
    """The query string without the cursor (a narrower or wider listing starts again at page
    one) and without the dropped parameters (``(name, None)``: every value of ``name``)."""
    kept = [
        (k, v) for k, v in params if k != "cursor" and (k, v) not in drop and (k, None) not in drop
    ]
    return urlencode(kept)


def chips(
    path: str,
    params: list[tuple[str, str]],
    chosen: Chosen,
    currency: str | None,
    labels: dict[str, Label] | None = None,
) -> list[Chip]:
    """Removable chips, in a stable order: price, then attributes, then the stock filter."""

    def href(drop: set[tuple[str, str | None]]) -> str:
        query = _without(params, drop)
        return f"{path}?{query}" if query else path

    out: list[Chip] = []
    if currency and chosen.price_min is not None:
        shown = to_major(chosen.price_min, currency)
        out.append(Chip("price_min", "price_min", shown, href({("price_min", None)})))
    if currency and chosen.price_max is not None:
        shown = to_major(chosen.price_max, currency)
        out.append(Chip("price_max", "price_max", shown, href({("price_max", None)})))
    for code, values in chosen.attributes.items():
        for value in values:
            raw = [(k, v) for k, v in params if k == ATTR_PREFIX + code and v.strip() == value]
            named = labels[code].name if labels and code in labels else ""
            out.append(Chip("attribute", named or attribute_label(code), value, href(set(raw))))
    if dict(params).get("in_stock") in {"1", "on", "true"}:
        out.append(Chip("in_stock", "in_stock", "", href({("in_stock", None)})))
    return out


def attribute_label(code: str) -> str:
    """A readable name for an attribute code (``screen_size`` → ``Screen size``)."""
    text = code.replace("_", " ").replace("-", " ").strip()
    return text[:1].upper() + text[1:]


@dataclass(frozen=True)
class Option:
    value: str
    count: int | None  # None: chosen but not among the counted values (a page past the first)
    checked: bool


@dataclass(frozen=True)
class Group:
    code: str
    label: str
    options: list[Option]


@dataclass(frozen=True)
class Label:
    """An attribute's name in the shopper's locale, whether it is offered as a filter, order."""

    name: str
    filterable: bool
    position: int


@dataclass(frozen=True)
class Panel:
    """Everything the filter panel shows: inputs as typed, hints, checkboxes and chips."""

    currency: str
    price_min: str
    price_max: str
    price_low: str  # the cheapest and dearest in the result set, as input placeholders
    price_high: str
    groups: list[Group]
    chips: list[Chip]
    name: str = ATTR_PREFIX


def groups(
    counted: dict[str, list[tuple[str, int]]] | None,
    chosen: Chosen,
    labels: dict[str, Label] | None = None,
) -> list[Group]:
    """Attribute checkboxes: the values present in the result set with their counts, plus any
    chosen value that is not among them (still ticked, so it can be unticked). Named and
    ordered as staff set the attributes up; attributes marked not filterable are left out
    unless chosen in the address."""
    labels = labels or {}
    codes = [c for c in counted or {} if labels.get(c, Label("", True, 0)).filterable]
    codes += [c for c in chosen.attributes if c not in codes]
    codes.sort(key=lambda c: (labels[c].position if c in labels else 0, c))
    out: list[Group] = []
    for code in codes:
        ticked = chosen.attributes.get(code, [])
        counts = (counted or {}).get(code, [])
        options = [Option(v, n, v in ticked) for v, n in counts]
        options += [Option(v, None, True) for v in ticked if v not in {o.value for o in options}]
        if options:
            name = labels[code].name if code in labels and labels[code].name else None
            out.append(Group(code, name or attribute_label(code), options))
    return out


def panel(
    path: str,
    params: list[tuple[str, str]],
    chosen: Chosen,
    currency: str,
    counted: dict[str, list[tuple[str, int]]] | None,
    price_range: tuple[int | None, int | None] = (None, None),
    labels: dict[str, Label] | None = None,
) -> Panel:
    return Panel(
        currency=currency,
        price_min=to_major(chosen.price_min, currency),
        price_max=to_major(chosen.price_max, currency),
        price_low=to_major(price_range[0], currency),
        price_high=to_major(price_range[1], currency),
        groups=groups(counted, chosen, labels),
        chips=chips(path, params, chosen, currency, labels),
    )
