"""The gettext catalogs (ru, en, ka) are complete, parse, and plural rules hold per language."""

from __future__ import annotations

import re

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from omnishop.kernel import i18n
from omnishop.storefront.i18n import environment, pick_locale, translations

TEMPLATE = i18n.CATALOG_DIR / "messages.pot"
PLACEHOLDER = re.compile(r"%\(\w+\)s")
# Chat replies (bot, notifications, canned) are filled with str.format: {name} must survive.
BRACES = re.compile(r"\{\w*\}")


def load(locale: str) -> Catalog:
    with (i18n.CATALOG_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=locale)


def template_ids() -> set[str]:
    with TEMPLATE.open("rb") as fh:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}


@pytest.mark.parametrize("locale", i18n.LOCALES)
def test_every_template_message_is_translated_and_not_fuzzy(locale: str) -> None:
    catalog = load(locale)
    by_id = {m.id if isinstance(m.id, str) else m.id[0]: m for m in catalog if m.id}

    assert template_ids() <= set(by_id), "catalog is behind messages.pot: run pybabel update"
    for msgid, message in by_id.items():
        strings = (
            [message.string] if isinstance(message.string, str) else list(message.string or ())
        )
        assert not message.fuzzy, f"{locale}: fuzzy {msgid!r}"
        assert len(strings) == (catalog.num_plurals if message.pluralizable else 1)
        assert all(s.strip() for s in strings), f"{locale}: untranslated {msgid!r}"
        wanted = set(PLACEHOLDER.findall(msgid))
        assert all(set(PLACEHOLDER.findall(s)) == wanted for s in strings), (locale, msgid)
        braces = set(BRACES.findall(msgid))
        assert all(set(BRACES.findall(s)) == braces for s in strings), (locale, msgid)


def test_template_covers_every_string_in_the_code() -> None:
    # Given the sources, when extracted again with babel.cfg, then messages.pot has them all.
    root = i18n.CATALOG_DIR.parents[2]
    with (root / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)  # type: ignore[no-untyped-call]
    fresh = {
        message if isinstance(message, str) else message[0]
        for _, _, message, *_ in extract_from_dir(
            root / "src" / "omnishop", method_map, options_map
        )
    }

    assert fresh, "extraction found nothing: is babel.cfg right?"
    assert fresh <= template_ids(), "messages.pot is stale: run pybabel extract"


def test_plural_forms_follow_each_language() -> None:
    assert load("ru").num_plurals == 3
    assert load("en").num_plurals == 2
    assert load("ka").num_plurals in (1, 2)  # CLDR: one, other


@pytest.mark.parametrize(
    ("count", "expected"), [(1, "1 товар"), (3, "3 товара"), (5, "5 товаров"), (21, "21 товар")]
)
def test_russian_plural_picks_the_right_form(count: int, expected: str) -> None:
    rendered = (
        environment("ru")
        .from_string(
            "{% trans count=n %}{{ count }} product"
            "{% pluralize %}{{ count }} products{% endtrans %}"
        )
        .render(n=count)
    )

    assert rendered == expected


def test_georgian_strings_are_in_georgian_script() -> None:
    ka = translations("ka")

    assert ka.gettext("In stock") == "მარაგშია"
    assert ka.gettext("Out of stock") == "არ არის მარაგში"
    assert ka.gettext("Categories") == "კატეგორიები"
    assert ka.gettext("Price") == "ფასი"
    assert ka.gettext("Search") == "ძებნა"


def test_kernel_gettext_reads_the_same_catalogs() -> None:
    assert i18n.gettext("Out of stock", "ru") == "Нет в наличии"
    assert i18n.gettext("no such message", "ka") == "no such message"


@pytest.mark.parametrize(
    ("header", "default", "expected"),
    [
        ("ka-GE,ka;q=0.9", "ru", "ka"),
        ("en-US,en;q=0.9,ru;q=0.8", "ru", "en"),
        ("de-DE,de;q=0.9", "en", "en"),  # nothing supported → the channel's default
        ("fr;q=0.9,ru;q=0.5", "en", "ru"),
        ("ru;q=0, en;q=0.1", "ka", "en"),  # q=0 means "not this"
        (None, "ka", "ka"),
        ("", "ru", "ru"),
    ],
)
def test_negotiate_honours_quality_and_falls_back(
    header: str | None, default: str, expected: str
) -> None:
    assert i18n.negotiate(header, default=default) == expected


def test_explicit_choice_beats_cookie_beats_header_beats_channel() -> None:
    assert pick_locale(query="ka", cookie="en", accept_language="ru", default="ru") == "ka"
    assert pick_locale(query="xx", cookie="en", accept_language="ka", default="ru") == "en"
    assert pick_locale(query=None, cookie=None, accept_language="ka-GE", default="ru") == "ka"
    assert pick_locale(query=None, cookie="zz", accept_language=None, default="en") == "en"


def test_translate_fills_a_chat_text_in_the_language_or_falls_back_to_english() -> None:
    ready = "Order {number} is ready for pickup."

    assert i18n.translate(ready, "ka", number="W-1") == "შეკვეთა W-1 მზადაა გასატანად."
    assert i18n.translate(ready, "ru-RU", number="W-1") == "Заказ W-1 готов к выдаче."
    assert i18n.translate(ready, "de", number="W-1") == "Order W-1 is ready for pickup."
    assert i18n.translate(ready, None) == ready
    assert i18n.translate("not in any catalog", "ka") == "not in any catalog"
