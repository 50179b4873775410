"""Taxes and duties over HTTP: staff rate tables, the cart's tax lines, DDP/DAP duties and the
order's receipt."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.checkout import shipping
from omnishop.checkout.schemas import MethodCreate, Tier, ZoneCreate
from omnishop.kernel.db import unit_of_work
from omnishop.pricing import service as pricing
from omnishop.pricing.schemas import FxRateSet
from tests.e2e.conftest import MakeKey
from tests.e2e.test_cart_api import CARTS, new_cart, shop
from tests.e2e.test_checkout_complete import pay, ready_cart
from tests.payments_fixtures import card_token, psp_store

__all__ = ["psp_store"]

TBILISI = {"country": "GE", "region": "Tbilisi", "city": "Tbilisi", "line1": "Rustaveli 1"}


async def russian_vat(client: httpx.AsyncClient, headers: dict[str, str]) -> None:
    for body in (
        {"country": "RU", "rate_percent": "20", "name": "НДС 20%"},
        {"country": "RU", "tax_class": "reduced", "rate_percent": "10", "name": "НДС 10%"},
    ):
        created = await client.post("/api/v1/tax-rates", json=body, headers=headers)
        assert created.status_code == 201, created.text


async def test_staff_keep_tax_and_duty_rates_and_bad_input_changes_nothing(
    client: httpx.AsyncClient, api_key: MakeKey
) -> None:
    writer = await api_key("pricing:write", "catalog:read")
    reader = await api_key("catalog:read")
    await russian_vat(client, writer)

    duplicate = await client.post(
        "/api/v1/tax-rates",
        json={"country": "RU", "rate_percent": "18", "name": "НДС 18%"},
        headers=writer,
    )
    bad = [
        await client.post("/api/v1/tax-rates", json=body, headers=writer)
        for body in (
            {"country": "RUS", "rate_percent": "20", "name": "x"},
            {"country": "RU", "rate_percent": "120", "name": "x"},
            {"country": "RU", "rate_percent": "20", "name": "x", "tax_class": "Bad Class"},
            {"country": "RU", "rate_percent": "20", "name": "x", "extra": 1},
        )
    ]
    forbidden = await client.post(
        "/api/v1/tax-rates",
        json={"country": "DE", "rate_percent": "19", "name": "MwSt"},
        headers=reader,
    )
    anonymous = await client.get("/api/v1/tax-rates")
    duty = await client.post(
        "/api/v1/duty-rates",
        json={
            "country": "GE", "hs_prefix": "95", "duty_percent": "12", "import_vat_percent": "18",
            "de_minimis_amount": 30000, "de_minimis_currency": "GEL", "name": "Games",
        },
        headers=writer,
    )  # fmt: skip
    bad_prefix = await client.post(
        "/api/v1/duty-rates",
        json={"country": "GE", "hs_prefix": "95ab", "duty_percent": "1",
              "import_vat_percent": "1", "de_minimis_currency": "GEL"},
        headers=writer,
    )  # fmt: skip
    patched = await client.patch(
        f"/api/v1/duty-rates/{duty.json()['id']}", json={"duty_percent": "5"}, headers=writer
    )
    listed = await client.get("/api/v1/tax-rates?country=RU", headers=reader)
    country = await client.put(
        "/api/v1/tax-countries/US",
        json={"prices_include_tax": False, "rounding_level": "total"},
        headers=writer,
    )
    deleted = await client.delete(f"/api/v1/duty-rates/{duty.json()['id']}", headers=writer)
    gone = await client.get(f"/api/v1/duty-rates/{duty.json()['id']}", headers=reader)

    assert (duplicate.status_code, duplicate.json()["errors"][0]["field"]) == (409, "tax_class")
    assert [r.status_code for r in bad] == [422, 422, 422, 422]
    assert forbidden.status_code == 403
    assert anonymous.status_code == 401
    assert duty.status_code == 201 and duty.json()["duty_percent"] == "12"
    assert bad_prefix.status_code == 422
    assert patched.json()["duty_percent"] == "5"
    assert [(r["tax_class"], r["rate_percent"], r["name"]) for r in listed.json()["data"]] == [
        ("reduced", "10", "НДС 10%"),
        ("standard", "20", "НДС 20%"),
    ]
    assert country.json()["prices_include_tax"] is False
    assert deleted.status_code == 204 and gone.status_code == 404


async def test_the_cart_shows_the_vat_included_in_its_prices_and_the_order_keeps_it(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    api_key: MakeKey,
    psp_store: str,
) -> None:
    s = await shop(sessions)
    await russian_vat(client, await api_key("pricing:write"))
    token = await ready_cart(client, s)

    cart = (await client.get(f"{CARTS}/{token}")).json()
    placed = await pay(client, token, {"method": "card", "token": await card_token()})
    order = (await client.get(f"/api/v1/orders/{placed.json()['order']['token']}")).json()

    # 2 500 ₽ + 390 ₽ courier, 20 % inside: 416,67 ₽ + 65,00 ₽.
    assert cart["tax_included"] is True
    assert cart["tax"]["amount"] == 41667 + 6500
    assert [(t["name"], t["rate_percent"], t["amount"]["amount"]) for t in cart["tax_lines"]] == [
        ("НДС 20%", "20", 48167)
    ]
    assert cart["lines"][0]["tax"]["amount"] == 41667
    assert cart["total"]["amount"] == 289000  # included tax adds nothing
    assert cart["duties_mode"] is None and cart["landed_total"]["amount"] == 289000
    assert placed.status_code == 200, placed.text
    assert (order["tax_amount"], order["tax_included"], order["total"]) == (48167, True, 289000)
    assert order["lines"][0]["tax_amount"] == 41667
    assert [a for a in order["adjustments"] if a["kind"] == "tax"] == [
        {"kind": "tax", "name": "НДС 20%", "rate_percent": "20", "amount": 48167,
         "included": True}
    ]  # fmt: skip


async def test_a_cart_to_georgia_pays_duties_under_ddp_and_shows_them_under_dap(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    api_key: MakeKey,
    psp_store: str,
) -> None:
    s = await shop(sessions)
    writer = await api_key("pricing:write")
    await russian_vat(client, writer)
    created = await client.post(
        "/api/v1/duty-rates",
        json={"country": "GE", "duty_percent": "12", "import_vat_percent": "18",
              "de_minimis_amount": 30000, "de_minimis_currency": "GEL"},
        headers=writer,
    )  # fmt: skip
    assert created.status_code == 201, created.text
    async with unit_of_work(sessions) as session:
        await pricing.set_fx_rate(
            session=session, data=FxRateSet(base="RUB", quote="GEL", rate="0.0357")
        )
        zone = await shipping.create_zone(
            session=session, data=ZoneCreate(name="Georgia", countries=["GE"])
        )
        await shipping.create_method(
            session=session,
            data=MethodCreate(zone_id=zone.id, code="ge-post", names={"en": "Post"},
                              currency="RUB", tiers=[Tier(amount=100000)]),
        )  # fmt: skip
    token = await new_cart(client)
    one = await client.post(f"{CARTS}/{token}/lines", json={"variant_id": str(s.kettle)})
    assert one.status_code == 201, one.text
    shipped = await client.patch(
        f"{CARTS}/{token}",
        json={"email": "nino@example.ge", "shipping_address": TBILISI,
              "delivery": {"kind": "shipping", "method": "ge-post"}},
    )  # fmt: skip
    small = shipped.json()
    line_id = small["lines"][0]["id"]
    await client.patch(f"{CARTS}/{token}/lines/{line_id}", json={"quantity": 4})
    ddp = (await client.get(f"{CARTS}/{token}")).json()
    dap = (await client.patch(f"{CARTS}/{token}", json={"duties": "dap"})).json()
    bad = await client.patch(f"{CARTS}/{token}", json={"duties": "exw"})
    back = (await client.patch(f"{CARTS}/{token}", json={"duties": "ddp"})).json()
    placed = await pay(client, token, {"method": "card", "token": await card_token()})
    order = (await client.get(f"/api/v1/orders/{placed.json()['order']['token']}")).json()

    # 2 500 ₽ + 1 000 ₽ = 3 500 ₽ = 124,95 GEL ≤ 300 GEL: no duties; an export: no Russian VAT.
    assert shipped.status_code == 200, shipped.text
    assert small["duties_mode"] == "ddp" and small["duties_estimate"]["amount"] == 0
    assert small["tax"]["amount"] == 0 and small["total"]["amount"] == 350000
    # 10 000 ₽ + 1 000 ₽ = 392,70 GEL > 300 GEL: 12 % duty 1 320 ₽, 18 % import VAT on
    # 12 320 ₽ = 2 217,60 ₽.
    assert ddp["duties"]["amount"] == ddp["duties_estimate"]["amount"] == 132000 + 221760
    assert ddp["total"]["amount"] == ddp["landed_total"]["amount"] == 1100000 + 353760
    assert dap["duties_mode"] == "dap" and dap["duties"]["amount"] == 0
    assert dap["duties_estimate"]["amount"] == 353760
    assert dap["total"]["amount"] == 1100000
    assert dap["landed_total"]["amount"] == 1100000 + 353760
    assert bad.status_code == 422
    assert back["total"]["amount"] == 1453760
    assert placed.status_code == 200, placed.text
    assert (order["duty_amount"], order["tax_amount"], order["total"]) == (353760, 0, 1453760)
    assert {"kind": "duties", "mode": "ddp", "amount": 353760} in order["adjustments"]


async def test_products_carry_a_validated_tax_class_and_hs_code(
    client: httpx.AsyncClient, api_key: MakeKey
) -> None:
    headers = await api_key("catalog:write", "catalog:read")
    body = {
        "slug": "ps4-console",
        "tax_class": "standard",
        "hs_code": "9504500000",
        "translations": {"en": {"name": "PS4"}},
        "variants": [{"sku": "ps4-1"}],
    }
    created = await client.post("/api/v1/products", json=body, headers=headers)
    bad = [
        await client.post(
            "/api/v1/products", json={**body, "slug": "x", **change}, headers=headers
        )
        for change in ({"hs_code": "9504"}, {"hs_code": "95045000001"}, {"hs_code": "9504ab"},
                       {"tax_class": "Reduced Rate"})
    ]  # fmt: skip
    url = f"/api/v1/products/{created.json()['id']}"
    patched = await client.patch(
        url, json={"tax_class": "reduced", "hs_code": "490199"}, headers=headers
    )

    assert created.status_code == 201, created.text
    assert (created.json()["tax_class"], created.json()["hs_code"]) == ("standard", "9504500000")
    assert [(r.status_code, r.json()["errors"][0]["field"]) for r in bad] == [
        (422, "hs_code"), (422, "hs_code"), (422, "hs_code"), (422, "tax_class"),
    ]  # fmt: skip
    assert (patched.json()["tax_class"], patched.json()["hs_code"]) == ("reduced", "490199")


async def test_a_channel_may_price_without_tax_unlike_its_country(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession], api_key: MakeKey
) -> None:
    s = await shop(sessions)
    writer = await api_key("pricing:write", "catalog:read")
    await russian_vat(client, writer)
    token = await new_cart(client)
    await client.post(f"{CARTS}/{token}/lines", json={"variant_id": str(s.kettle)})

    before = await client.get("/api/v1/tax-channels/web", headers=writer)
    excluded = await client.put(
        "/api/v1/tax-channels/web", json={"prices_include_tax": False}, headers=writer
    )
    cart = (await client.get(f"{CARTS}/{token}")).json()
    followed = await client.put(
        "/api/v1/tax-channels/web", json={"prices_include_tax": None}, headers=writer
    )
    unknown = await client.put(
        "/api/v1/tax-channels/nope", json={"prices_include_tax": False}, headers=writer
    )

    assert before.json() == {"channel": "web", "prices_include_tax": True, "overridden": False}
    assert excluded.json() == {"channel": "web", "prices_include_tax": False, "overridden": True}
    # 2 500 ₽ + 20 % added on top.
    assert (cart["tax_included"], cart["tax"]["amount"], cart["total"]["amount"]) == (
        False, 50000, 300000,
    )  # fmt: skip
    assert followed.json()["overridden"] is False
    assert unknown.status_code == 404
