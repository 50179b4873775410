"""The operator inbox: hand-made back-office pages over the conversations services.

``/admin/inbox`` lists the queue (waiting time), the operator's chats, colleagues' chats and
the chats the bot is handling, with an online/offline switch. ``/admin/inbox/c/<id>`` is one
chat: the thread, the channel's reply window, the customer (profile, identities, orders,
loyalty) and the actions (take, reply, canned reply, product card, pay link, hand back to the
bot, resolve). Pages follow changes live over SSE (``/admin/inbox/live``): the realtime
broadcaster wakes the stream, the database says what changed, the page swaps a fragment.
Every POST is CSRF-checked; a refused action answers its 4xx with a short page.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any
from urllib.parse import urlencode

from markupsafe import escape
from sqladmin import Admin, BaseView, expose
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)

from omnishop.admin import inbox_data, inbox_i18n
from omnishop.admin.auth import CSRF_FIELD, csrf_valid
from omnishop.checkout import vouchers
from omnishop.conversations import feed, handoff, notes
from omnishop.conversations import service as conversations
from omnishop.conversations.live import conversation_channel, inbox_channel
from omnishop.conversations.wire import Button, Location, OutboundContent
from omnishop.customers.models import StaffRole
from omnishop.kernel import clock, i18n, wakeup
from omnishop.kernel.db import unit_of_work
from omnishop.kernel.errors import DomainError, NotFound, ValidationFailed
from omnishop.kernel.runtime import Database

INBOX = "Inbox"
INBOX_ROLES = frozenset({StaffRole.OWNER, StaffRole.MANAGER, StaffRole.OPERATOR})
MAX_TEXT = 4000
MAX_SKILLS = 10
MAX_CAPACITY = 50
CAPACITY_ROLES = frozenset({StaffRole.OWNER, StaffRole.MANAGER})
LIVE_SECONDS = 55.0  # the browser's EventSource reconnects after this
LIVE_POLL_SECONDS = 2.0
LIST_GAP_SECONDS = 0.1
ACTIONS = frozenset(
    {
        "take",
        "reply",
        "canned",
        "card",
        "paylink",
        "location",
        "voucher",
        "note",
        "hand_back",
        "resolve",
    }
)


def _database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


def _staff_id(request: Request) -> uuid.UUID:
    return uuid.UUID(str(request.session.get("staff_id")))


def _conversation_id(request: Request) -> uuid.UUID:
    try:
        return uuid.UUID(str(request.path_params.get("conversation_id")))
    except ValueError as exc:
        raise NotFound("no such conversation") from exc


def _say(request: Request) -> Callable[..., str]:
    """The operator's words: what the inbox itself refuses is said in their language."""
    return inbox_i18n.translator(inbox_i18n.operator_locale(request))


def _stale(request: Request) -> Response:
    _ = _say(request)
    return PlainTextResponse(_("This form has expired. Reload the page and try again."), 403)


def _capacity(raw: str, _: Callable[..., str]) -> int:
    try:
        value = int(raw)
    except ValueError as exc:
        raise ValidationFailed(_("Capacity is a whole number."), field="capacity") from exc
    if not 0 <= value <= MAX_CAPACITY:
        message = _("Capacity is 0 to %(max)s chats.", max=MAX_CAPACITY)
        raise ValidationFailed(message, field="capacity")
    return value


def _refused(request: Request, exc: DomainError, back: str) -> HTMLResponse:
    """A refused action's page: its heading in the operator's language, then the detail."""
    locale = inbox_i18n.operator_locale(request)
    title = inbox_i18n.refusal_title(exc, locale)
    body = (
        f'<!doctype html><html lang="{locale}"><title>{escape(title)}</title>'
        f"<h1>{escape(title)}</h1><p>{escape(exc.detail)}</p>"
        f'<p><a href="{escape(back)}">{escape(inbox_i18n.translator(locale)("Back"))}</a></p>'
    )
    return HTMLResponse(body, status_code=exc.status)


class _InboxBase(BaseView):
    category = INBOX

    def is_accessible(self, request: Request) -> bool:
        return request.session.get("role") in INBOX_ROLES


class InboxView(_InboxBase):
    name = "Inbox"
    icon = "fa-solid fa-comments"

    @expose("/inbox", identity="inbox")
    async def inbox(self, request: Request) -> Response:
        staff_id = _staff_id(request)
        async with unit_of_work(_database(request).sessions, writes=False) as session:
            lists = await inbox_data.lists(session=session, staff_id=staff_id)
            marker = await feed.change_marker(session=session)
        part = request.query_params.get("part") == "lists"
        words = inbox_i18n.page_context(request)
        _ = words["_"]
        return await self.templates.TemplateResponse(
            request,
            "inbox/lists.html" if part else "inbox/index.html",
            {
                **words,
                "title": _("Inbox"),
                "lists": lists,
                "now": clock.now(),
                "marker": marker,
                "staff_id": staff_id,
                "sets_capacity": request.session.get("role") in CAPACITY_ROLES,
            },
        )


class InboxChatView(_InboxBase):
    name = "Chat"
    identity = "inbox-chat"

    def is_visible(self, request: Request) -> bool:
        return False

    @expose("/inbox/c/{conversation_id}", identity="inbox-chat")
    async def chat(self, request: Request) -> Response:
        staff_id = _staff_id(request)
        query = request.query_params.get("q", "").strip()[:200] or None
        words = inbox_i18n.page_context(request)
        _ = words["_"]
        try:
            conversation_id = _conversation_id(request)
            part = request.query_params.get("part") == "thread"
            async with unit_of_work(_database(request).sessions, writes=False) as session:
                screen: inbox_data.ThreadScreen
                if part:  # a live change: only the thread is swapped in
                    screen = await inbox_data.thread(
                        session=session,
                        conversation_id=conversation_id,
                        staff_id=staff_id,
                        locale=words["locale"],
                    )
                else:
                    screen = await inbox_data.chat(
                        session=session,
                        conversation_id=conversation_id,
                        staff_id=staff_id,
                        product_query=query,
                        locale=words["locale"],
                    )
                marker = await feed.change_marker(session=session, conversation_id=conversation_id)
        except DomainError as exc:
            return _refused(request, exc, "/admin/inbox")
        return await self.templates.TemplateResponse(
            request,
            "inbox/thread.html" if part else "inbox/chat.html",
            {
                **words,
                "title": _("Chat · %(platform)s", platform=screen.conversation.platform),
                "screen": screen,
                "c": screen.conversation,
                "now": clock.now(),
                "marker": marker,
                "query": query or "",
            },
        )

    @expose("/inbox/c/{conversation_id}/act", methods=["POST"], identity="inbox-act")
    async def act(self, request: Request) -> Response:
        """One of the chat's actions (``do``), then back to the chat."""
        form = await request.form()
        back = str(request.url_for("admin:view-inbox-chat", **request.path_params))
        if not csrf_valid(request, form.get(CSRF_FIELD)):
            return _stale(request)
        do = str(form.get("do", ""))
        _ = _say(request)
        try:
            conversation_id = _conversation_id(request)
            if do not in ACTIONS:
                raise ValidationFailed(_("Unknown action."), field="do")
            async with unit_of_work(_database(request).sessions) as session:
                await _act(request, session, conversation_id, do, form)
        except DomainError as exc:
            return _refused(request, exc, back)
        if do in ("hand_back", "resolve"):
            back = str(request.url_for("admin:view-inbox"))
        return RedirectResponse(back, status_code=303)

    @expose("/inbox/online", methods=["POST"], identity="inbox-online")
    async def online(self, request: Request) -> Response:
        """The operator goes online (the queue may assign them chats) or offline."""
        form = await request.form()
        if not csrf_valid(request, form.get(CSRF_FIELD)):
            return _stale(request)
        async with unit_of_work(_database(request).sessions) as session:
            await handoff.set_operator(
                session=session, staff_id=_staff_id(request), online=form.get("online") == "1"
            )
        return RedirectResponse(request.url_for("admin:view-inbox"), status_code=303)

    @expose("/inbox/profile", methods=["POST"], identity="inbox-profile")
    async def profile(self, request: Request) -> Response:
        """The operator's languages and skills (what the queue matches chats on); owners and
        managers also set their capacity (8 chats at once by default)."""
        form = await request.form()
        if not csrf_valid(request, form.get(CSRF_FIELD)):
            return _stale(request)
        back = str(request.url_for("admin:view-inbox"))
        _ = _say(request)
        try:
            languages = [str(v) for v in form.getlist("languages")]
            if any(lang not in i18n.LOCALES for lang in languages):
                raise ValidationFailed(_("Unknown language."), field="languages")
            skills = [s.strip().lower() for s in str(form.get("skills", "")).split(",")]
            skills = [s for s in skills if s]
            if len(skills) > MAX_SKILLS or any(len(s) > 30 for s in skills):
                message = _("At most %(max)s skills of 30 characters each.", max=MAX_SKILLS)
                raise ValidationFailed(message, field="skills")
            capacity = None
            if form.get("capacity") not in (None, ""):
                if request.session.get("role") not in CAPACITY_ROLES:
                    return PlainTextResponse(_("Only owners and managers set capacity."), 403)
                capacity = _capacity(str(form.get("capacity")), _)
            async with unit_of_work(_database(request).sessions) as session:
                await handoff.set_operator(
                    session=session,
                    staff_id=_staff_id(request),
                    languages=languages,
                    skills=skills,
                    capacity=capacity,
                )
        except DomainError as exc:
            return _refused(request, exc, back)
        return RedirectResponse(back, status_code=303)

    @expose("/inbox/language", methods=["POST"], identity="inbox-language")
    async def language(self, request: Request) -> Response:
        """The operator's language for the inbox pages, kept in the admin session."""
        form = await request.form()
        if not csrf_valid(request, form.get(CSRF_FIELD)):
            return _stale(request)
        back = str(form.get("back", ""))
        # Only back to an inbox page: the field must not turn this into an open redirect.
        if not back.startswith("/admin/inbox") or "//" in back:
            back = str(request.url_for("admin:view-inbox"))
        chosen = str(form.get("locale", ""))
        if chosen not in i18n.LOCALES:
            _ = _say(request)
            refusal = ValidationFailed(_("Unknown language."), field="locale")
            return _refused(request, refusal, back)
        request.session[inbox_i18n.SESSION_KEY] = chosen
        return RedirectResponse(back, status_code=303)

    @expose("/inbox/live", identity="inbox-live")
    async def live(self, request: Request) -> Response:
        """SSE: an event ``changed`` whenever the inbox (or the chat ``?c=``) changed since the
        marker the page was rendered with (``?since=``)."""
        raw = request.query_params.get("c")
        conversation_id = None
        if raw:
            try:
                conversation_id = uuid.UUID(raw)
            except ValueError:
                return Response("bad conversation id", status_code=422)
        since = request.query_params.get("since", "")[:200]
        database = _database(request)
        channel = conversation_channel(conversation_id) if conversation_id else inbox_channel()

        async def marker() -> str:
            async with unit_of_work(database.sessions, writes=False) as session:
                return await feed.change_marker(session=session, conversation_id=conversation_id)

        # One chat changes rarely: tell its screen at once. The whole inbox hears every
        # message of every chat: at most one refresh per LIST_GAP_SECONDS, however busy.
        gap = 0.0 if conversation_id else LIST_GAP_SECONDS

        async def stream() -> AsyncIterator[str]:
            nonlocal since
            yield "retry: 2000\n\n"
            loop = asyncio.get_running_loop()
            started = loop.time()
            async with wakeup.listening(channel) as woken:
                while loop.time() - started < LIVE_SECONDS:
                    now = await marker()
                    if now != since:
                        since = now
                        yield f"event: changed\ndata: {now}\n\n"
                        if gap:
                            await asyncio.sleep(gap)
                    if await request.is_disconnected():
                        return
                    if not await woken.wait(LIVE_POLL_SECONDS):
                        yield ": keep-alive\n\n"

        return StreamingResponse(
            stream(),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )


async def _act(
    request: Request, session: Any, conversation_id: uuid.UUID, do: str, form: Any
) -> None:
    staff_id = _staff_id(request)
    if do == "take":
        await handoff.take(session=session, conversation_id=conversation_id, staff_id=staff_id)
    elif do == "hand_back":
        await handoff.hand_back(session=session, conversation_id=conversation_id, staff_id=staff_id)
    elif do == "resolve":
        await handoff.resolve(session=session, conversation_id=conversation_id, staff_id=staff_id)
    elif do == "voucher":
        await _voucher(session, conversation_id, staff_id, form, _say(request))
    elif do == "note":
        text = str(form.get("note", ""))[: notes.MAX_NOTE + 1]
        await notes.add(
            session=session,
            conversation_id=conversation_id,
            staff_id=staff_id,
            text=text,
            mentions=await inbox_data.resolve_mentions(session=session, text=text),
        )
    else:
        content = await _content(request, session, conversation_id, staff_id, do, form)
        await conversations.send(
            session=session,
            conversation_id=conversation_id,
            content=content,
            author="operator",
            staff_id=staff_id,
        )


async def _content(
    request: Request,
    session: Any,
    conversation_id: uuid.UUID,
    staff_id: uuid.UUID,
    do: str,
    form: Any,
) -> OutboundContent:
    """What a reply action sends (in the chat's language); refusals in the operator's."""
    base_url = str(request.app.state.base_url)
    _ = _say(request)
    if do == "reply":
        text = str(form.get("text", "")).strip()
        if not text or len(text) > MAX_TEXT:
            raise ValidationFailed(_("Write 1 to %(max)s characters.", max=MAX_TEXT), field="text")
        return OutboundContent(text=text)
    if do == "canned":
        screen = await inbox_data.chat(
            session=session, conversation_id=conversation_id, staff_id=staff_id
        )
        key = str(form.get("canned", ""))
        if key not in screen.canned:
            raise ValidationFailed(_("Choose one of the canned replies."), field="canned")
        return OutboundContent(text=screen.canned[key])
    if do == "card":
        slug = str(form.get("product", "")).strip()[:200]
        if not slug:
            raise ValidationFailed(_("Choose a product."), field="product")
        info = await conversations.get(session=session, conversation_id=conversation_id)
        card = await inbox_data.product_card(
            session=session, slug=slug, base_url=base_url, locale=info.language
        )
        return OutboundContent(cards=(card,))
    if do == "location":
        info = await conversations.get(session=session, conversation_id=conversation_id)
        return await _location(session, form, info.language, _)
    # paylink: the storefront's checkout, with the chat's cart when the bot keeps one
    info = await conversations.get(session=session, conversation_id=conversation_id)
    token = await feed.cart_token(session=session, conversation_id=conversation_id)
    url = f"{base_url.rstrip('/')}/checkout"
    if token is not None:
        url += "?" + urlencode({"cart": token, "utm_source": info.platform})
    text = inbox_data.say(inbox_data.CANNED, "pay", info.language)
    label = inbox_data.say(inbox_data.TEXTS, "pay", info.language)
    return OutboundContent(text=text, buttons=(Button(label=label, url=url),))


async def _location(
    session: Any, form: Any, language: str, _: Callable[..., str]
) -> OutboundContent:
    """A store or pickup point: its place on the map, address and opening hours."""
    wanted = str(form.get("location", ""))
    found = next((s for s in await inbox_data.stores(session=session) if str(s.id) == wanted), None)
    if found is None or found.latitude is None or found.longitude is None:
        raise ValidationFailed(_("Choose a store."), field="location")
    place = Location(
        latitude=float(found.latitude), longitude=float(found.longitude), title=found.name
    )
    return OutboundContent(text=inbox_data.location_text(found, language), location=place)


async def _voucher(
    session: Any,
    conversation_id: uuid.UUID,
    staff_id: uuid.UUID,
    form: Any,
    _: Callable[..., str],
) -> None:
    """A discount code on the cart the bot keeps for this chat (checkout's own voucher rules)."""
    conversation = await conversations.get(session=session, conversation_id=conversation_id)
    if conversation.assigned_staff_id != staff_id:
        raise conversations.NotYourConversation(_("Take the conversation first."))
    code = str(form.get("code", "")).strip()[:64]
    if not code:
        raise ValidationFailed(_("Enter a code."), field="code")
    token = await feed.cart_token(session=session, conversation_id=conversation_id)
    if token is None:
        raise ValidationFailed(_("This chat has no cart yet."), field="code")
    await vouchers.apply_voucher(session=session, token=token, code=code)


def install(admin: Admin, *, database: Database, base_url: str) -> None:
    """Add the inbox pages; they reach the database through the back-office app's state."""
    admin.admin.state.database = database
    admin.admin.state.base_url = base_url
    for view in (InboxView, InboxChatView):
        admin.add_view(view)
    # SQLAdmin names a page view after its last route; the hidden chat view's menu entry (never
    # shown) must still resolve to a URL without parameters.
    InboxChatView.identity = "inbox"
