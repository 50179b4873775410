"""A return inside the chat, through the returns service the API uses: the customer's own
returnable orders -> the order's lines (one unit per tap, or all) -> a reason from the
service's list -> confirm -> ``orders.returns.request`` opens it; the reply gives the return
number, how the units come back and the refund the service computed. A refusal (not
delivered, too late, nothing left) is the service's reason in the customer's language.

The flow is ``return`` in the dialogue state, steps ``number`` -> ``lines`` -> ``reason`` ->
``confirm``; its slots are plain JSON so a topic switch can pause it and resume it later."""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from omnishop.conversations.bot import return_answers as answers
from omnishop.conversations.bot import rules
from omnishop.conversations.bot.shop import Turn, menu
from omnishop.conversations.bot.texts import t
from omnishop.conversations.wire import Button
from omnishop.kernel.errors import DomainError
from omnishop.orders import returns as order_returns
from omnishop.orders.return_rules import ReasonCode, TooManyUnits
from omnishop.orders.returns_offer import ReturnOffer
from omnishop.orders.returns_schemas import ReturnCreate, ReturnLineIn

FLOW = "return"
# Button actions of this flow (``bot:<action>[:<arg>]``; Telegram allows 64 bytes).
ACTIONS = frozenset({"rline", "rall", "rnext", "rreason", "rconfirm", "rcancel"})
LINES_SHOWN = 8
# Set when a return is opened, kept across flows: a second tap on the same confirm button
# answers with that return instead of opening another.
DONE = "_return_done"


async def start(turn: Turn, number: str | None) -> None:
    """The "return" intent or button: the order named (only if it is theirs), else a choice
    of their orders that have something left to return."""
    if number:
        await _open(turn, number)
        return
    offers = await answers.returnable_orders(turn)
    if not offers:
        turn.go(None)
        turn.say(t("return.no_orders", turn.language), buttons=menu(turn))
        return
    turn.go(FLOW, "number")
    turn.say(
        t("return.pick_order", turn.language),
        buttons=tuple(
            Button(o.order_number, payload=rules.payload("return", o.order_number)) for o in offers
        ),
    )


async def press(turn: Turn, action: str, arg: str | None) -> None:
    """A tap on one of this flow's buttons. A button of an earlier step moves the flow back
    there; one from a finished or abandoned return is answered as out of date."""
    if action == "rconfirm" and not turn.session.is_modified(turn.state):
        # The same tap answered by two workers at once: the second waits here for the first
        # to commit (a row lock on PostgreSQL; SQLite runs one writer at a time) and reads the
        # state it left, with the return already opened. Before anything changes the state.
        await turn.session.refresh(turn.state, with_for_update=True)
    _take_up_paused(turn)
    if action == "rcancel":
        turn.go(None)
        turn.say(t("return.canceled", turn.language), buttons=menu(turn))
        return
    if action == "rconfirm":
        await _confirm(turn, arg)
        return
    state = turn.state
    if state.flow != FLOW or state.step not in ("lines", "reason", "confirm"):
        await _stale(turn)
        return
    if action in ("rline", "rall"):
        _pick(turn, arg, everything=action == "rall")
    elif action == "rnext" and turn.slots.get("picked"):
        turn.go(FLOW, "reason", **_flow_slots(turn))
        _show_reasons(turn)
    elif action == "rnext":
        turn.say(t("return.pick_line", turn.language))
        _show_lines(turn)
    elif action == "rreason" and arg in set(ReasonCode) and turn.slots.get("picked"):
        turn.go(FLOW, "confirm", **{**_flow_slots(turn), "reason": arg, "nonce": _nonce()})
        _show_confirm(turn)
    else:
        await _stale(turn)


def _take_up_paused(turn: Turn) -> None:
    """A tap on a return put aside by a topic switch takes it up again; the flow the customer
    was in is put aside in its place."""
    state = turn.state
    paused = list(state.paused or [])
    entry = next((p for p in reversed(paused) if p.get("flow") == FLOW), None)
    if state.flow == FLOW or entry is None:
        return
    rest = [p for p in paused if p is not entry]
    state.paused = rules.pause(rest, state.flow, state.step, state.slots)
    turn.go(FLOW, entry["step"], **dict(entry.get("slots") or {}))


async def _stale(turn: Turn) -> None:
    """A button of a finished, abandoned or other step: say so, show where things stand."""
    turn.say(t("return.stale", turn.language))
    if turn.state.flow == FLOW:
        await resume(turn)
    else:
        await start(turn, None)


async def resume(turn: Turn) -> None:
    """Show again the step the flow is at (after a topic switch, or a stale button)."""
    step = turn.state.step
    if step == "lines" or (step in ("reason", "confirm") and not turn.slots.get("picked")):
        turn.go(FLOW, "lines", **_flow_slots(turn))
        _show_lines(turn)
    elif step == "reason":
        _show_reasons(turn)
    elif step == "confirm":
        _show_confirm(turn)
    else:
        await start(turn, None)


# --- steps -------------------------------------------------------------------------------------


async def _open(turn: Turn, number: str) -> None:
    offer = await answers.offer_for(turn, number)
    if offer is None:
        turn.go(None)
        return
    turn.go(
        FLOW,
        "lines",
        order_number=offer.order_number,
        order_token=offer.order_token,
        lines=[
            {"id": ln.order_line_id.hex, "name": ln.name, "left": ln.left} for ln in offer.lines
        ],
        picked={},
    )
    _show_lines(turn)


def _pick(turn: Turn, line: str | None, *, everything: bool) -> None:
    lines = {ln["id"]: ln for ln in turn.slots.get("lines") or []}
    picked = dict(turn.slots.get("picked") or {})
    if line not in lines:
        turn.say(t("return.stale", turn.language))
    else:
        left = int(lines[line]["left"])
        picked[line] = left if everything else min(picked.get(line, 0) + 1, left)
    # Back to choosing lines, whatever step the tap came from.
    turn.go(FLOW, "lines", **{**_flow_slots(turn), "picked": picked})
    _show_lines(turn)


def _show_lines(turn: Turn) -> None:
    lang = turn.language
    picked: dict[str, int] = turn.slots.get("picked") or {}
    text = t("return.lines", lang, number=turn.slots.get("order_number", ""))
    if picked:
        text += "\n" + t("return.picked", lang, items=_items(turn))
    buttons = []
    for ln in (turn.slots.get("lines") or [])[:LINES_SHOWN]:
        left = int(ln["left"]) - picked.get(ln["id"], 0)
        if left <= 0:
            continue
        name = str(ln["name"])
        one = f"{name[:34]} +1" if left > 1 else name[:40]
        buttons.append(Button(one, payload=rules.payload("rline", ln["id"])))
        if left > 1:
            label = t("return.all", lang, name=name[:24], count=left)
            buttons.append(Button(label, payload=rules.payload("rall", ln["id"])))
    if picked:
        buttons.append(Button(t("return.next", lang), payload=rules.payload("rnext")))
    turn.say(text, buttons=(*buttons, *_exits(turn)))


def _show_reasons(turn: Turn) -> None:
    lang = turn.language
    turn.say(
        t("return.reason", lang),
        buttons=(
            *(
                Button(
                    t(f"return.reason.{code.value}", lang), payload=rules.payload("rreason", code)
                )
                for code in ReasonCode
            ),
            *_exits(turn),
        ),
    )


def _show_confirm(turn: Turn) -> None:
    lang = turn.language
    reason = str(turn.slots.get("reason") or ReasonCode.OTHER.value)
    turn.say(
        t(
            "return.confirm",
            lang,
            number=turn.slots.get("order_number", ""),
            items=_items(turn),
            reason=t(f"return.reason.{reason}", lang),
        ),
        buttons=(
            Button(
                t("return.confirm.button", lang),
                payload=rules.payload("rconfirm", str(turn.slots.get("nonce") or "")),
            ),
            *_exits(turn),
        ),
    )


async def _confirm(turn: Turn, nonce: str | None) -> None:
    lang = turn.language
    done = turn.slots.get(DONE) or {}
    if nonce and done.get("nonce") == nonce:
        turn.say(t("return.already", lang, number=done.get("number", "")))
        return
    state = turn.state
    if state.flow != FLOW or state.step != "confirm" or turn.slots.get("nonce") != nonce:
        await _stale(turn)
        return
    number = str(turn.slots.get("order_number") or "")
    offer = await answers.offer_for(turn, number)
    if offer is None:
        turn.go(None)
        return
    try:
        async with turn.session.begin_nested():
            opened = await order_returns.request(
                session=turn.session,
                order_id=offer.order_id,
                data=_request(turn, offer),
                created_by=f"customer:{turn.conversation.customer_id}",
                customer_id=turn.conversation.customer_id,
            )
    except TooManyUnits:
        # Returned elsewhere meanwhile: choose again from what is left now.
        turn.say(t("return.too_many", lang))
        await _open(turn, number)
        return
    except DomainError as exc:
        turn.go(None)
        turn.say(
            answers.refusal(exc, number, lang), buttons=answers.browser(turn, offer.order_token)
        )
        return
    turn.go(None)
    turn.set(**{DONE: {"nonce": nonce, "number": opened.number}})
    turn.say(answers.created(opened, offer, lang), buttons=answers.browser(turn, offer.order_token))


def _request(turn: Turn, offer: ReturnOffer) -> ReturnCreate:
    reason = ReasonCode(str(turn.slots.get("reason") or ReasonCode.OTHER.value))
    picked: dict[str, int] = turn.slots.get("picked") or {}
    return ReturnCreate(
        channel=turn.channel.code,
        method=offer.method,
        location_id=offer.location_id,
        lines=[
            ReturnLineIn(order_line_id=uuid.UUID(line), quantity=quantity, reason=reason)
            for line, quantity in picked.items()
            if quantity > 0
        ],
    )


# --- small parts -------------------------------------------------------------------------------


def _flow_slots(turn: Turn) -> dict[str, Any]:
    _, own = rules.split_slots(turn.slots)
    return own


def _items(turn: Turn) -> str:
    picked: dict[str, int] = turn.slots.get("picked") or {}
    names = {ln["id"]: str(ln["name"]) for ln in turn.slots.get("lines") or []}
    return ", ".join(f"{names.get(k, '?')} × {n}" for k, n in picked.items() if n > 0)


def _exits(turn: Turn) -> tuple[Button, ...]:
    cancel = Button(t("return.cancel", turn.language), payload=rules.payload("rcancel"))
    return (cancel, *answers.browser(turn, turn.slots.get("order_token")))


def _nonce() -> str:
    return secrets.token_hex(4)
