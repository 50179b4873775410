"""Storefront translations: gettext with plural forms, one Jinja2 environment per locale.

The kernel reads ``.po`` catalogs for plain lookups; pages also need ``ngettext`` with each
language's plural rule, so the same ``.po`` sources are compiled in memory into a
``GNUTranslations`` once per process (no ``.mo`` files to build or to forget).
"""

from __future__ import annotations

import gettext
import io
from functools import lru_cache
from pathlib import Path

import jinja2
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from omnishop.kernel import i18n
from omnishop.kernel.money import Money
from omnishop.storefront import pwa

TEMPLATES = Path(__file__).resolve().parent / "templates"
LANGUAGE_NAMES = i18n.LANGUAGE_NAMES


@lru_cache(maxsize=8)
def translations(locale: str) -> gettext.NullTranslations:
    """The compiled catalog of ``locale`` (fuzzy entries left out); identity when missing."""
    path = i18n.CATALOG_DIR / locale / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return gettext.NullTranslations()
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


@lru_cache(maxsize=8)
def environment(locale: str) -> jinja2.Environment:
    """A template environment bound to one locale.

    One environment per locale, rather than re-binding a shared one per request, keeps
    concurrent requests in different languages from seeing each other's translations.
    """
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html", "xml"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.install_gettext_translations(translations(locale), newstyle=True)  # type: ignore[attr-defined]
    env.globals["LOCALES"] = i18n.LOCALES
    env.globals["LANGUAGE_NAMES"] = LANGUAGE_NAMES
    env.globals["static_url"] = pwa.url
    env.filters["money"] = lambda money: money.format(locale)
    # Anything with integer ``amount`` and ``currency`` (a cart's MoneyView, a delivery option)
    # in the page's locale, whatever locale the cart was created in.
    env.filters["minor"] = lambda value: Money(value.amount, value.currency).format(locale)
    # JSON-LD stays readable (and smaller) in Georgian and Russian; <, >, & are still escaped.
    env.policies["json.dumps_kwargs"] = {"sort_keys": True, "ensure_ascii": False}
    return env


def pick_locale(
    *, query: str | None, cookie: str | None, accept_language: str | None, default: str
) -> str:
    """``?lang=`` beats the cookie, which beats ``Accept-Language``, then the channel's locale."""
    for candidate in (query, cookie):
        if found := i18n.normalize(candidate):
            return found
    return i18n.negotiate(accept_language, default=i18n.normalize(default) or i18n.DEFAULT_LOCALE)
