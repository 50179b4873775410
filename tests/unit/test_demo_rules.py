"""Pure rules of the demo seed: category tree, titles, platforms, prices, stock, locations."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from omnishop.demo import places, rules
from omnishop.demo.loaders import CategoryRow, SaleRow, ShopRow, clean


def sale(day: str, block: int, item: int, price: str, qty: int, shop: int = 1) -> SaleRow:
    return SaleRow(date.fromisoformat(day), block, shop, item, Decimal(price), qty)


def test_category_names_split_into_two_levels_with_three_languages() -> None:
    rows = [
        CategoryRow(19, "Игры - PS3", "Games - PS3"),
        CategoryRow(20, "Игры - PS4", "Games - PS4"),
        CategoryRow(83, "Элементы питания", "Elements of a food"),
    ]

    nodes, slug_of = rules.build_category_tree(rows)

    by_slug = {n.slug: n for n in nodes}
    assert [n.slug for n in nodes] == ["games", "batteries", "games-ps3", "games-ps4"]
    assert by_slug["games"].names == {"ru": "Игры", "en": "Games", "ka": "თამაშები"}
    assert by_slug["games"].external_ref is None  # no 1C category is just "Игры"
    assert by_slug["games-ps4"].parent_slug == "games"
    assert by_slug["batteries"].names["en"] == "Batteries"  # the file's wording is fixed
    assert slug_of == {19: "games-ps3", 20: "games-ps4", 83: "batteries"}


def test_a_top_level_category_of_its_own_keeps_its_1c_id() -> None:
    rows = [
        CategoryRow(79, "Служебные", "Office"),
        CategoryRow(80, "Служебные - Билеты", "Official - Tickets"),
    ]

    nodes, slug_of = rules.build_category_tree(rows)

    assert nodes[0].external_ref == "1c-cat-79"
    assert slug_of == {79: "service", 80: "service-tickets"}


@pytest.mark.parametrize(
    ("raw", "title"),
    [
        (
            "call of duty advanced warfare ps4 russian version",
            "Call of Duty Advanced Warfare PS4 Russian Version",
        ),
        ("the witcher 3 wild hunt pc", "The Witcher 3 Wild Hunt PC"),
        ("grand theft auto iv full edition", "Grand Theft Auto IV Full Edition"),
        ("avatar 3d bdbddvd", "Avatar 3D Bdbddvd"),
        ("masha and the bear", "Masha and the Bear"),
    ],
)
def test_english_titles_are_title_cased_with_acronyms_and_small_words(raw: str, title: str) -> None:
    assert rules.title_case_en(raw) == title


@pytest.mark.parametrize(
    ("category", "title", "platform"),
    [
        ("Игры - PS4", "Thief [PS4, русская версия]", "PS4"),
        ("Игры PC - Стандартные издания", "Far Cry 4 [PC, русская версия]", "PC"),
        ("Аксессуары - XBOX 360", "Руль", "XBOX 360"),
        ("Игры - Аксессуары для игр", "Killzone [PS Vita, русская версия]", "PSVita"),
        ("Игры - Аксессуары для игр", "XCOM [PС, Jewel]", "PC"),  # Cyrillic "С" in the data
        ("Подарки - Атрибутика", "PS4: Контроллер игровой", "PS4"),
        ("Кино - DVD", "ТАЧКИ (регион)", None),
        ("Карты оплаты - Live!", "Карта оплаты [Цифровая версия]", None),
    ],
)
def test_platform_comes_from_category_then_title(
    category: str, title: str, platform: str | None
) -> None:
    assert rules.platform_of(category, title) == platform


def test_price_is_the_last_sale_and_compare_at_the_recent_high() -> None:
    summary = rules.summarise_sales(
        [
            sale("2013-01-03", 0, 1, "999", 1),
            sale("2015-07-01", 30, 1, "599", 1),
            sale("2015-09-10", 32, 1, "399", 1),
            sale("2015-09-10", 32, 1, "449.5", 2, shop=2),  # most units that day
            sale("2015-09-12", 32, 1, "1", -1),  # a return says nothing about price
        ]
    )

    item = summary.items[1]
    assert (item.price, item.compare_at, item.last_day) == (44950, 59900, date(2015, 9, 10))


def test_no_compare_at_when_the_price_never_was_higher() -> None:
    summary = rules.summarise_sales([sale("2015-09-10", 32, 1, "399", 1)])

    assert summary.items[1].compare_at is None


def test_stock_is_last_month_per_shop_and_last_quarter_centrally_never_negative() -> None:
    summary = rules.summarise_sales(
        [
            sale("2015-06-01", 29, 1, "100", 5),  # before the quarter
            sale("2015-07-01", 30, 1, "100", 2),
            sale("2015-09-01", 32, 1, "100", 3, shop=1),
            sale("2015-09-02", 32, 1, "100", -4, shop=2),
        ]
    )

    stock = rules.stock_by_item(summary, {1: "shop-01", 2: "shop-02"}, "central")

    assert summary.last_block == 32
    assert summary.shop_stock == {(1, 1): 3, (2, 1): 0}
    assert stock == {1: {"shop-01": 3, "central": 1}}


def test_duplicate_titles_get_the_item_id_in_their_slug() -> None:
    slugs = rules.product_slugs({5: "Cars", 7: "Cars", 9: "Far Cry 4"})

    assert slugs == {5: "cars-5", 7: "cars-7", 9: "far-cry-4"}


def test_1c_titles_lose_their_padding() -> None:
    assert clean("  ***В ЛУЧАХ СЛАВЫ   (UNV)      D ") == "***В ЛУЧАХ СЛАВЫ (UNV) D"


def test_shops_become_stores_with_their_city_zone_and_coordinates() -> None:
    location = places.shop_location(ShopRow(0, '!Якутск ТЦ "Центральный" фран'))

    assert location.code == "shop-00"
    assert (location.name, location.city, location.address) == (
        'Якутск ТЦ "Центральный" фран',
        "Якутск",
        'ТЦ "Центральный" фран',
    )
    assert (location.kind, location.pickup, location.timezone) == ("store", True, "Asia/Yakutsk")
    assert location.latitude == Decimal("62.0355")


@pytest.mark.parametrize(
    ("name", "city", "zone"),
    [
        ('СПб ТК "Сенная"', "Санкт-Петербург", "Europe/Moscow"),
        ('Н.Новгород ТРЦ "РИО"', "Нижний Новгород", "Europe/Moscow"),
        ('Сергиев Посад ТЦ "7Я"', "Сергиев Посад", "Europe/Moscow"),
        ('Самара ТЦ "Мелодия"', "Самара", "Europe/Samara"),
        ('Уфа ТК "Центральный"', "Уфа", "Asia/Yekaterinburg"),
        ('Новосибирск ТЦ "Мега"', "Новосибирск", "Asia/Novosibirsk"),
    ],
)
def test_city_and_time_zone_follow_the_shop_name(name: str, city: str, zone: str) -> None:
    location = places.shop_location(ShopRow(1, name))

    assert (location.city, location.timezone) == (city, zone)


@pytest.mark.parametrize(
    "name", ["Интернет-магазин ЧС", "Выездная Торговля", "Цифровой склад 1С-Онлайн"]
)
def test_online_mobile_and_digital_shops_are_warehouses_without_pickup(name: str) -> None:
    location = places.shop_location(ShopRow(12, name))

    assert (location.kind, location.pickup, location.city) == ("warehouse", False, None)
