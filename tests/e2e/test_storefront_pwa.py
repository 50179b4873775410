"""The installable storefront over HTTP: manifest, service worker, offline page, assets,
robots.txt and sitemap.xml, GS1 Digital Link, UTM visits, QR codes, push opt-in and the
Telegram Mini App sign-in."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.app import create_app
from omnishop.catalog import service as catalog
from omnishop.catalog.schemas import VariantCreate
from omnishop.customers.identity_models import CustomerIdentity
from omnishop.customers.push_models import PushOrderLink, PushSubscription
from omnishop.customers.visit_models import Visit
from omnishop.kernel.db import unit_of_work
from omnishop.kernel.runtime import Database
from omnishop.kernel.settings import Settings
from omnishop.storefront import pwa
from tests.e2e.conftest import MakeKey
from tests.e2e.test_storefront import make_shop
from tests.push_fixtures import Browser

Sessions = async_sessionmaker[AsyncSession]
BOT = "4242:test-bot-token"
GTIN = "4006381333931"


@pytest.fixture
async def tg_client(database: Database) -> httpx.AsyncClient:
    settings = Settings(
        worker_in_process=False,
        api_cache_seconds=0,
        telegram_bot_token=BOT,
        push_allow_http_localhost=True,
    )
    app = create_app(settings, database=database)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


def init_data(user_id: int = 777, *, age: int = 60, token: str = BOT) -> str:
    fields = {
        "user": json.dumps({"id": user_id, "first_name": "Ivan", "language_code": "ru"}),
        "auth_date": str(int(time.time()) - age),
    }
    check = "\n".join(f"{k}={v}" for k, v in sorted(fields.items()))
    secret = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    fields["hash"] = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    return urlencode(fields)


async def test_manifest_is_served_with_its_media_type_and_translated(
    client: httpx.AsyncClient,
) -> None:
    r = await client.get("/manifest.webmanifest", headers={"Accept-Language": "ka"})

    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/manifest+json")
    body = r.json()
    assert body["lang"] == "ka" and body["display"] == "standalone"
    for icon in body["icons"]:
        assert (await client.get(icon["src"])).status_code == 200


async def test_every_page_links_the_manifest_and_loads_the_app_script_deferred(
    client: httpx.AsyncClient, sessions: Sessions
) -> None:
    await make_shop(sessions)

    html = (await client.get("/p/chainik")).text

    assert '<link rel="manifest" href="/manifest.webmanifest">' in html
    assert f'<script src="{pwa.url("app.js")}" defer></script>' in html
    assert "telegram-web-app.js" not in html  # only in mini-app mode
    assert 'id="notice"' in html


async def test_mini_app_mode_loads_telegram_script_without_blocking(
    client: httpx.AsyncClient, sessions: Sessions
) -> None:
    await make_shop(sessions)

    client.cookies.set("tg", "1")
    html = (await client.get("/p/chainik")).text

    assert '<script src="https://telegram.org/js/telegram-web-app.js" async></script>' in html
    assert pwa.url("miniapp.js") in html


async def test_service_worker_is_served_from_the_root_uncached_with_versioned_caches(
    client: httpx.AsyncClient,
) -> None:
    r = await client.get("/sw.js")

    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/javascript")
    assert r.headers["cache-control"] == "no-cache"
    assert r.headers["service-worker-allowed"] == "/"
    config = json.loads(re.search(r"var CONFIG = (\{.*?\});", r.text).group(1))  # type: ignore[union-attr]
    assert config["version"] == pwa.version()
    assert "/offline" in config["precache"] and pwa.url("app.js") in config["precache"]
    assert "/cart" in config["networkFirst"] and "/p/" in config["staleWhileRevalidate"]
    assert '"omnishop-shell-" + CONFIG.version' in r.text
    for url in config["precache"]:  # install fails if any precached URL does
        assert (await client.get(url)).status_code == 200, url


async def test_versioned_assets_are_immutable_and_unversioned_short_lived(
    client: httpx.AsyncClient,
) -> None:
    versioned = await client.get(pwa.url("app.js"))
    plain = await client.get("/static/app.js")

    assert versioned.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert plain.headers["cache-control"] == "public, max-age=300"
    assert versioned.headers["content-type"].startswith("text/javascript")
    assert (await client.get("/static/..%2Fpwa.py")).status_code == 404
    assert (await client.get("/static/nope.js")).status_code == 404


@pytest.mark.parametrize(
    ("lang", "title"),
    [("ru", "Нет соединения"), ("en", "You are offline"), ("ka", "კავშირი არ არის")],
)
async def test_offline_page_in_each_language_and_the_refused_cart_message(
    client: httpx.AsyncClient, lang: str, title: str
) -> None:
    plain = await client.get(f"/offline?lang={lang}")
    cart = await client.get(f"/offline?cart=1&lang={lang}")

    assert plain.status_code == 200 and title in plain.text
    assert 'class="notice"' in cart.text and 'class="notice"' not in plain.text.split("<main")[1]


async def test_robots_points_to_the_sitemap_and_keeps_private_pages_out(
    client: httpx.AsyncClient,
) -> None:
    text = (await client.get("/robots.txt")).text

    assert "Sitemap: http://127.0.0.1:8000/sitemap.xml" in text
    assert "Disallow: /account" in text and "Disallow: /order/" in text
    assert "Disallow: /checkout" not in text  # it only redirects without a cart


async def test_sitemap_lists_visible_products_and_categories_with_hreflang(
    client: httpx.AsyncClient, sessions: Sessions
) -> None:
    await make_shop(sessions)
    await make_shop(sessions, slug="hidden", visible=False)

    r = await client.get("/sitemap.xml")

    assert r.status_code == 200 and r.headers["content-type"].startswith("application/xml")
    assert "<loc>http://127.0.0.1:8000/p/chainik</loc>" in r.text
    assert "/p/hidden" not in r.text
    assert "<loc>http://127.0.0.1:8000/c/kitchen-chainik</loc>" in r.text
    assert 'hreflang="ka" href="http://127.0.0.1:8000/p/chainik?lang=ka"' in r.text


async def with_gtin(sessions: Sessions) -> None:
    await make_shop(sessions)
    async with unit_of_work(sessions) as session:
        product_id = await catalog.find_product_id(session=session, id_or_slug="chainik")
        await catalog.add_variant(
            session=session,
            product_id=product_id,
            data=VariantCreate(sku="KET-GOLD", gtin=GTIN, options={"colour": "gold"}),
        )


@pytest.mark.parametrize(
    "path",
    [
        f"/01/{GTIN}",
        f"/01/0{GTIN}",
        f"/01/{GTIN}/10/LOT42",
        f"/01/{GTIN}/21/SN1",
        f"/01/{GTIN}/10/LOT42/21/SN1",
    ],
)
async def test_gs1_digital_link_resolves_to_the_product_page(
    client: httpx.AsyncClient, sessions: Sessions, path: str
) -> None:
    await with_gtin(sessions)

    r = await client.get(path + "?utm_medium=qr&utm_source=shelf")

    assert r.status_code == 307
    target = urlsplit(r.headers["location"])
    assert target.path == "/p/chainik"
    assert parse_qs(target.query) == {
        "utm_medium": ["qr"],
        "utm_source": ["shelf"],
        "sku": ["KET-GOLD"],
    }


@pytest.mark.parametrize(
    "path", ["/01/4006381333932", "/01/12345", "/01/00000000000000", f"/01/{GTIN}/99/x"]
)
async def test_gs1_links_with_a_bad_or_unknown_gtin_show_the_404_page(
    client: httpx.AsyncClient, sessions: Sessions, path: str
) -> None:
    await with_gtin(sessions)
    r = await client.get(path)
    assert r.status_code == 404 and "text/html" in r.headers["content-type"]


async def test_a_visit_with_utm_parameters_is_recorded_and_others_are_not(
    client: httpx.AsyncClient, sessions: Sessions
) -> None:
    await make_shop(sessions)

    await client.get("/p/chainik?utm_medium=qr&utm_source=window&utm_content=poster-a")
    await client.get("/p/chainik")
    await client.get("/p/nope?utm_source=x")  # a 404 is no visit

    async with sessions() as session:
        rows = list(await session.scalars(select(Visit)))
    assert [(v.path, v.utm_medium, v.utm_source, v.utm_content) for v in rows] == [
        ("/p/chainik", "qr", "window", "poster-a")
    ]


async def test_staff_make_qr_codes_that_carry_utm_parameters(
    client: httpx.AsyncClient, sessions: Sessions, api_key: MakeKey
) -> None:
    await with_gtin(sessions)
    auth = await api_key("catalog:read")
    body = {"target": "product", "ref": "chainik", "placement": "shop-window", "content": "a1"}

    svg = await client.post("/api/v1/qr", json=body, headers=auth)
    png = await client.post("/api/v1/qr", json={**body, "format": "png"}, headers=auth)
    gs1 = await client.post("/api/v1/qr", json={**body, "ref": GTIN}, headers=auth)
    cat = await client.post(
        "/api/v1/qr", json={**body, "target": "category", "ref": "kitchen-chainik"}, headers=auth
    )
    camp = await client.post(
        "/api/v1/qr",
        json={**body, "target": "campaign", "ref": "/c/kitchen-chainik", "campaign": "winter"},
        headers=auth,
    )
    preset = await client.post(
        "/api/v1/qr", json={**body, "target": "cart_preset", "ref": "KET-chainik:2"}, headers=auth
    )

    assert svg.status_code == 200 and svg.headers["content-type"] == "image/svg+xml"
    assert svg.text.startswith("<svg")
    assert png.content[:8] == b"\x89PNG\r\n\x1a\n"
    url = svg.headers["x-qr-url"]
    assert url == (
        "http://127.0.0.1:8000/p/chainik?utm_medium=qr&utm_source=shop-window&utm_content=a1"
    )
    assert gs1.headers["x-qr-url"].startswith(f"http://127.0.0.1:8000/01/0{GTIN}?utm_medium=qr")
    assert urlsplit(cat.headers["x-qr-url"]).path == "/c/kitchen-chainik"
    assert "utm_campaign=winter" in camp.headers["x-qr-url"]
    assert "items=KET-chainik%3A2" in preset.headers["x-qr-url"]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"target": "product", "ref": "nope", "placement": "p"}, 404),
        ({"target": "category", "ref": "nope", "placement": "p"}, 404),
        ({"target": "campaign", "ref": "https://evil.example/", "placement": "p"}, 422),
        ({"target": "campaign", "ref": "//evil.example/", "placement": "p"}, 422),
        ({"target": "cart_preset", "ref": "", "placement": "p"}, 422),
        ({"target": "product", "ref": "chainik", "placement": "has space"}, 422),
        ({"target": "product", "ref": "chainik", "placement": "p", "format": "gif"}, 422),
        ({"target": "product", "ref": "chainik", "placement": "p", "extra": 1}, 422),
    ],
)
async def test_bad_qr_requests_get_problem_details(
    client: httpx.AsyncClient,
    sessions: Sessions,
    api_key: MakeKey,
    body: dict[str, object],
    status: int,
) -> None:
    await make_shop(sessions)
    r = await client.post("/api/v1/qr", json=body, headers=await api_key("catalog:read"))
    assert r.status_code == status
    assert r.headers["content-type"] == "application/problem+json"


async def test_qr_codes_need_a_staff_key(client: httpx.AsyncClient) -> None:
    r = await client.post("/api/v1/qr", json={"target": "campaign", "ref": "/", "placement": "p"})
    assert r.status_code == 401


async def test_telegram_sign_in_creates_one_customer_per_telegram_user(
    tg_client: httpx.AsyncClient, sessions: Sessions
) -> None:
    first = await tg_client.post("/tg/session", data={"init_data": init_data(), "next": "/p/x"})
    again = await tg_client.post("/tg/session", data={"init_data": init_data()})

    assert first.status_code == 200 and first.json()["created"] is True
    assert first.json()["next"] == "/p/x"
    assert again.json() == {**first.json(), "created": False, "next": "/"}
    assert (first.cookies.get("customer") or "").startswith("cst_")
    assert first.cookies.get("tg") == "1"
    async with sessions() as session:
        rows = list(await session.scalars(select(CustomerIdentity)))
    assert [(r.kind, r.external_id) for r in rows] == [("telegram", "777")]


@pytest.mark.parametrize(
    "data", [init_data(token="1:forged"), init_data(age=3 * 86400), "user=%7B%7D&hash=00"]
)
async def test_forged_or_stale_init_data_signs_nobody_in(
    tg_client: httpx.AsyncClient, sessions: Sessions, data: str
) -> None:
    r = await tg_client.post("/tg/session", data={"init_data": data})

    assert r.status_code == 401 and r.json()["code"] == "invalid_init_data"
    assert "customer" not in r.cookies
    async with sessions() as session:
        assert list(await session.scalars(select(CustomerIdentity))) == []


async def test_an_outside_next_address_is_not_followed(tg_client: httpx.AsyncClient) -> None:
    r = await tg_client.post(
        "/tg/session", data={"init_data": init_data(), "next": "//evil.example"}
    )
    assert r.json()["next"] == "/"


async def test_the_mini_app_entry_page_loads_telegrams_script(
    client: httpx.AsyncClient, sessions: Sessions
) -> None:
    await make_shop(sessions)
    r = await client.get("/tg")
    assert r.status_code == 200 and "telegram-web-app.js" in r.text and "/tg/session" in r.text


async def test_a_browser_opts_in_to_pushes_for_its_order_and_out_again(
    tg_client: httpx.AsyncClient, sessions: Sessions
) -> None:
    from tests.integration.test_push import an_order

    order = await an_order(sessions)
    browser = Browser()
    sub = {
        "endpoint": "http://127.0.0.1:9/push/a",
        "keys": {"p256dh": browser.p256dh, "auth": browser.auth_b64},
        "expirationTime": None,
    }

    ok = await tg_client.post("/push/subscribe", json={**sub, "order": order.token})
    unknown = await tg_client.post("/push/subscribe", json={**sub, "order": "nope"})
    bad = await tg_client.post(
        "/push/subscribe", json={**sub, "keys": {"p256dh": "x", "auth": "y"}}
    )

    assert ok.status_code == 204
    assert unknown.status_code == 404 and bad.status_code == 422
    async with sessions() as session:
        links = list(await session.scalars(select(PushOrderLink)))
    assert [link.order_id for link in links] == [order.id]
    assert (
        await tg_client.post("/push/unsubscribe", json={"endpoint": sub["endpoint"]})
    ).status_code == 204
    async with sessions() as session:
        assert list(await session.scalars(select(PushSubscription))) == []


async def test_a_cart_preset_link_fills_a_new_cart_and_skips_unknown_items(
    client: httpx.AsyncClient, sessions: Sessions
) -> None:
    await make_shop(sessions)

    r = await client.get("/cart/preset?items=KET-chainik:2,NOPE:1&utm_medium=qr&utm_source=flyer")

    assert r.status_code == 303
    assert r.headers["location"].startswith("/cart?")
    assert "error=out_of_stock" in r.headers["location"]
    cart = await client.get("/cart")
    assert "Чайник стальной" in cart.text
    async with sessions() as session:
        visit = await session.scalar(select(Visit))
    assert visit is not None and visit.path == "/cart/preset" and visit.utm_source == "flyer"


async def test_push_opt_in_is_offered_on_the_order_confirmation_only(
    client: httpx.AsyncClient, sessions: Sessions
) -> None:
    from tests.integration.test_push import an_order

    order = await an_order(sessions)
    await make_shop(sessions)

    placed = await client.get(f"/order/{order.token}?placed=1")
    later = await client.get(f"/order/{order.token}")
    home = await client.get("/")

    assert "data-push-optin" in placed.text and f'data-order="{order.token}"' in placed.text
    assert "data-push-optin" not in later.text and "data-push-optin" not in home.text


async def test_canonical_is_the_page_itself_unless_the_address_names_a_language(
    client: httpx.AsyncClient, sessions: Sessions
) -> None:
    await make_shop(sessions)

    negotiated = await client.get("/p/chainik", headers={"Accept-Language": "ka"})
    pinned = await client.get("/c/kitchen-chainik?lang=en&sort=name")

    assert '<link rel="canonical" href="http://testserver/p/chainik">' in negotiated.text
    assert (
        '<link rel="canonical" href="http://testserver/c/kitchen-chainik?lang=en">' in pinned.text
    )


async def test_suggestions_as_you_type_are_links_to_products_and_categories(
    client: httpx.AsyncClient, sessions: Sessions
) -> None:
    await make_shop(sessions)

    ru = await client.get("/search/suggest?q=чай", headers={"HX-Request": "true"})
    en = await client.get("/search/suggest?q=stee&lang=en")
    short = await client.get("/search/suggest?q=ч")
    none = await client.get("/search/suggest?q=zzzzzz")

    assert ru.status_code == 200
    assert '<a href="/p/chainik">Чайник стальной</a>' in ru.text
    assert 'role="listbox"' in ru.text and "<html" not in ru.text
    assert '<a href="/p/chainik">Steel kettle</a>' in en.text
    assert short.text.strip() == "" and none.text.strip() == ""


async def test_the_search_box_is_wired_for_suggestions(
    client: httpx.AsyncClient, sessions: Sessions
) -> None:
    await make_shop(sessions)
    html = (await client.get("/")).text
    assert 'aria-controls="q-suggest"' in html and 'id="q-suggest"' in html
    assert "/search/suggest?q=" in (await client.get(pwa.url("app.js"))).text
