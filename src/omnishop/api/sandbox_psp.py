"""The sandbox PSP's own pages and endpoints (tokenisation, 3-D Secure challenge, bank app).

This stands in for a stranger's website: it talks only to ``payments.sandbox.psp`` (the PSP's
own database), never to omnishop's services. The pages work without JavaScript.
"""

from __future__ import annotations

import html
import json
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Form, Header, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from omnishop.kernel.errors import ValidationFailed
from omnishop.kernel.money import Money
from omnishop.payments.sandbox import psp
from omnishop.payments.sandbox.store import Charge, Token

router = APIRouter(prefix="/sandbox-psp", include_in_schema=False)
ChargeId = Annotated[str, Path(pattern=r"^ch_[0-9a-f]{24}$")]
MAX_BODY = 16 * 1024
M = TypeVar("M", bound=BaseModel)


class CardIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    number: str = Field(min_length=12, max_length=40)
    exp_month: int = Field(ge=1, le=12)
    exp_year: int = Field(ge=0, le=9999)
    cvc: str = Field(min_length=3, max_length=4)
    key: str | None = Field(default=None, max_length=200)
    # save: also keep the card as a reusable pm_... for the merchant's customer ``customer``.
    save: bool = False
    customer: str | None = Field(default=None, max_length=100)


class WalletIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    wallet: Literal["apple_pay", "google_pay"]
    card: str = Field(default=psp.SUCCESS, max_length=30)
    key: str | None = Field(default=None, max_length=200)


async def _body(request: Request) -> dict[str, Any]:
    """JSON or a plain HTML form, as a browser without JavaScript would post it."""
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise ValidationFailed("the request is too large", field="body")
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            data = json.loads(raw or b"{}")
        except ValueError:
            raise ValidationFailed("the body is not valid JSON", field="body") from None
        if not isinstance(data, dict):
            raise ValidationFailed("the body must be a JSON object", field="body")
        return data
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


def _parse(model: type[M], data: dict[str, Any]) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "body"
        # Never echo input back: it may be a card number.
        raise ValidationFailed(f"{field}: {first['msg']}", field=field) from None


def _key(authorization: str | None, body_key: str | None) -> str | None:
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    return body_key


def _token_json(token: Token) -> dict[str, Any]:
    card: dict[str, Any] = {"brand": token.brand, "last4": token.last4}
    if token.exp_month:
        card.update(exp_month=token.exp_month, exp_year=token.exp_year)
    out: dict[str, Any] = {"id": token.id, "object": "token", "type": token.kind, "card": card}
    if token.wallet:
        out["wallet"] = token.wallet
    return out


@router.post("/v1/tokens")
async def create_token(
    request: Request, authorization: Annotated[str | None, Header(max_length=300)] = None
) -> dict[str, Any]:
    """Card details in, a single-use ``tok_...`` out; the number is never stored. With
    ``save: true`` and ``customer``, also a reusable ``payment_method`` (``pm_...``) that
    charges only for that customer."""
    card = _parse(CardIn, await _body(request))
    psp.check_publishable_key(_key(authorization, card.key))
    if card.save and not card.customer:
        raise ValidationFailed("saving a card needs the customer", field="customer")
    token, method = await psp.tokenize_card(
        number=card.number,
        exp_month=card.exp_month,
        exp_year=card.exp_year,
        cvc=card.cvc,
        save_for=card.customer if card.save else None,
    )
    out = _token_json(token)
    if method is not None:
        out["payment_method"] = {
            "id": method.id,
            "object": "payment_method",
            "customer": method.customer,
            "card": out["card"],
        }
    return out


@router.post("/v1/wallet-tokens")
async def create_wallet_token(
    request: Request, authorization: Annotated[str | None, Header(max_length=300)] = None
) -> dict[str, Any]:
    """What the Apple Pay / Google Pay sheet hands back: a ``wtok_...``."""
    data = _parse(WalletIn, await _body(request))
    psp.check_publishable_key(_key(authorization, data.key))
    return _token_json(await psp.wallet_token(wallet=data.wallet, card=data.card))


def _amount(charge: Charge) -> str:
    return Money(charge.amount, charge.currency).format("en")


def _page(title: str, body: str) -> HTMLResponse:
    return HTMLResponse(
        f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)} · Sandbox PSP</title>
<style>body{{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem}}
button{{font:inherit;padding:.6rem 1.2rem;margin:.3rem .5rem .3rem 0;border-radius:.4rem;
border:2px solid #222;cursor:pointer}} .ok{{background:#1b7f3b;color:#fff}}
.no{{background:#fff;color:#8a1111;border-color:#8a1111}} code{{word-break:break-all}}
button:focus-visible{{outline:3px solid #0b5fff;outline-offset:2px}}</style></head>
<body><main><p>Sandbox payment provider: test page, no real money moves.</p>
<h1>{html.escape(title)}</h1>{body}</main></body></html>"""
    )


def _form(action: str, yes: tuple[str, str], no: tuple[str, str]) -> str:
    return (
        f'<form method="post" action="{html.escape(action)}">'
        f'<button class="ok" type="submit" name="outcome" value="{yes[0]}">{yes[1]}</button>'
        f'<button class="no" type="submit" name="outcome" value="{no[0]}">{no[1]}</button>'
        "</form>"
    )


def _finished(charge: Charge) -> Response:
    if charge.return_url:
        return RedirectResponse(charge.return_url, status_code=303)
    word = "approved" if charge.status == "authorized" else charge.status
    return _page("Payment " + word, "<p>You can close this page.</p>")


@router.get("/3ds/{charge_id}", response_class=HTMLResponse)
async def challenge_page(charge_id: ChargeId) -> Response:
    """The 3-D Secure challenge: Pass or Fail."""
    charge = await psp.get_charge(charge_id)
    if charge.status != "requires_action" or charge.method == "sbp":
        return _finished(charge)
    body = (
        f"<p>Confirm the payment of <strong>{html.escape(_amount(charge))}</strong> "
        f"with card ending {html.escape(charge.last4 or '')}.</p>"
        + _form(f"/sandbox-psp/3ds/{charge_id}", ("pass", "Pass"), ("fail", "Fail"))
    )
    return _page("3-D Secure check", body)


@router.post("/3ds/{charge_id}")
async def challenge_answer(
    charge_id: ChargeId, outcome: Annotated[Literal["pass", "fail"], Form()]
) -> Response:
    charge = await psp.complete_action(charge_id, passed=outcome == "pass")
    return _finished(charge)


@router.get("/sbp/{charge_id}", response_class=HTMLResponse)
async def bank_page(charge_id: ChargeId) -> Response:
    """The SBP bank app: the QR payload and Pay/Decline."""
    charge = await psp.get_charge(charge_id)
    if charge.status != "requires_action" or charge.method != "sbp":
        return _finished(charge)
    body = (
        f"<p>Pay <strong>{html.escape(_amount(charge))}</strong> by the Faster Payments "
        "System (SBP). Scan this QR payload in your bank app:</p>"
        f"<p><code>{html.escape(psp.qr_payload(charge))}</code></p>"
        + _form(f"/sandbox-psp/sbp/{charge_id}", ("pay", "Pay"), ("decline", "Decline"))
    )
    return _page("Pay with SBP", body)


@router.post("/sbp/{charge_id}")
async def bank_answer(
    charge_id: ChargeId, outcome: Annotated[Literal["pay", "decline"], Form()]
) -> Response:
    charge = await psp.complete_action(charge_id, passed=outcome == "pay")
    return _finished(charge)
