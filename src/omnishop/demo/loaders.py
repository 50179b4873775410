"""Readers for the 1C "Predict Future Sales" files in ``<data_dir>/predict_future_sales_1c``.

Plain ``csv`` + ``gzip``: the files are small enough (276k sales rows) that a dataframe library
would only add a dependency. Each reader checks the header so a changed file fails loudly.
"""

from __future__ import annotations

import csv
import gzip
import re
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import IO

DATASET = "predict_future_sales_1c"
CATEGORIES_FILE = "item_categories_ru_en.csv"
ITEMS_RU_FILE = "items_ru.csv.gz"
ITEMS_EN_FILE = "items_translated_en.csv.gz"
SHOPS_FILE = "shops_ru.csv"
SALES_FILE = "sales_train_subset_494items.csv.gz"
FILES = (CATEGORIES_FILE, ITEMS_RU_FILE, ITEMS_EN_FILE, SHOPS_FILE, SALES_FILE)

HEADERS: dict[str, tuple[str, ...]] = {
    CATEGORIES_FILE: ("item_category_name", "item_category_id", "en_category"),
    ITEMS_RU_FILE: ("item_name", "item_id", "item_category_id"),
    ITEMS_EN_FILE: ("item_id", "item_name", "item_category_id"),
    SHOPS_FILE: ("shop_name", "shop_id"),
    SALES_FILE: ("date", "date_block_num", "shop_id", "item_id", "item_price", "item_cnt_day"),
}


class DemoDataMissing(FileNotFoundError):
    """The demo data directory or one of its files is not where settings say."""


class DemoDataMalformed(ValueError):
    """A demo data file does not have the expected columns."""


@dataclass(frozen=True)
class CategoryRow:
    id: int
    name_ru: str
    name_en: str


@dataclass(frozen=True)
class ItemRow:
    id: int
    category_id: int
    name_ru: str
    name_en: str


@dataclass(frozen=True)
class ShopRow:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class SaleRow:
    day: date
    block: int  # month number, 0 = 2013-01
    shop_id: int
    item_id: int
    price: Decimal  # RUB, major units, as written in the file
    quantity: int  # negative for returns


def resolve_data_dir(data_dir: Path) -> Path:
    """The 1C dataset folder under ``data_dir`` (relative to the current directory)."""
    folder = (Path.cwd() / data_dir).resolve() / DATASET
    if not folder.is_dir():
        raise DemoDataMissing(
            f"demo data not found: {folder} does not exist. Point OMNISHOP_DATA_DIR at the "
            f"shared data folder (the one holding {DATASET}/)."
        )
    missing = [name for name in FILES if not (folder / name).is_file()]
    if missing:
        raise DemoDataMissing(f"demo data incomplete in {folder}: missing {', '.join(missing)}")
    return folder


def _open(path: Path) -> IO[str]:
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8", newline="")
    return path.open(encoding="utf-8", newline="")


def _rows(folder: Path, name: str) -> Generator[dict[str, str], None, None]:
    with _open(folder / name) as handle:
        reader = csv.DictReader(handle)
        header = tuple(reader.fieldnames or ())
        if header != HEADERS[name]:
            raise DemoDataMalformed(f"{name}: expected columns {HEADERS[name]}, found {header}")
        yield from reader


def clean(text: str) -> str:
    """Trim and collapse the runs of spaces the 1C titles are padded with."""
    return re.sub(r"\s+", " ", text).strip()


def read_categories(folder: Path) -> list[CategoryRow]:
    rows = (
        CategoryRow(
            int(r["item_category_id"]), clean(r["item_category_name"]), clean(r["en_category"])
        )
        for r in _rows(folder, CATEGORIES_FILE)
    )
    return sorted(rows, key=lambda c: c.id)


def read_items(folder: Path, item_ids: Iterable[int]) -> dict[int, ItemRow]:
    """Russian and English titles of the wanted items (the full list has 22,170)."""
    wanted = set(item_ids)
    english = {
        int(r["item_id"]): clean(r["item_name"])
        for r in _rows(folder, ITEMS_EN_FILE)
        if int(r["item_id"]) in wanted
    }
    items = {}
    for r in _rows(folder, ITEMS_RU_FILE):
        item_id = int(r["item_id"])
        if item_id in wanted:
            name_ru = clean(r["item_name"])
            items[item_id] = ItemRow(
                item_id, int(r["item_category_id"]), name_ru, english.get(item_id) or name_ru
            )
    return items


def read_shops(folder: Path) -> list[ShopRow]:
    rows = (ShopRow(int(r["shop_id"]), clean(r["shop_name"])) for r in _rows(folder, SHOPS_FILE))
    return sorted(rows, key=lambda s: s.id)


def _day(text: str) -> date:
    day, month, year = text.split(".")
    return date(int(year), int(month), int(day))


def read_sales(folder: Path) -> Iterator[SaleRow]:
    for r in _rows(folder, SALES_FILE):
        yield SaleRow(
            day=_day(r["date"]),
            block=int(r["date_block_num"]),
            shop_id=int(r["shop_id"]),
            item_id=int(r["item_id"]),
            price=Decimal(r["item_price"]),
            quantity=int(Decimal(r["item_cnt_day"])),
        )


def read_headers(folder: Path) -> dict[str, dict[str, str]]:
    """The first data row of every file, checked against the expected columns."""
    first: dict[str, dict[str, str]] = {}
    for name in FILES:
        rows = _rows(folder, name)
        try:
            first[name] = next(rows)
        finally:
            rows.close()
    return first
