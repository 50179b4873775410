"""`omnishop seed` against a tiny dataset in the 1C files' formats, on both engines."""

from __future__ import annotations

import csv
import gzip
import uuid
from collections.abc import Sequence
from pathlib import Path

import pytest
from rich.console import Console
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.catalog import service as catalog
from omnishop.catalog.schemas import ProductBundle
from omnishop.channels import service as channels
from omnishop.customers import staff
from omnishop.demo import loaders
from omnishop.demo.seed import SeedReport, seed
from omnishop.inventory import service as inventory
from omnishop.kernel.runtime import Database
from omnishop.kernel.settings import Settings
from omnishop.pricing import service as pricing

CATEGORIES = [
    ("item_category_name", "item_category_id", "en_category"),
    ("Игры - PS4", "20", "Games - PS4"),
    ("Кино - DVD", "40", "Cinema - DVD"),
    ("Служебные", "79", "Office"),
    ("Служебные - Билеты", "80", "Official - Tickets"),
]
ITEMS_RU = [
    ("item_name", "item_id", "item_category_id"),
    ("Far Cry 4 [PS4, русская версия]", "100", "20"),
    ("ТАЧКИ  (регион)", "200", "40"),
    ("Доставка до пункта выдачи", "300", "79"),
    ("НИКОГДА НЕ ПРОДАВАЛСЯ", "999", "40"),
]
ITEMS_EN = [
    ("item_id", "item_name", "item_category_id"),
    ("100", " far cry 4 ps4 russian version", "20"),
    ("200", " cars region", "40"),
    ("300", " delivery to the point of issue", "79"),
    ("999", " never sold", "40"),
]
SHOPS = [
    ("shop_name", "shop_id"),
    ("!Якутск Орджоникидзе, 56 фран", "0"),
    ("Интернет-магазин ЧС", "12"),
    ('Москва ТРК "Атриум"', "25"),
]
SALES = [
    ("date", "date_block_num", "shop_id", "item_id", "item_price", "item_cnt_day"),
    ("03.01.2013", "0", "25", "100", "3999.0", "1.0"),  # too old for the compare-at window
    ("02.07.2015", "30", "25", "100", "3499.0", "1.0"),
    ("15.08.2015", "31", "25", "100", "2999.0", "2.0"),
    ("10.09.2015", "32", "25", "100", "2499.0", "3.0"),
    ("11.09.2015", "32", "0", "100", "2499.0", "1.0"),
    ("12.09.2015", "32", "0", "100", "2499.0", "-1.0"),  # a return: nets to zero in shop 0
    ("20.09.2015", "32", "12", "200", "199.5", "4.0"),
    ("05.11.2013", "10", "25", "300", "100.0", "1.0"),
]


def write_csv(path: Path, rows: Sequence[Sequence[str]]) -> None:
    if path.suffix == ".gz":
        with gzip.open(path, "wt", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows(rows)
    else:
        with path.open("w", encoding="utf-8", newline="") as plain:
            csv.writer(plain).writerows(rows)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    folder = tmp_path / loaders.DATASET
    folder.mkdir()
    write_csv(folder / loaders.CATEGORIES_FILE, CATEGORIES)
    write_csv(folder / loaders.ITEMS_RU_FILE, ITEMS_RU)
    write_csv(folder / loaders.ITEMS_EN_FILE, ITEMS_EN)
    write_csv(folder / loaders.SHOPS_FILE, SHOPS)
    write_csv(folder / loaders.SALES_FILE, SALES)
    return tmp_path


async def run_seed(database: Database, data_dir: Path) -> SeedReport:
    return await seed(
        database=database, settings=Settings(data_dir=data_dir), console=Console(quiet=True)
    )


async def products_by_sku(session: AsyncSession) -> dict[str, ProductBundle]:
    ids = await catalog.all_product_ids(session=session)
    bundles = await catalog.load_products(session=session, product_ids=ids)
    return {b.variants[0].sku: b for b in bundles}


async def price_in(session: AsyncSession, variant_id: uuid.UUID, code: str) -> tuple[int, ...]:
    channel = await channels.get_by_code(session=session, code=code)
    info = (
        await pricing.prices_for_variants(
            session=session, variant_ids=[variant_id], channel_id=channel.id
        )
    )[variant_id]
    return (info.amount, info.compare_at_amount or 0, len(info.currency))


async def test_seed_builds_channels_catalog_prices_and_stock(
    database: Database, data_dir: Path, session: AsyncSession
) -> None:
    await run_seed(database, data_dir)

    codes = {c.code: c for c in await channels.list_channels(session=session)}
    assert sorted(codes) == sorted(
        ["web", "web-en", "web-ge", "telegram", "store", "whatsapp", "messenger", "sms", "webchat"]
    )
    assert (codes["web-en"].currency, codes["web-en"].default_locale) == ("EUR", "en")
    assert (codes["web-ge"].currency, codes["web-ge"].country) == ("GEL", "GE")
    assert codes["store"].kind == "store"

    # Only items that sold become products; each sits in its leaf category.
    products = await products_by_sku(session)
    assert sorted(products) == ["1C-100", "1C-200", "1C-300"]
    far_cry = products["1C-100"]
    assert far_cry.names == {
        "ru": "Far Cry 4 [PS4, русская версия]",
        "en": "Far Cry 4 PS4 Russian Version",
    }
    assert far_cry.attributes == {"platform": "PS4"}
    assert far_cry.category_path == "games/games-ps4"
    assert products["1C-200"].names["ru"] == "ТАЧКИ (регион)"
    assert products["1C-300"].category_path == "service"
    assert {p.channel_id for p in far_cry.publications} == {c.id for c in codes.values()}
    assert all(p.visible and p.purchasable for p in far_cry.publications)


async def test_seed_prices_from_last_sale_and_derives_foreign_currencies(
    database: Database, data_dir: Path, session: AsyncSession
) -> None:
    await run_seed(database, data_dir)

    products = await products_by_sku(session)
    far_cry = products["1C-100"].variants[0].id
    # Last sale 2499 RUB; highest of the last six months 3499 (the 3999 of 2013 is too old).
    assert await price_in(session, far_cry, "web") == (249900, 349900, 3)
    assert await price_in(session, far_cry, "telegram") == (249900, 349900, 3)
    assert await price_in(session, far_cry, "store") == (249900, 349900, 3)
    # 2499 × 0.0134 = 33.49 EUR → nearest .99 price (a tie goes up) 33.99; 46.89 → 46.99.
    assert await price_in(session, far_cry, "web-en") == (3399, 4699, 3)
    # 2499 × 0.0357 = 89.21 GEL → whole tetri tens 89.20; 3499 × 0.0357 = 124.91 → 124.90.
    assert await price_in(session, far_cry, "web-ge") == (8920, 12490, 3)
    cars = products["1C-200"].variants[0].id
    assert await price_in(session, cars, "web") == (19950, 0, 3)


async def test_seed_categories_have_russian_english_and_georgian_names(
    database: Database, data_dir: Path, session: AsyncSession
) -> None:
    await run_seed(database, data_dir)

    tree = {c.path: c for c in await catalog.list_categories(session=session)}
    assert sorted(tree) == [
        "games",
        "games/games-ps4",
        "movies",
        "movies/movies-dvd",
        "service",
        "service/service-tickets",
    ]
    assert tree["games"].names == {"ru": "Игры", "en": "Games", "ka": "თამაშები"}
    assert tree["movies"].names["ka"] == "კინო"
    assert tree["games/games-ps4"].names == {"ru": "PS4", "en": "PS4", "ka": "PS4"}
    assert tree["service/service-tickets"].names["ka"] == "ბილეთები"


async def test_seed_stocks_shops_with_last_month_and_the_warehouse_with_last_quarter(
    database: Database, data_dir: Path, session: AsyncSession
) -> None:
    await run_seed(database, data_dir)

    locations = {loc.code: loc for loc in await inventory.list_locations(session=session)}
    assert sorted(locations) == ["central", "shop-00", "shop-12", "shop-25"]
    assert locations["shop-00"].timezone == "Asia/Yakutsk"
    assert (locations["shop-00"].city, locations["shop-00"].pickup) == ("Якутск", True)
    assert (locations["shop-12"].kind, locations["shop-12"].pickup) == ("warehouse", False)
    assert locations["shop-25"].city == "Москва"
    products = await products_by_sku(session)
    variants = [products[s].variants[0].id for s in ("1C-100", "1C-200", "1C-300")]
    available = await inventory.available_for_variants(session=session, variant_ids=variants)
    # Far Cry: shop 25 sold 3 in September, shop 0 netted 0; the warehouse holds the quarter's
    # 1 + 2 + 3 + 1 − 1 = 6. Cars: 4 in shop 12, 4 centrally. Delivery last sold in 2013: none.
    assert [available[v] for v in variants] == [3 + 6, 4 + 4, 0]


async def test_seed_twice_creates_nothing_new(
    database: Database, data_dir: Path, session: AsyncSession
) -> None:
    first = await run_seed(database, data_dir)
    second = await run_seed(database, data_dir)

    assert first.counts.products == 3
    assert second.counts.created() == 0
    assert second.counts.products_existing == 3
    assert len(await catalog.all_product_ids(session=session)) == 3
    assert len(await catalog.list_categories(session=session)) == 6
    assert len(await channels.list_channels(session=session)) == 9


async def test_seed_creates_the_demo_owner_login(
    database: Database, data_dir: Path, session: AsyncSession
) -> None:
    await run_seed(database, data_dir)

    user = await staff.authenticate(
        session=session, email="demo@omnishop.local", password="omnishop-demo"
    )
    assert user is not None
    assert user.role == "owner"


async def test_seed_without_data_stops_with_a_clear_message(
    database: Database, tmp_path: Path
) -> None:
    console = Console(record=True, width=200)
    with pytest.raises(SystemExit):
        await seed(
            database=database, settings=Settings(data_dir=tmp_path / "nope"), console=console
        )
    assert "OMNISHOP_DATA_DIR" in console.export_text()
