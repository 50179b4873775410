"""The inbox in the operator's language (ru, en, ka) from the gettext catalogs.

Staff have no stored locale, so the language is the one picked with the inbox's switch (kept
in the admin session), else the browser's ``Accept-Language``, else Russian. What the inbox
sends to a customer is in the chat's language instead (see ``inbox_data``).

SQLAdmin's template environment is shared by every request, so the translation functions are
passed in each page's context rather than installed in the environment: two operators reading
in different languages at once never see each other's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request

from omnishop.conversations.bot import texts as bot_texts
from omnishop.kernel import i18n
from omnishop.kernel.errors import DomainError
from omnishop.kernel.i18n import N_

SESSION_KEY = "inbox_locale"

# Codes the pages show, by kind, in words; an unknown code is shown as it is.
LABELS: dict[str, dict[str, str]] = {
    "status": {
        "bot": N_("with the bot"),
        "queued": N_("waiting"),
        "assigned": N_("taken"),
        "resolved": N_("resolved"),
    },
    "author": {
        "customer": N_("customer"),
        "bot": N_("bot"),
        "operator": N_("operator"),
        "system": N_("system"),
    },
    "delivery": {
        "queued": N_("queued"),
        "scheduled": N_("scheduled"),
        "sending": N_("sending"),
        "retrying": N_("retrying"),
        "sent": N_("sent"),
        "delivered": N_("delivered"),
        "read": N_("read"),
        "failed": N_("failed"),
    },
    # The same words as the storefront's order page and the bot's order status.
    "order": bot_texts.STATES["order"],
    "intent": {
        "search": N_("search"),
        "product_question": N_("question about a product"),
        "add_to_cart": N_("add to cart"),
        "checkout": N_("checkout"),
        "order_status": N_("order status"),
        "delivery_question": N_("question about delivery"),
        "return": N_("return"),
        "loyalty": N_("loyalty points"),
        "store_location": N_("store location"),
        "human": N_("asked for a person"),
        "greeting": N_("greeting"),
        "thanks": N_("thanks"),
        "other": N_("something else"),
    },
    "slot": {
        "q": N_("query"),
        "order_number": N_("order"),
        "product": N_("product"),
        "cart": N_("cart"),
    },
    "reason": {
        "requested": N_("asked for a person"),
        "asked": N_("asked for a person"),
        "human": N_("asked for a person"),
        "angry": N_("upset"),
        "photo": N_("sent a photo"),
        "image": N_("sent a photo"),
        "low_confidence": N_("the bot did not understand"),
        "payment": N_("payment problem"),
        "taken": N_("taken by an operator"),
        "whatsapp_window_closed": N_("WhatsApp window closed"),
        "messenger_window_closed": N_("Messenger window closed"),
    },
}

# The handoff summary is stored as the bot wrote it (conversations.bot.rules.handoff_summary:
# "reason: …", "language: …", "last intent: …", "slots: k=v, …", "customer said:", "- …");
# the inbox shows it line by line, its labels and codes in the operator's language.
SUMMARY_LABELS = {
    "reason": N_("Reason"),
    "language": N_("Language"),
    "last intent": N_("Last intent"),
    "slots": N_("Details"),
    "customer said": N_("The customer said"),
}

# A refused action's heading, by the error's code; anything else reads as a plain refusal.
REFUSALS: dict[str, str] = {
    "validation_failed": N_("Please check what you entered"),
    "not_found": N_("Not found"),
    "conflict": N_("This cannot be done now"),
    "conversation_not_assigned_to_you": N_("Take the conversation before replying"),
    "conversation_held_by_human": N_("An operator holds this conversation"),
    "messaging_window_closed": N_("The platform's customer-service window is closed"),
}
REFUSED = N_("The action was refused")


def operator_locale(request: Request) -> str:
    """The switch's choice, else the browser's language, else Russian."""
    chosen = i18n.normalize(request.session.get(SESSION_KEY))
    return chosen or i18n.negotiate(
        request.headers.get("accept-language"), default=i18n.DEFAULT_LOCALE
    )


def translator(locale: str) -> Callable[..., str]:
    """``_("... %(n)s", n=1)``: translated first, then filled (Jinja's "newstyle" gettext)."""
    translate = i18n.translator(locale)

    def gettext(message: str, **values: Any) -> str:
        text = translate(message)
        return text % values if values else text

    return gettext


def page_context(request: Request) -> dict[str, Any]:
    """What every inbox page adds to its context: the language, its words and the switch."""
    locale = operator_locale(request)
    _ = translator(locale)

    def label(kind: str, code: str | None) -> str:
        words = LABELS[kind].get(code or "")
        return _(words) if words else code or ""

    def summary_lines(summary: str | None) -> list[str]:
        lines = []
        for line in (summary or "").splitlines():
            key, colon, value = line.partition(":")
            if colon and key in SUMMARY_LABELS:
                value = value.strip()
                if key in ("reason", "last intent"):
                    value = label("reason" if key == "reason" else "intent", value)
                elif key == "language":
                    value = i18n.LANGUAGE_NAMES.get(value, value)
                elif key == "slots":
                    pairs = (p.partition("=") for p in value.split(", "))
                    value = ", ".join(f"{label('slot', k)}={v}" for k, _eq, v in pairs)
                line = (
                    f"{_(SUMMARY_LABELS[key])}: {value}" if value else f"{_(SUMMARY_LABELS[key])}:"
                )
            lines.append(line)
        return lines

    return {
        "locale": locale,
        "_": _,
        "gettext": _,
        "label": label,
        "summary_lines": summary_lines,
        "locales": i18n.LOCALES,
        "language_names": i18n.LANGUAGE_NAMES,
    }


def refusal_title(exc: DomainError, locale: str) -> str:
    return translator(locale)(REFUSALS.get(exc.code, REFUSED))
