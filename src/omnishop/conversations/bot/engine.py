"""The bot's turn: load the dialogue state, understand the message (rules, then the intent
model), fill the step a flow waits on or switch topic (pausing the half-done flow), hand off
to a person when asked, angry, sent a photo or not understood twice, and reply through
``conversations.service.send``. Run by the MessageReceived handler (bot/jobs.py)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.channels import service as channels
from omnishop.conversations import csat, handoff, service
from omnishop.conversations import rules as conversation_rules
from omnishop.conversations.bot import account, care, intents, rules, shop
from omnishop.conversations.bot import returns as bot_returns
from omnishop.conversations.bot.shop import Turn
from omnishop.conversations.bot.texts import t
from omnishop.conversations.models import BOT, Conversation, DialogueState, Message
from omnishop.conversations.schemas import MessageInfo
from omnishop.conversations.wire import Button, Location, OutboundContent
from omnishop.kernel import clock
from omnishop.kernel.errors import DomainError
from omnishop.kernel.logging import get_logger
from omnishop.kernel.settings import get_settings

log = get_logger(__name__)
# A flow left alone this long starts afresh (the cart stays).
TIMEOUT = timedelta(minutes=30)

_model: intents.IntentModel | None = None


async def model() -> intents.IntentModel:
    """The intent model, loaded (or trained) once per process, off the event loop."""
    global _model
    if _model is None:
        _model = await asyncio.to_thread(intents.default_model)
    return _model


async def _state(session: AsyncSession, conversation_id: uuid.UUID) -> DialogueState:
    state = await session.get(DialogueState, conversation_id)
    if state is not None:
        return state
    state = DialogueState(conversation_id=conversation_id, slots={}, paused=[])
    try:
        async with session.begin_nested():
            session.add(state)
            await session.flush()
    except IntegrityError:  # another worker made it first
        found = await session.get(DialogueState, conversation_id)
        assert found is not None
        return found
    return state


async def answer(
    *, session: AsyncSession, conversation_id: uuid.UUID, message_id: uuid.UUID
) -> list[MessageInfo]:
    """Answer one stored inbound message, once (a redelivered event changes nothing), and only
    while the bot holds the conversation. Returns the replies queued."""
    conversation = await session.get(Conversation, conversation_id)
    message = await session.get(Message, message_id)
    if conversation is None or message is None or conversation.status != BOT:
        return []
    state = await _state(session, conversation_id)
    if state.slots.get("_last") == str(message_id):
        return []
    now = clock.now()
    if state.expires_at is not None and state.expires_at <= now:
        kept, _ = rules.split_slots(state.slots)
        state.flow, state.step, state.slots, state.paused = None, None, kept, []
    body = message.body or {}
    text = str(body.get("text") or "").strip()
    language = (
        rules.language_of(text)
        if sum(c.isalpha() for c in text) >= 2
        else str(state.slots.get("_lang") or conversation.language)
    )
    settings = get_settings()
    turn = Turn(
        session=session,
        conversation=conversation,
        channel=await channels.get(session=session, channel_id=conversation.channel_id),
        state=state,
        language=language,
        base_url=settings.base_url,
    )
    try:
        async with session.begin_nested():
            reason = await _dispatch(turn, message.kind, text, body)
    except DomainError as exc:
        # A refusal nobody foresaw: undo the turn's writes, keep the state, say so — an
        # exception here would retry the event and leave the customer without an answer.
        log.warning("bot turn refused", conversation_id=str(conversation_id), error=repr(exc))
        await session.refresh(state)
        await session.refresh(conversation)
        turn.replies.clear()
        turn.paused_now = turn.resolved = False
        turn.say(t("error", language), buttons=shop.menu(turn))
        reason = None
    turn.set(_last=str(message_id), _lang=language)
    state.expires_at = now + TIMEOUT
    if reason is None and turn.paused_now and not rules.waiting(state.flow, state.step):
        turn.say(
            t("resume", language),
            buttons=(Button(t("resume.button", language), payload=rules.payload("resume")),),
        )
    sent = [
        await service.send(
            session=session, conversation_id=conversation_id, content=c, author="bot"
        )
        for c in turn.replies
    ]
    if reason is None and turn.resolved:
        await handoff.resolve(session=session, conversation_id=conversation_id, by_bot=True)
    if reason is not None:
        sent.append(
            await service.send(
                session=session,
                conversation_id=conversation_id,
                content=OutboundContent(text=t("handoff", language)),
                author="bot",
            )
        )
        await handoff.handoff(
            session=session,
            conversation_id=conversation_id,
            reason=reason,
            summary=await _summary(turn, reason),
        )
    await session.flush()
    return sent


async def _summary(turn: Turn, reason: str) -> str:
    thread = await service.history(
        session=turn.session, conversation_id=turn.conversation.id, limit=20
    )
    said = [
        str(m.body.get("text") or m.body.get("media", {}).get("url") or m.kind)
        for m in thread
        if m.direction == "in"
    ]
    return rules.handoff_summary(
        reason=reason,
        intent=turn.slots.get("_intent"),
        language=turn.language,
        slots=turn.slots,
        recent=said,
    )


async def _dispatch(turn: Turn, kind: str, text: str, body: dict[str, Any]) -> str | None:
    """Do what the message asks; the handoff reason when a person must take over."""
    if kind == "image":
        return "photo"
    if kind == "location" and isinstance(body.get("location"), dict):
        loc = body["location"]
        await care.stores(turn, Location(float(loc["latitude"]), float(loc["longitude"])))
        return None
    if kind == "order" and isinstance(body.get("order_items"), list):
        await shop.whatsapp_order(turn, list(body["order_items"]))
        return None
    if kind == "button" and csat.parse(str(body.get("payload") or "")) is not None:
        turn.say(t("csat.thanks", turn.language))  # conversations.jobs records the score
        return None
    if kind == "button":
        parsed = rules.parse_payload(str(body.get("payload") or ""))
        if parsed is not None:
            await handoff.note_confidence(
                session=turn.session, conversation_id=turn.conversation.id, confident=True
            )
            return await _button(turn, *parsed)
    if kind in ("text", "button") and text:
        return await _text(turn, text)
    return None


async def _button(turn: Turn, action: str, arg: str | None) -> str | None:
    if action in ("menu", "start"):
        turn.go(None)
        turn.say(t("greeting", turn.language), buttons=shop.menu(turn))
    elif action == "search":
        turn.go("search", "ask")
        turn.say(t("ask.product", turn.language))
    elif action == "more":
        await shop.more(turn)
    elif action == "pick" and arg:
        await shop.pick(turn, arg)
    elif action == "add" and arg:
        await shop.add(turn, uuid.UUID(arg))
    elif action == "cart":
        await shop.show_cart(turn)
    elif action == "dec" and arg:
        await shop.change_line(turn, arg, -1)
    elif action == "checkout":
        await shop.pay(turn, ship=arg == "delivery")
    elif action == "orders":
        await care.list_orders(turn, then="order")
    elif action == "order":
        await care.order_status(turn, arg)
    elif action == "return":
        await care.start_return(turn, arg)
    elif action in bot_returns.ACTIONS:
        await bot_returns.press(turn, action, arg)
    elif action == "human":
        return "requested"
    elif action == "resume":
        await _resume(turn)
    elif action == "link":
        await account.start_link(turn)
    elif action == "review":
        await account.start_review(turn, arg)
    elif action == "rate" and arg and arg.isdigit():
        await account.rate(turn, int(arg))
    return None


async def _fill_step(turn: Turn, text: str) -> bool:
    """The answer a flow waits for (an order number, an option, a product name)."""
    flow, step = turn.state.flow, turn.state.step
    if flow in ("order_status", "return") and step == "number":
        number = rules.order_number(text) or (text if text.isdigit() else None)
        if number is None and len(text.split()) == 1 and any(c.isdigit() for c in text):
            number = text.upper()
        if number:
            if flow == "order_status":
                await care.order_status(turn, number)
            else:
                await care.start_return(turn, number)
            return True
    if flow == "variant" and step == "option":
        chosen = rules.choose_option(turn.slots.get("options") or [], text)
        if chosen is not None:
            await shop.add(turn, uuid.UUID(chosen["variant_id"]), rules.quantity(text) or 1)
            return True
    if flow == "link" and step == "destination" and rules.contact(text):
        await account.send_code(turn, str(rules.contact(text)))
        return True
    if flow == "link" and step == "code" and rules.one_time_code(text):
        await account.confirm(turn, str(rules.one_time_code(text)))
        return True
    if flow == "review" and step == "text" and rules.rule_intent(text) is None:
        await account.submit_review(turn, text)
        return True
    if flow == "search" and step == "ask" and rules.rule_intent(text) is None:
        await shop.find(turn, rules.product_query(text) or text)
        return True
    if flow == "search" and rules.wants_more(text):
        await shop.more(turn)
        return True
    return False


async def _text(turn: Turn, text: str) -> str | None:
    guess = (await model()).predict(text)
    understood = rules.understand(text, guess.intent, guess.confidence)
    turn.set(_intent=understood.intent)
    urgent = conversation_rules.handoff_reason(
        kind="text", text=text, low_confidence_streak=0, intent=understood.intent
    )
    if urgent is not None:
        return urgent
    if turn.state.paused and rules.wants_resume(text):
        await _resume(turn)
        return None
    filled = await _fill_step(turn, text)
    keyword = rules.wants_link(text) or rules.wants_review(text)
    streak = await handoff.note_confidence(
        session=turn.session,
        conversation_id=turn.conversation.id,
        confident=filled or keyword or understood.confident,
    )
    if filled:
        return None
    if streak >= conversation_rules.LOW_CONFIDENCE_LIMIT:
        return "low_confidence"
    if not understood.confident and not keyword:
        turn.say(t("not_understood", turn.language), buttons=shop.menu(turn))
        return None
    # A new topic: put the half-done flow aside to offer it back afterwards.
    state = turn.state
    before = list(state.paused or [])
    state.paused = rules.pause(before, state.flow, state.step, state.slots)
    turn.paused_now = state.paused != before
    if rules.wants_link(text):
        await account.start_link(turn, text)
    elif rules.wants_review(text):
        await account.start_review(turn)
    else:
        await _intent(turn, understood.intent, text)
    return None


async def _intent(turn: Turn, intent: str, text: str) -> None:
    lang = turn.language
    if intent == "greeting":
        turn.go(None)
        turn.say(t("greeting", lang), buttons=shop.menu(turn))
    elif intent == "thanks":
        turn.say(t("thanks", lang))
        # Nothing half-done: the bot resolved the chat (bot_resolved metric, CSAT question).
        turn.resolved = not turn.state.paused and not rules.waiting(
            turn.state.flow, turn.state.step
        )
    elif intent == "search":
        await shop.find(turn, rules.product_query(text), size=rules.size(text))
    elif intent == "add_to_cart":
        product = turn.slots.get("product")
        if product:
            await shop.pick(turn, str(product), text)
        elif query := rules.product_query(text):
            await shop.find(turn, query)
        else:
            turn.say(t("which_product", lang))
    elif intent == "checkout":
        await shop.pay(turn)
    elif intent == "order_status":
        await care.order_status(turn, rules.order_number(text))
    elif intent == "return":
        await care.start_return(turn, rules.order_number(text))
    elif intent == "delivery_question":
        turn.say(t("delivery", lang))
    elif intent == "loyalty":
        await care.points(turn)
    elif intent == "store_location":
        await care.stores(turn, None)
    elif intent == "product_question":
        await shop.product_question(turn)
    else:
        turn.say(
            t("other", lang),
            buttons=(Button(t("menu.human", lang), payload=rules.payload("human")),),
        )


async def _resume(turn: Turn) -> None:
    entry, rest = rules.resume(list(turn.state.paused or []))
    turn.state.paused = rest
    if entry is None:
        turn.say(t("greeting", turn.language), buttons=shop.menu(turn))
        return
    turn.go(entry["flow"], entry["step"], **dict(entry.get("slots") or {}))
    flow = entry["flow"]
    if flow == "return":
        await bot_returns.resume(turn)
    elif flow == "order_status":
        turn.say(t("ask.order", turn.language))
    elif flow == "store_location":
        turn.say(t("ask.location", turn.language))
    elif flow == "link":
        turn.say(t("link.ask", turn.language))
    elif flow == "review":
        await account.start_review(turn, turn.slots.get("review_product"))
    elif flow == "variant":
        options = turn.slots.get("options") or []
        turn.say(
            t("choose.variant", turn.language, name=turn.slots.get("product_name") or ""),
            buttons=tuple(
                Button(str(o["label"])[:40], payload=rules.payload("add", o["variant_id"]))
                for o in options[:10]
            ),
        )
