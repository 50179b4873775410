"""A small shop in the 1C files' formats: real `omnishop seed` code, seconds instead of minutes.

Nine games and films in three categories (one Xbox game beside the PS4 ones, so the games
listing has a platform to filter by); a Moscow store with pickup, the online warehouse
and the central warehouse hold stock, so delivery and click & collect both work.
"""

from __future__ import annotations

import csv
import gzip
from collections.abc import Sequence
from pathlib import Path

from omnishop.demo import loaders

CATEGORIES = [
    ("item_category_name", "item_category_id", "en_category"),
    ("Игры - PS4", "20", "Games - PS4"),
    ("Кино - DVD", "40", "Cinema - DVD"),
    ("Игры - XBOX ONE", "21", "Games - XBOX ONE"),
]
ITEMS = [
    # (id, ru, en, category)
    ("100", "Far Cry 4 [PS4, русская версия]", " far cry 4 ps4 russian version", "20"),
    ("101", "Uncharted 4 [PS4, русская версия]", " uncharted 4 ps4 russian version", "20"),
    ("102", "FIFA 16 [PS4, русская версия]", " fifa 16 ps4 russian version", "20"),
    ("103", "The Witcher 3 [PS4, русская версия]", " the witcher 3 ps4 russian version", "20"),
    ("200", "ТАЧКИ  (регион)", " cars region", "40"),
    ("201", "ИНТЕРСТЕЛЛАР (регион)", " interstellar region", "40"),
    ("202", "МАРСИАНИН (регион)", " the martian region", "40"),
    ("203", "ГРАВИТАЦИЯ (регион)", " gravity region", "40"),
    ("104", "Halo 5 [XBOX ONE, русская версия]", " halo 5 xbox one russian version", "21"),
]
SHOPS = [
    ("shop_name", "shop_id"),
    ("Интернет-магазин ЧС", "12"),
    ('Москва ТРК "Атриум"', "25"),
]


def _sales() -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = [
        ("date", "date_block_num", "shop_id", "item_id", "item_price", "item_cnt_day")
    ]
    for n, (item_id, _ru, _en, category) in enumerate(ITEMS):
        price = "2999.0" if category in {"20", "21"} else "499.0"
        # Plenty sold last month in the Moscow store and online: stock in both places.
        rows.append(("15.09.2015", "32", "25", item_id, price, str(20 + n)))
        rows.append(("16.09.2015", "32", "12", item_id, price, str(30 + n)))
        rows.append(("20.08.2015", "31", "12", item_id, price, "10.0"))
    return rows


def _write(path: Path, rows: Sequence[Sequence[str]]) -> None:
    if path.suffix == ".gz":
        with gzip.open(path, "wt", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows(rows)
    else:
        with path.open("w", encoding="utf-8", newline="") as plain:
            csv.writer(plain).writerows(rows)


def write(folder: Path) -> Path:
    """Write the dataset under ``folder``; returns the ``data_dir`` the seed reads."""
    root = folder / loaders.DATASET
    root.mkdir(parents=True, exist_ok=True)
    _write(root / loaders.CATEGORIES_FILE, CATEGORIES)
    _write(root / loaders.ITEMS_RU_FILE, [("item_name", "item_id", "item_category_id")]
           + [(ru, i, c) for i, ru, _en, c in ITEMS])  # fmt: skip
    _write(root / loaders.ITEMS_EN_FILE, [("item_id", "item_name", "item_category_id")]
           + [(i, en, c) for i, _ru, en, c in ITEMS])  # fmt: skip
    _write(root / loaders.SHOPS_FILE, SHOPS)
    _write(root / loaders.SALES_FILE, _sales())
    return folder
