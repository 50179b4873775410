"""The sandbox PSP over HTTP: tokenisation, wallet tokens, the 3-D Secure and SBP pages."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.payments import jobs, service
from omnishop.payments.sandbox.settings import get_settings
from tests.payments_fixtures import CHALLENGE_CARD, current, new_payment, psp_store

__all__ = ["psp_store"]
pytestmark = pytest.mark.usefixtures("psp_store")
Sessions = async_sessionmaker[AsyncSession]
KEY = {"Authorization": f"Bearer {get_settings().publishable_key}"}


def card(number: str = "4242 4242 4242 4242") -> dict[str, object]:
    return {"number": number, "exp_month": 12, "exp_year": 2040, "cvc": "123"}


async def test_tokenise_a_card_by_json_and_never_echo_the_number(client: httpx.AsyncClient) -> None:
    response = await client.post("/sandbox-psp/v1/tokens", json=card(), headers=KEY)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"].startswith("tok_")
    assert body["card"] == {"brand": "visa", "last4": "4242", "exp_month": 12, "exp_year": 2040}
    assert "4242424242424242" not in response.text


async def test_tokenise_a_card_from_a_plain_form(client: httpx.AsyncClient) -> None:
    form = {**{k: str(v) for k, v in card("5555555555554444").items()}}
    form["key"] = get_settings().publishable_key
    response = await client.post("/sandbox-psp/v1/tokens", data=form)
    assert response.status_code == 200, response.text
    assert response.json()["card"]["brand"] == "mastercard"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (card("4242424242424241"), "number"),
        ({**card(), "exp_month": 13}, "exp_month"),
        ({**card(), "exp_year": 2001}, "exp_year"),
        ({**card(), "cvc": "12a"}, "cvc"),
        ({**card(), "pin": "0000"}, "pin"),
    ],
)
async def test_bad_card_details_are_a_422_without_the_number(
    client: httpx.AsyncClient, data: dict[str, object], field: str
) -> None:
    response = await client.post("/sandbox-psp/v1/tokens", json=data, headers=KEY)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field
    assert "424242424242" not in response.text


async def test_tokenisation_needs_the_publishable_key(client: httpx.AsyncClient) -> None:
    response = await client.post("/sandbox-psp/v1/tokens", json=card())
    assert response.status_code == 401
    bad = await client.post(
        "/sandbox-psp/v1/tokens", json=card(), headers={"Authorization": "Bearer pk_wrong"}
    )
    assert bad.status_code == 401


async def test_wallet_token_pays(client: httpx.AsyncClient, sessions: Sessions) -> None:
    response = await client.post(
        "/sandbox-psp/v1/wallet-tokens", json={"wallet": "apple_pay"}, headers=KEY
    )
    assert response.status_code == 200, response.text
    token = response.json()["id"]
    assert token.startswith("wtok_")
    created = await new_payment(sessions, method="wallet", token=token)
    assert (await service.authorize(sessions, payment_id=created.id)).status == "authorized"
    bad = await client.post(
        "/sandbox-psp/v1/wallet-tokens", json={"wallet": "samsung_pay"}, headers=KEY
    )
    assert bad.status_code == 422


async def _challenge(client: httpx.AsyncClient, sessions: Sessions) -> tuple[str, str]:
    response = await client.post("/sandbox-psp/v1/tokens", json=card(CHALLENGE_CARD), headers=KEY)
    created = await new_payment(sessions, token=response.json()["id"], return_url="/done?x=1")
    info = await service.authorize(sessions, payment_id=created.id)
    assert info.next_action is not None
    return str(created.id), info.next_action["url"]


@pytest.mark.parametrize(("outcome", "status"), [("pass", "authorized"), ("fail", "failed")])
async def test_3ds_page_pass_or_fail_then_back_to_the_shop(
    client: httpx.AsyncClient, sessions: Sessions, outcome: str, status: str
) -> None:
    payment_id, url = await _challenge(client, sessions)
    page = await client.get(url)
    assert page.status_code == 200
    assert '<html lang="en">' in page.text and "<h1>" in page.text
    assert re.search(r'<form method="post" action="[^"]+">', page.text)
    assert 'value="pass">Pass</button>' in page.text and 'value="fail">Fail</button>' in page.text

    answer = await client.post(url, data={"outcome": outcome})
    assert answer.status_code == 303
    assert answer.headers["location"] == "/done?x=1"
    await jobs.deliver_sandbox_notifications(sessions)
    assert (await current(sessions, uuid.UUID(payment_id))).status == status
    # The page is done: it sends the buyer back instead of asking again.
    assert (await client.get(url)).status_code == 303


async def test_sbp_bank_page(client: httpx.AsyncClient, sessions: Sessions) -> None:
    created = await new_payment(sessions, method="sbp", return_url="https://shop.example/r")
    info = await service.authorize(sessions, payment_id=created.id)
    assert info.next_action is not None
    page = await client.get(info.next_action["url"])
    assert page.status_code == 200
    assert "https://qr.nspk.ru/" in page.text and "150.00" in page.text
    answer = await client.post(info.next_action["url"], data={"outcome": "pay"})
    assert (answer.status_code, answer.headers["location"]) == (303, "https://shop.example/r")
    await jobs.deliver_sandbox_notifications(sessions)
    assert (await current(sessions, created.id)).status == "authorized"


async def test_unknown_charges_and_bad_answers(client: httpx.AsyncClient) -> None:
    assert (await client.get("/sandbox-psp/3ds/ch_" + "0" * 24)).status_code == 404
    assert (await client.get("/sandbox-psp/3ds/nope")).status_code == 422
    bad = await client.post("/sandbox-psp/3ds/ch_" + "0" * 24, data={"outcome": "maybe"})
    assert bad.status_code == 422
