"""Translations (Babel gettext catalogs for ru, en, ka) and locale negotiation.

Catalogs are read from the ``.po`` sources at first use, so a checkout needs no compile step.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.pofile import read_po

LOCALES = ("ru", "en", "ka")
DEFAULT_LOCALE = "ru"
CATALOG_DIR = Path(__file__).resolve().parent.parent / "locale"
# Each language by its own name, for language switches.
LANGUAGE_NAMES = {"ru": "Русский", "en": "English", "ka": "ქართული"}


def N_(message: str) -> str:
    """Marks ``message`` for extraction (``pybabel extract`` knows ``N_``); translated later,
    where the reader's language is known."""
    return message


@lru_cache(maxsize=8)
def _messages(locale: str) -> dict[str, str]:
    path = CATALOG_DIR / locale / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return {}
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    return {
        str(m.id): str(m.string)
        for m in catalog
        if m.id and isinstance(m.id, str) and m.string and not m.fuzzy
    }


def gettext(message: str, locale: str) -> str:
    """Translate ``message`` into ``locale``; falls back to the message itself."""
    return _messages(locale).get(message, message)


def translate(message: str, language: str | None, **values: object) -> str:
    """An English msgid in a customer's ``language`` with its ``{name}`` values filled in;
    English when the language is not ours or the catalog lacks the message."""
    text = gettext(message, normalize(language) or "en")
    return text.format(**values) if values else text


def translator(locale: str) -> Callable[[str], str]:
    messages = _messages(locale)
    return lambda message: messages.get(message, message)


def normalize(locale: str | None) -> str | None:
    """``'ka-GE'`` → ``'ka'`` when supported, else ``None``."""
    if not locale:
        return None
    try:
        language = Locale.parse(locale.replace("-", "_")).language
    except (ValueError, UnknownLocaleError):
        return None
    return language if language in LOCALES else None


def negotiate(accept_language: str | None, default: str = DEFAULT_LOCALE) -> str:
    """Pick the best supported locale from an ``Accept-Language`` header (q-values honoured)."""
    if not accept_language:
        return default
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        ranked.append((-quality, position, tag.strip()))
    for negative_quality, _, tag in sorted(ranked):
        if negative_quality < 0 and (found := normalize(tag)):
            return found
    return default
