"""The 1C shops as inventory locations: city, time zone and city-centre coordinates.

Coordinates are the centres of the cities (not the malls), good enough for a map and for
"nearest pickup point"; time zones follow the IANA database.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from omnishop.demo.loaders import ShopRow
from omnishop.inventory.models import LocationKind
from omnishop.inventory.schemas import LocationCreate


@dataclass(frozen=True)
class City:
    name: str
    latitude: str
    longitude: str
    timezone: str = "Europe/Moscow"


# Keyed by how the shop names begin; several are abbreviated in the data ("СПб", "Н.Новгород").
CITIES: dict[str, City] = {
    "Адыгея": City("Новая Адыгея", "45.0133", "38.9289"),
    "Балашиха": City("Балашиха", "55.7963", "37.9382"),
    "Волжский": City("Волжский", "48.7858", "44.7797", "Europe/Volgograd"),
    "Вологда": City("Вологда", "59.2181", "39.8886"),
    "Воронеж": City("Воронеж", "51.6720", "39.1843"),
    "Жуковский": City("Жуковский", "55.5972", "38.1195"),
    "Казань": City("Казань", "55.7963", "49.1088"),
    "Калининград": City("Калининград", "54.7104", "20.4522", "Europe/Kaliningrad"),
    "Калуга": City("Калуга", "54.5138", "36.2612"),
    "Коломна": City("Коломна", "55.0794", "38.7783"),
    "Красноярск": City("Красноярск", "56.0153", "92.8932", "Asia/Krasnoyarsk"),
    "Курск": City("Курск", "51.7304", "36.1926"),
    "Москва": City("Москва", "55.7558", "37.6173"),
    "Мытищи": City("Мытищи", "55.9116", "37.7308"),
    "Н.Новгород": City("Нижний Новгород", "56.3269", "44.0059"),
    "Новосибирск": City("Новосибирск", "55.0084", "82.9357", "Asia/Novosibirsk"),
    "Омск": City("Омск", "54.9885", "73.3242", "Asia/Omsk"),
    "РостовНаДону": City("Ростов-на-Дону", "47.2357", "39.7015"),
    "СПб": City("Санкт-Петербург", "59.9343", "30.3351"),
    "Самара": City("Самара", "53.1959", "50.1002", "Europe/Samara"),
    "Сергиев Посад": City("Сергиев Посад", "56.3153", "38.1358"),
    "Сургут": City("Сургут", "61.2540", "73.3962", "Asia/Yekaterinburg"),
    "Томск": City("Томск", "56.4846", "84.9476", "Asia/Tomsk"),
    "Тюмень": City("Тюмень", "57.1522", "65.5272", "Asia/Yekaterinburg"),
    "Уфа": City("Уфа", "54.7388", "55.9721", "Asia/Yekaterinburg"),
    "Химки": City("Химки", "55.8970", "37.4297"),
    "Чехов": City("Чехов", "55.1426", "37.4545"),
    "Якутск": City("Якутск", "62.0355", "129.6755", "Asia/Yakutsk"),
    "Ярославль": City("Ярославль", "57.6261", "39.8845"),
}

# Not shops a customer walks into: they hold stock but offer no pickup.
WAREHOUSE_MARKERS = ("Интернет-магазин", "Выездная торговля", "Цифровой склад")

CENTRAL_CODE = "central"


def shop_code(shop_id: int) -> str:
    return f"shop-{shop_id:02d}"


def shop_ref(shop_id: int) -> str:
    return f"1c-shop-{shop_id}"


def city_of(name: str) -> tuple[City | None, str]:
    """The city a shop name starts with, and the rest of the name (the mall, the street)."""
    for prefix in sorted(CITIES, key=len, reverse=True):
        if name.startswith(prefix) and (
            len(name) == len(prefix) or not name[len(prefix)].isalpha()
        ):
            return CITIES[prefix], name[len(prefix) :].strip(" ,")
    return None, name


def shop_location(shop: ShopRow) -> LocationCreate:
    """A store with pickup, or a warehouse for the online shop, mobile sales and digital stock."""
    # "!" marks franchise shops in the 1C list; it is not part of the name.
    name = shop.name.lstrip("!").strip()
    warehouse = any(name.lower().startswith(m.lower()) for m in WAREHOUSE_MARKERS)
    city, rest = (None, "") if warehouse else city_of(name)
    return LocationCreate(
        code=shop_code(shop.id),
        name=name,
        kind=LocationKind.WAREHOUSE if warehouse else LocationKind.STORE,
        country="RU",
        city=city.name if city else None,
        address=rest or None,
        latitude=Decimal(city.latitude) if city else None,
        longitude=Decimal(city.longitude) if city else None,
        timezone=city.timezone if city else "Europe/Moscow",
        pickup=not warehouse,
        priority=50 if warehouse else 100,
        external_ref=shop_ref(shop.id),
    )


def central_warehouse() -> LocationCreate:
    """The demo's central warehouse in Moscow: ships web orders first (lowest priority)."""
    moscow = CITIES["Москва"]
    return LocationCreate(
        code=CENTRAL_CODE,
        name="Центральный склад",
        kind=LocationKind.WAREHOUSE,
        country="RU",
        city=moscow.name,
        latitude=Decimal(moscow.latitude),
        longitude=Decimal(moscow.longitude),
        pickup=False,
        priority=10,
        external_ref="demo-central",
    )
