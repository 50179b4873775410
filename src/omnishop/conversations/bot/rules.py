"""The bot's pure decisions: language, rule-based intents, slot extraction, how the model's
guess and the rules combine, button payloads, the paused-flow stack, links and summaries.
No I/O: data in, decision out (tests/unit/test_bot_rules.py)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from babel.dates import get_day_names

from omnishop.conversations import rules as conversation_rules
from omnishop.kernel import i18n

INTENTS = (
    "search",
    "product_question",
    "add_to_cart",
    "checkout",
    "order_status",
    "delivery_question",
    "return",
    "loyalty",
    "store_location",
    "human",
    "greeting",
    "thanks",
    "other",
)
# Below this probability the model's guess does not count as understanding the customer.
CONFIDENCE = 0.35
PAGE_SIZE = 5
MAX_QUANTITY = 99
# Flows whose half-done state is worth resuming after a topic switch.
RESUMABLE = frozenset({"variant", "order_status", "return", "store_location", "link", "review"})


def language_of(text: str) -> str:
    """ru when there is a Cyrillic word (brand names in Latin letters do not make a Russian
    message English), ka for Georgian script, else en."""
    cyrillic = sum("\u0400" <= c <= "\u04ff" for c in text)
    georgian = sum("\u10a0" <= c <= "\u10ff" for c in text)
    latin = sum(c.isascii() and c.isalpha() for c in text)
    if georgian > max(cyrillic, latin):
        return "ka"
    if cyrillic >= min(3, max(1, latin)):
        return "ru"
    return "en"


_GREETING = re.compile(
    r"^\s*(/start|start|menu|меню|начать|hi|hello|hey|hiya|yo|good (morning|afternoon|evening)"
    r"|привет\w*|здравствуй\w*|здрасте|добр\w+ (день|утро|вечер)|доброго времени суток"
    r"|салют|хай|გამარჯობა)\b[\s!.,)]*$",
    re.IGNORECASE,
)
_THANKS = re.compile(
    r"^\s*(thanks|thank you( so much)?|thx|cheers|спасибо( большое)?|благодарю|спс|пасиб"
    r"|მადლობა)\b[\s!.,)]*$",
    re.IGNORECASE,
)
# Order numbers as we print them (orders.rules.order_number: WEB-RU-000042, TELEGR-000123,
# W-000123) or a bare number after "order"/"заказ"/"№".
_ORDER_NUMBER = re.compile(r"\b([A-Za-z]{1,6}(?:-[A-Za-z]{1,5})?-\d{3,10})\b")
_ORDER_DIGITS = re.compile(
    r"(?:заказ\w*|order|№|номер)\s*(?:№|#|номер|number|no\.?)?\s*(\d{3,10})\b", re.IGNORECASE
)
_QUANTITY = re.compile(
    r"(?:\b|x|×)(\d{1,2})\s*(?:шт\w*|pcs|pieces?|штук\w*|x\b|×)"
    r"|(?:^|\s)(?:x|×)\s*(\d{1,2})\b",
    re.IGNORECASE,
)
_NUMBER_WORDS = {
    "одну": 1, "один": 1, "одна": 1, "две": 2, "два": 2, "три": 3, "четыре": 4, "пять": 5,
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
}  # fmt: skip
_NUMBER_WORD = re.compile(
    r"\b(" + "|".join(_NUMBER_WORDS) + r")\b\s*(?:шт\w*|штук\w*|pcs|pieces?|of (?:these|them))?",
    re.IGNORECASE,
)
_LETTER_SIZE = re.compile(r"(?<![\w-])(XXS|XS|S|M|L|XL|XXL|XXXL|[2-5]XL)(?![\w-])")
_NUMERIC_SIZE = re.compile(
    r"(?:размер\w*|size|р\.?)\s*(\d{2}(?:[.,]5)?)\b|\b(\d{2}(?:[.,]5)?)\s*(?:размер\w*|size|р\.)",
    re.IGNORECASE,
)
_RESUME = re.compile(
    r"^\s*(продолж\w*|вернёмся|вернемся|давай дальше|continue|go on|back|resume)\b", re.IGNORECASE
)
_MORE = re.compile(r"^\s*(ещё|еще|more|show more|дальше|next)\s*[.!]*$", re.IGNORECASE)
# Words that ask for something rather than name it; what is left is the product query.
_FILLER = re.compile(
    r"\b(покажи\w*|покажь|ищу|ищем|найди\w*|найти|подбери\w*|поиск|хочу|хотел\w*|нужн\w*|нужен"
    r"|посмотреть|купить|куплю|есть|ли|у|вас|в|продаже|какие|какой|какая|что|из|мне|пожалуйста"
    r"|каталог|подскажите|можно|бы|ещё|еще|размер\w*|size|show|me|find|search|for|looking|i'm|im"
    r"|i|want|to|buy"
    r"|do|you|have|sell|any|some|need|a|an|the|what|got|please|browse|is|there|your)\b",
    re.IGNORECASE,
)


_LINK = re.compile(
    r"(войти|вход\b|авториз\w*|привяз\w*|связать\s+аккаунт|мой\s+аккаунт|sign\s*in|log\s*in"
    r"|link\s+(my\s+)?account|connect\s+(my\s+)?account)",
    re.IGNORECASE,
)
_REVIEW = re.compile(r"(отзыв|оценит\w*|\breview\b|\brate\b|\brating\b)", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?:\+|00)\d[\d\s\-().]{7,20}\d")
_CODE = re.compile(r"^\s*(\d{6})\s*$")


@dataclass(frozen=True)
class Understanding:
    intent: str
    confidence: float
    by_rule: bool

    @property
    def confident(self) -> bool:
        return self.by_rule or self.confidence >= CONFIDENCE


def rule_intent(text: str) -> str | None:
    """Intents a rule decides better than the model: greetings, thanks, asking for a person,
    and a message that names an order."""
    if _GREETING.match(text):
        return "greeting"
    if _THANKS.match(text):
        return "thanks"
    if conversation_rules.wants_human(text):
        return "human"
    if order_number(text) is not None and len(text.split()) <= 2:
        return "order_status"  # just a number: the model cannot know it is one of ours
    return None


def understand(text: str, model_intent: str, model_confidence: float) -> Understanding:
    """A rule wins over the model; otherwise the model's guess with its probability."""
    ruled = rule_intent(text)
    if ruled is not None:
        return Understanding(ruled, 1.0, by_rule=True)
    return Understanding(model_intent, model_confidence, by_rule=False)


def wants_link(text: str) -> bool:
    """Signing in to the shop account from the chat (an email/phone and a one-time code)."""
    return bool(_LINK.search(text))


def wants_review(text: str) -> bool:
    return bool(_REVIEW.search(text))


def contact(text: str) -> str | None:
    """An email, or a phone number with its country code, named in the message."""
    email = _EMAIL.search(text)
    if email:
        return email.group(0)
    phone = _PHONE.search(text)
    return phone.group(0) if phone else None


def one_time_code(text: str) -> str | None:
    found = _CODE.match(text)
    return found.group(1) if found else None


def order_number(text: str) -> str | None:
    """``W-000123`` / ``web-ru-000042`` (upper-cased), or the digits after "заказ"/"order"/"№"."""
    found = _ORDER_NUMBER.search(text)
    if found:
        return found.group(1).upper()
    digits = _ORDER_DIGITS.search(text)
    return digits.group(1) if digits else None


def quantity(text: str) -> int | None:
    """ "2 шт", "x3", "две штуки", "two of these": 1..99, or None when not said."""
    found = _QUANTITY.search(text)
    if found:
        value = int(found.group(1) or found.group(2))
        return value if 1 <= value <= MAX_QUANTITY else None
    word = _NUMBER_WORD.search(text)
    if word:
        return _NUMBER_WORDS[word.group(1).lower()]
    return None


def size(text: str) -> str | None:
    """A clothing size ("M", "XL") or a numeric one ("42", "38.5") said with "размер"/"size"."""
    letter = _LETTER_SIZE.search(text)
    if letter:
        return letter.group(1).upper()
    numeric = _NUMERIC_SIZE.search(text)
    if numeric:
        return (numeric.group(1) or numeric.group(2)).replace(",", ".")
    return None


def product_query(text: str) -> str | None:
    """What the customer named, without the words that ask ("покажите", "do you have") and
    without a size or quantity (slots of their own: "кроссовки 42 размера" searches
    "кроссовки" and remembers 42)."""
    cleaned = _NUMERIC_SIZE.sub(" ", text)
    cleaned = _LETTER_SIZE.sub(" ", cleaned)
    cleaned = _QUANTITY.sub(" ", cleaned)
    cleaned = _FILLER.sub(" ", cleaned)
    cleaned = re.sub(r"[?!.,;:]+", " ", cleaned)
    words = [w for w in cleaned.split() if len(w) > 1 or w.isdigit()]
    return " ".join(words)[:200] or None


def wants_resume(text: str) -> bool:
    return bool(_RESUME.match(text))


def wants_more(text: str) -> bool:
    return bool(_MORE.match(text))


def choose_option(options: Sequence[dict[str, Any]], text: str) -> dict[str, Any] | None:
    """The variant whose option values the customer named (a size, a colour), if exactly one
    matches; options are ``{"variant_id", "label", "values": [...]}``."""
    said = size(text)
    lowered = text.lower()
    matches = []
    for option in options:
        values = [str(v).lower() for v in option.get("values", [])]
        if (said and said.lower() in values) or any(
            v and re.search(rf"(?<![\w]){re.escape(v)}(?![\w])", lowered) for v in values
        ):
            matches.append(option)
    return matches[0] if len(matches) == 1 else None


# --- button payloads ---------------------------------------------------------------------------

PREFIX = "bot:"


def payload(action: str, arg: str | None = None) -> str:
    """Our callback data: short (Telegram allows 64 bytes), "bot:<action>[:<arg>]"."""
    return f"{PREFIX}{action}" + (f":{arg}" if arg else "")


def parse_payload(raw: str | None) -> tuple[str, str | None] | None:
    if not raw or not raw.startswith(PREFIX):
        return None
    action, _, arg = raw[len(PREFIX) :].partition(":")
    return (action, arg or None) if action else None


# --- the dialogue state ------------------------------------------------------------------------

# Slots that outlive a flow: the conversation's cart and the last product looked at ("беру",
# "где он есть в магазинах?" refer to it).
GLOBAL_SLOTS = ("cart", "product", "product_name", "variant")


def split_slots(slots: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(global slots, flow slots)."""
    kept = {k: v for k, v in slots.items() if k in GLOBAL_SLOTS or k.startswith("_")}
    return kept, {k: v for k, v in slots.items() if k not in kept}


def pause(
    paused: list[Any], flow: str | None, step: str | None, slots: dict[str, Any], limit: int = 3
) -> list[Any]:
    """Put a half-done flow aside (most recent last; a flow is paused once; at most ``limit``)."""
    if not flow or flow not in RESUMABLE or not step:
        return list(paused)
    _, own = split_slots(slots)
    kept = [p for p in paused if p.get("flow") != flow]
    return [*kept, {"flow": flow, "step": step, "slots": own}][-limit:]


def waiting(flow: str | None, step: str | None) -> bool:
    """Does the current flow wait for the customer's answer (then no "continue?" offer)?"""
    return bool(flow and step and (flow in RESUMABLE or (flow, step) == ("search", "ask")))


def resume(paused: list[Any]) -> tuple[dict[str, Any] | None, list[Any]]:
    """The most recently paused flow, and the stack without it."""
    if not paused:
        return None, []
    return dict(paused[-1]), list(paused[:-1])


def pre_checkout_verdict(
    *,
    cart_open: bool,
    held: bool,
    currency: str | None,
    total: int | None,
    asked_currency: str,
    asked_total: int,
) -> str | None:
    """None to accept a Telegram pre-checkout query, else the reason (a texts key)."""
    if not cart_open:
        return "precheckout.gone"
    if not held:
        return "precheckout.stock"
    if currency != asked_currency or total != asked_total:
        return "precheckout.changed"
    return None


# --- what the bot shows ------------------------------------------------------------------------


def pay_link(base_url: str, cart_token: str, channel_code: str | None = None) -> str:
    """The storefront's checkout step for this cart (the storefront adopts ``cart``)."""
    query = {"cart": cart_token}
    if channel_code:
        query["utm_source"] = channel_code
    return f"{base_url.rstrip('/')}/checkout?{urlencode(query)}"


def excerpt(text: str, limit: int = 300) -> str:
    """Plain text of a description (tags dropped), cut at a word within ``limit``."""
    plain = " ".join(re.sub(r"<[^>]+>", " ", text or "").split())
    if len(plain) <= limit:
        return plain
    cut = plain[:limit].rsplit(" ", 1)[0]
    return cut + "…"


def map_link(latitude: float, longitude: float) -> str:
    return (
        f"https://www.openstreetmap.org/?mlat={latitude:.5f}&mlon={longitude:.5f}"
        f"#map=17/{latitude:.5f}/{longitude:.5f}"
    )


def product_link(base_url: str, slug: str) -> str:
    return f"{base_url.rstrip('/')}/p/{quote(slug)}"


DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def hours_line(opening_hours: dict[str, Any], language: str = "en") -> str:
    """ "Mon–Fri 09:00–21:00, Sat 10:00–18:00" from {"mon": [["09:00", "21:00"]], ...}, the
    days named in ``language`` (CLDR's short names: "пн–пт", "ორშ–პარ"); consecutive days
    with the same hours are joined."""
    names = get_day_names("abbreviated", locale=i18n.normalize(language) or "en")
    groups: list[tuple[list[str], str]] = []
    for day in DAYS:
        spans = opening_hours.get(day) or []
        text = ", ".join(f"{a}–{b}" for a, b in spans) if spans else ""
        if groups and groups[-1][1] == text:
            groups[-1][0].append(day)
        else:
            groups.append(([day], text))
    short = {code: names[index] for index, code in enumerate(DAYS)}  # Babel: 0 is Monday
    parts = [
        f"{short[days[0]]}–{short[days[-1]]} {text}"
        if len(days) > 1
        else f"{short[days[0]]} {text}"
        for days, text in groups
        if text
    ]
    return ", ".join(parts)


def handoff_summary(
    *,
    reason: str,
    intent: str | None,
    language: str,
    slots: dict[str, Any],
    recent: Sequence[str],
    limit: int = 4000,
) -> str:
    """What the operator reads first: why, what the customer wanted, the last messages."""
    lines = [f"reason: {reason}", f"language: {language}"]
    if intent:
        lines.append(f"last intent: {intent}")
    shown = {k: v for k, v in slots.items() if k in ("q", "order_number", "product", "cart")}
    if shown:
        lines.append("slots: " + ", ".join(f"{k}={v}" for k, v in sorted(shown.items())))
    if recent:
        lines.append("customer said:")
        lines += [f"- {t[:300]}" for t in recent[-5:]]
    return "\n".join(lines)[:limit]
