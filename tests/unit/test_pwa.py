"""The installable app's pieces: manifest (Chromium installability), real icons of the sizes
the manifest claims, content-versioned assets, GS1 GTIN forms."""

from __future__ import annotations

import struct

import pytest

from omnishop.catalog.lookup import gtin_forms
from omnishop.storefront import pwa
from omnishop.storefront.links import valid_gtin


@pytest.mark.parametrize("locale", ["ru", "en", "ka"])
def test_manifest_meets_chromium_installability(locale: str) -> None:
    m = pwa.manifest(locale)

    assert m["name"] and m["short_name"] and m["start_url"].startswith("/")
    assert m["display"] == "standalone" and m["scope"] == "/"
    assert m["theme_color"] and m["background_color"]
    sizes = {(i["sizes"], i["purpose"]) for i in m["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    assert [s["url"].split("?")[0] for s in m["shortcuts"]] == ["/search", "/cart", "/account"]
    assert "utm_source" in m["start_url"]


def test_shortcut_names_are_translated() -> None:
    assert pwa.manifest("ru")["shortcuts"][1]["name"] == "Корзина"
    assert pwa.manifest("ka")["shortcuts"][0]["name"] == "ძებნა"


@pytest.mark.parametrize(
    ("name", "size"),
    [*((src, int(s.split("x")[0])) for src, s, _ in pwa.ICONS), (pwa.APPLE_TOUCH, 180)],
)
def test_icons_are_png_of_the_size_the_manifest_says(name: str, size: int) -> None:
    data, media, _ = pwa.asset(name)

    assert media == "image/png" and data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (size, size)


def test_asset_urls_change_with_their_content() -> None:
    data, _, digest = pwa.asset("app.js")

    assert pwa.url("app.js") == f"/static/app.js?v={digest}"
    assert len(digest) == 12 and data
    assert pwa.url("app.js") in pwa.shell_assets()
    assert pwa.version() in pwa.worker_config("ru")


@pytest.mark.parametrize("name", ["../pwa.py", "../templates/base.html", "nope.js", "icons"])
def test_only_files_inside_static_are_served(name: str) -> None:
    with pytest.raises(FileNotFoundError):
        pwa.asset(name)


def test_worker_config_cannot_close_its_script() -> None:
    assert "<" not in pwa.worker_config("ru")


@pytest.mark.parametrize(
    ("gtin", "ok"),
    [
        ("4006381333931", True),
        ("04006381333931", True),
        ("96385074", True),
        ("036000291452", True),
        ("4006381333932", False),
        ("12345", False),
        ("abcdefgh", False),
    ],
)
def test_gtin_check_digit(gtin: str, ok: bool) -> None:
    assert valid_gtin(gtin) is ok


def test_gtin_forms_cover_padding_both_ways() -> None:
    assert {"04006381333931", "4006381333931"} <= set(gtin_forms("04006381333931"))
    assert "00000096385074" in gtin_forms("96385074")
