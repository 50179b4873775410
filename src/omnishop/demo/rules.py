"""Pure shaping of the 1C data into a demo catalog: category tree, English titles, platforms,
prices and stock from the sales history. Data in, plain values out; no I/O."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from omnishop.demo.georgian import EN_CHILD_FIXES, EN_TOP, KA_CHILD, KA_TOP
from omnishop.demo.loaders import CategoryRow, SaleRow
from omnishop.kernel.ids import slugify
from omnishop.kernel.money import Money

SEPARATOR = " - "


@dataclass(frozen=True)
class CategoryNode:
    slug: str
    parent_slug: str | None
    names: dict[str, str]  # locale → name
    position: int
    external_ref: str | None  # "1c-cat-<id>" when the node is a category of the file


def _split(name: str) -> tuple[str, str | None]:
    top, sep, child = name.partition(SEPARATOR)
    return (top.strip(), child.strip()) if sep else (name.strip(), None)


def category_ref(category_id: int) -> str:
    return f"1c-cat-{category_id}"


def build_category_tree(rows: Iterable[CategoryRow]) -> tuple[list[CategoryNode], dict[int, str]]:
    """Two levels: "Игры - PS4" becomes "Игры" → "PS4". Returns the nodes (parents first)
    and the slug each 1C category id maps to."""
    tops: dict[str, CategoryNode] = {}
    children: list[CategoryNode] = []
    slug_of: dict[int, str] = {}
    used: set[str] = set()

    def unique(slug: str) -> str:
        base, n = slug, 1
        while slug in used:
            n += 1
            slug = f"{base}-{n}"
        used.add(slug)
        return slug

    for row in sorted(rows, key=lambda r: r.id):
        top_ru, child_ru = _split(row.name_ru)
        top_en_file, child_en_file = _split(row.name_en)
        if top_ru not in tops:
            top_en = EN_TOP.get(top_ru, top_en_file)
            tops[top_ru] = CategoryNode(
                slug=unique(slugify(top_en, 60)),
                parent_slug=None,
                names={"ru": top_ru, "en": top_en, "ka": KA_TOP.get(top_ru, top_ru)},
                position=len(tops),
                external_ref=None,
            )
        top = tops[top_ru]
        if child_ru is None:
            # A category without a dash ("Служебные") is itself the top level.
            tops[top_ru] = CategoryNode(
                top.slug, None, top.names, top.position, category_ref(row.id)
            )
            slug_of[row.id] = top.slug
            continue
        child_en = EN_CHILD_FIXES.get(child_ru) or child_en_file or child_ru
        node = CategoryNode(
            slug=unique(f"{top.slug}-{slugify(child_en, 50)}"),
            parent_slug=top.slug,
            names={"ru": child_ru, "en": child_en, "ka": KA_CHILD.get(child_ru, child_ru)},
            position=row.id,
            external_ref=category_ref(row.id),
        )
        children.append(node)
        slug_of[row.id] = node.slug
    return [*tops.values(), *children], slug_of


# Words that stay lower-case inside an English title, and ones that are always upper-case.
_SMALL = frozenset(
    [
        "a",
        "an",
        "and",
        "as",
        "at",
        "but",
        "by",
        "for",
        "from",
        "in",
        "into",
        "nor",
        "of",
        "on",
        "or",
        "per",
        "the",
        "to",
        "vs",
        "via",
        "with",
    ]
)
_UPPER = frozenset(
    [
        "pc",
        "psp",
        "ps",
        "dvd",
        "bd",
        "cd",
        "hd",
        "usb",
        "nhl",
        "fifa",
        "mtg",
        "eset",
        "lego",
        "ufc",
        "wwe",
        "gta",
        "dlc",
        "tv",
        "rpg",
        "uk",
        "usa",
        "dc",
        "ea",
        "xcom",
        "mac",
        "ios",
        "abbyy",
        "ru",
        "kz",
        "bbc",
        "mlb",
        "nba",
        "wrc",
    ]
)
_ROMAN = re.compile(r"^(?=[ivx])x{0,3}(ix|iv|v?i{0,3})$")


def title_case_en(text: str) -> str:
    """Title-case the lower-case machine translation: "call of duty ps4" → "Call of Duty PS4"."""
    words = text.split()
    out = []
    for i, word in enumerate(words):
        if (
            word in _UPPER
            or _ROMAN.match(word)
            or (any(c.isdigit() for c in word) and any(c.isalpha() for c in word))
        ):
            out.append(word.upper())
        elif i > 0 and word in _SMALL:
            out.append(word)
        else:
            out.append(word[:1].upper() + word[1:])
    return " ".join(out)


# Platform spellings in categories and titles (the titles mix in Cyrillic "РС"/"PС").
_PLATFORMS = {
    "PC": "PC",
    "РС": "PC",
    "PС": "PC",
    "PS2": "PS2",
    "PS3": "PS3",
    "PS4": "PS4",
    "PSP": "PSP",
    "PSVITA": "PSVita",
    "PS VITA": "PSVita",
    "XBOX 360": "XBOX 360",
    "XBOX ONE": "XBOX ONE",
    "MAC": "MAC",
    "ANDROID": "Android",
}
_BRACKET = re.compile(r"\[([^\],]+)")
_PREFIX = re.compile(r"^(PS[234]|PSP|PS ?Vita|XBOX (?:360|ONE)|Xbox (?:360|One)):", re.IGNORECASE)


def _platform(token: str) -> str | None:
    return _PLATFORMS.get(token.strip().upper())


def platform_of(category_ru: str, title_ru: str) -> str | None:
    """The platform from the category ("Игры - PS4", "Игры PC - Цифра"), else from the title's
    bracket ("[PS4, русская версия]") or prefix ("PS3: Контроллер")."""
    top, child = _split(category_ru)
    if child is not None and (found := _platform(child)):
        return found
    for word in reversed(top.split()):
        if found := _platform(word):
            return found
    if (bracket := _BRACKET.search(title_ru)) and (found := _platform(bracket.group(1))):
        return found
    if prefix := _PREFIX.match(title_ru):
        return _platform(prefix.group(1))
    return None


@dataclass
class ItemSales:
    """What the seed needs of one item's history (prices in kopecks)."""

    price: int
    compare_at: int | None
    last_day: date


@dataclass
class SalesSummary:
    last_block: int
    items: dict[int, ItemSales]
    # Units sold per (shop, item) in the last month, clamped at 0 (returns can outnumber sales).
    shop_stock: dict[tuple[int, int], int] = field(default_factory=dict)
    # Units sold per item in the last three months: the central warehouse's stock.
    warehouse_stock: dict[int, int] = field(default_factory=dict)


def kopecks(price: Decimal) -> int:
    return Money.from_decimal(price, "RUB").amount


def summarise_sales(rows: Iterable[SaleRow], *, compare_months: int = 6) -> SalesSummary:
    """Latest price per item (on its last sale day, the price most units sold at, then the
    higher), compare-at = highest price of the last ``compare_months`` months when above it."""
    sales = list(rows)
    if not sales:
        return SalesSummary(last_block=0, items={})
    last_block = max(r.block for r in sales)
    last_day: dict[int, date] = {}
    units_at_price: dict[int, Counter[Decimal]] = defaultdict(Counter)
    recent_high: dict[int, Decimal] = {}
    shop_units: dict[tuple[int, int], int] = defaultdict(int)
    warehouse_units: dict[int, int] = defaultdict(int)
    for r in sales:
        shop_units[(r.shop_id, r.item_id)] += r.quantity if r.block == last_block else 0
        if r.block > last_block - 3:
            warehouse_units[r.item_id] += r.quantity
        if r.quantity <= 0 or r.price <= 0:
            continue  # returns and data errors say nothing about the selling price
        if r.day > last_day.get(r.item_id, date.min):
            last_day[r.item_id] = r.day
            units_at_price[r.item_id] = Counter()
        if r.day == last_day[r.item_id]:
            units_at_price[r.item_id][r.price] += r.quantity
        if r.block > last_block - compare_months:
            recent_high[r.item_id] = max(recent_high.get(r.item_id, r.price), r.price)
    items: dict[int, ItemSales] = {}
    for item_id in sorted(last_day):
        price = max(units_at_price[item_id].items(), key=lambda pq: (pq[1], pq[0]))[0]
        amount = kopecks(price)
        high = recent_high.get(item_id)
        compare_at = kopecks(high) if high is not None and kopecks(high) > amount else None
        items[item_id] = ItemSales(amount, compare_at, last_day[item_id])
    return SalesSummary(
        last_block=last_block,
        items=items,
        shop_stock={key: max(0, n) for key, n in sorted(shop_units.items())},
        warehouse_stock={key: max(0, n) for key, n in sorted(warehouse_units.items())},
    )


def product_slugs(titles: dict[int, str]) -> dict[int, str]:
    """A readable slug per item from its English title; the item id tells duplicates apart."""
    base = {item_id: slugify(title, 110) for item_id, title in sorted(titles.items())}
    seen = Counter(base.values())
    return {
        item_id: slug if seen[slug] == 1 else f"{slug[:100]}-{item_id}"
        for item_id, slug in base.items()
    }


def stock_by_item(
    summary: SalesSummary, shop_code: dict[int, str], central: str
) -> dict[int, dict[str, int]]:
    """Item id → location code → units: last month's sales per shop, last quarter's centrally.

    Zero counts are left out: no stock row already means none, and every row costs the seed
    a service call."""
    stock: dict[int, dict[str, int]] = defaultdict(dict)
    for (shop_id, item_id), units in summary.shop_stock.items():
        if shop_id in shop_code and units > 0:
            stock[item_id][shop_code[shop_id]] = units
    for item_id, units in summary.warehouse_stock.items():
        if units > 0:
            stock[item_id][central] = units
    return dict(stock)
