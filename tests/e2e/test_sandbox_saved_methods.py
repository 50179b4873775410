"""Saved payment methods at the sandbox PSP: ``save: true`` at tokenisation gives a reusable
``pm_...`` bound to our customer reference; it charges again and again, only for that
customer, and the card's 3-D Secure still applies."""

from __future__ import annotations

import httpx
import pytest

from omnishop.payments.sandbox import psp
from omnishop.payments.sandbox.settings import get_settings
from omnishop.payments.sandbox.store import Charge
from tests.payments_fixtures import CHALLENGE_CARD, psp_store

__all__ = ["psp_store"]
pytestmark = pytest.mark.usefixtures("psp_store")
KEY = {"Authorization": f"Bearer {get_settings().publishable_key}"}
ANNA, BORIS = "cus_0a1b2c3d4e5f", "cus_9f8e7d6c5b4a"


def card(number: str = "4242424242424242", **extra: object) -> dict[str, object]:
    return {"number": number, "exp_month": 12, "exp_year": 2040, "cvc": "123", **extra}


async def charge(key: str, token: str, customer: str | None) -> Charge:
    return await psp.authorize(
        idempotency_key=key,
        amount=1000,
        currency="RUB",
        method="card",
        token=token,
        return_url=None,
        description="test",
        customer=customer,
    )


async def saved(client: httpx.AsyncClient, number: str = "4242424242424242") -> str:
    response = await client.post(
        "/sandbox-psp/v1/tokens", json=card(number, save=True, customer=ANNA), headers=KEY
    )
    assert response.status_code == 200, response.text
    method = response.json()["payment_method"]
    assert method["customer"] == ANNA and method["card"]["last4"] == number[-4:]
    return str(method["id"])


async def test_a_saved_method_charges_again_and_again_for_its_customer_only(
    client: httpx.AsyncClient,
) -> None:
    pm = await saved(client)

    first = await charge("k1", pm, ANNA)
    second = await charge("k2", pm, ANNA)
    stranger = await charge("k3", pm, BORIS)
    guest = await charge("k4", pm, None)

    assert pm.startswith("pm_")
    assert (first.status, second.status) == ("authorized", "authorized")
    assert (second.brand, second.last4) == ("visa", "4242")
    assert stranger.status == guest.status == "failed"
    assert stranger.failure_code == "payment_method_unavailable"


async def test_a_plain_token_is_still_single_use(client: httpx.AsyncClient) -> None:
    token = (await client.post("/sandbox-psp/v1/tokens", json=card(), headers=KEY)).json()
    first = await charge("t1", token["id"], ANNA)
    again = await charge("t2", token["id"], ANNA)

    assert "payment_method" not in token
    assert first.status == "authorized" and again.failure_code == "token_already_used"


async def test_a_saved_card_may_still_ask_for_3_d_secure_each_time(
    client: httpx.AsyncClient,
) -> None:
    pm = await saved(client, CHALLENGE_CARD)
    first = await charge("c1", pm, ANNA)
    passed = await psp.complete_action(first.id, passed=True)
    second = await charge("c2", pm, ANNA)

    assert first.status == "requires_action" and passed.status == "authorized"
    assert second.status == "requires_action"


async def test_a_detached_method_no_longer_charges(client: httpx.AsyncClient) -> None:
    pm = await saved(client)
    await psp.detach(payment_method=pm, customer=BORIS)  # not his: ignored
    kept = await charge("d1", pm, ANNA)
    await psp.detach(payment_method=pm, customer=ANNA)
    gone = await charge("d2", pm, ANNA)

    assert kept.status == "authorized"
    assert gone.failure_code == "payment_method_unavailable"


@pytest.mark.parametrize(
    "body",
    [card(save=True), card(save=True, customer="anna"), card(save=True, customer="cus_1")],
)
async def test_saving_needs_a_well_formed_customer_reference(
    client: httpx.AsyncClient, body: dict[str, object]
) -> None:
    response = await client.post("/sandbox-psp/v1/tokens", json=body, headers=KEY)

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "customer"
    assert "4242424242424242" not in response.text
