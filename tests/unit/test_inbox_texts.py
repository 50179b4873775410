"""What the inbox sends is in the chat's language: a shared store's opening hours too."""

from __future__ import annotations

from omnishop.admin.inbox_data import location_text
from omnishop.inventory.models import Location


def store() -> Location:
    weekdays = {d: [["10:00", "22:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
    return Location(
        name="Магазин на Арбате",
        city="Москва",
        address="Арбат 1",
        opening_hours={**weekdays, "sun": [["11:00", "20:00"]]},
    )


def test_a_shared_stores_hours_name_the_days_in_the_chats_language() -> None:
    assert location_text(store(), "ru").splitlines() == [
        "Магазин на Арбате",
        "Москва, Арбат 1",
        "пн–пт 10:00–22:00, вс 11:00–20:00",
    ]
    assert location_text(store(), "ka").endswith("ორშ–პარ 10:00–22:00, კვი 11:00–20:00")
    assert location_text(store(), "en").endswith("Mon–Fri 10:00–22:00, Sun 11:00–20:00")


def test_a_store_without_hours_is_name_and_address() -> None:
    bare = Location(name="Пункт выдачи", city="Москва", address=None, opening_hours=None)

    assert location_text(bare, "ru") == "Пункт выдачи\nМосква"
