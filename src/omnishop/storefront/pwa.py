"""The installable app: web app manifest, versioned static assets and the service worker.

Asset URLs carry a content hash (``/static/app.js?v=…``) so they can be cached for a year;
the service worker's cache names carry the hash of every asset and of the worker itself, so
a deploy that changes any of them installs a new worker that drops the old caches."""

from __future__ import annotations

import hashlib
import json
import mimetypes
from functools import lru_cache
from pathlib import Path
from typing import Any

from omnishop.kernel import i18n

STATIC = Path(__file__).resolve().parent / "static"
THEME = "#0b6e4f"
BACKGROUND = "#ffffff"
# Pages always asked of the network first (they change with every click); the last copy is
# shown offline. Catalog pages are served stale-while-revalidate instead.
NETWORK_FIRST = ("/cart", "/checkout", "/account", "/order/", "/tg")
STALE_WHILE_REVALIDATE = ("/", "/c/", "/p/", "/search")
# Requests that change a cart, refused with a clear message while offline (never queued).
CART_ACTIONS = ("/cart", "/checkout", "/api/v1/carts")
ICONS = (
    ("icons/icon-192.png", "192x192", "any"),
    ("icons/icon-512.png", "512x512", "any"),
    ("icons/maskable-512.png", "512x512", "maskable"),
)
APPLE_TOUCH = "icons/apple-touch-icon.png"


@lru_cache(maxsize=64)
def asset(name: str) -> tuple[bytes, str, str]:
    """A static file's bytes, media type and content hash (12 hex digits)."""
    path = (STATIC / name).resolve()
    if STATIC not in path.parents or not path.is_file():
        raise FileNotFoundError(name)
    data = path.read_bytes()
    media = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if path.suffix == ".js":
        media = "text/javascript"
    return data, media, hashlib.sha256(data).hexdigest()[:12]


def url(name: str) -> str:
    """The cache-busting URL of a static file."""
    return f"/static/{name}?v={asset(name)[2]}"


def shell_assets() -> list[str]:
    """Everything the app shell needs offline, as versioned URLs."""
    names = sorted(
        str(p.relative_to(STATIC)) for p in STATIC.rglob("*") if p.is_file() and p.suffix != ".py"
    )
    return [url(n) for n in names]


@lru_cache(maxsize=1)
def version() -> str:
    """The hash of every asset and of the worker's code: a new value means a new worker."""
    digest = hashlib.sha256()
    for item in shell_assets():
        digest.update(item.encode())
    digest.update((Path(__file__).parent / "templates" / "sw.js").read_bytes())
    return digest.hexdigest()[:12]


def manifest(locale: str) -> dict[str, Any]:
    """The web app manifest (Chromium installability: name, icons 192 and 512, start_url,
    display standalone, and a service worker with a fetch handler)."""
    _ = i18n.translator(locale)
    icon = {"src": url(ICONS[0][0]), "sizes": "192x192", "type": "image/png"}
    return {
        "id": "/",
        "name": "omnishop",
        "short_name": "omnishop",
        "description": _("Shop online: products, prices and stock in your channel."),
        "lang": locale,
        "dir": "ltr",
        "start_url": "/?utm_source=homescreen&utm_medium=pwa",
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "theme_color": THEME,
        "background_color": BACKGROUND,
        "categories": ["shopping"],
        "icons": [
            {"src": url(src), "sizes": sizes, "type": "image/png", "purpose": purpose}
            for src, sizes, purpose in ICONS
        ],
        "shortcuts": [
            {
                "name": _("Search"),
                "url": "/search?utm_source=shortcut&utm_medium=pwa",
                "icons": [icon],
            },
            {"name": _("Cart"), "url": "/cart?utm_source=shortcut&utm_medium=pwa", "icons": [icon]},
            {
                "name": _("My orders"),
                "url": "/account?utm_source=shortcut&utm_medium=pwa",
                "icons": [icon],
            },
        ],
    }


def worker_config(locale: str) -> str:
    """The constants the service worker is rendered with (JSON, safe inside a script)."""
    del locale
    return json.dumps(
        {
            "version": version(),
            "precache": ["/offline", "/offline?cart=1", "/manifest.webmanifest", *shell_assets()],
            "networkFirst": list(NETWORK_FIRST),
            "staleWhileRevalidate": list(STALE_WHILE_REVALIDATE),
            "cartActions": list(CART_ACTIONS),
            "icon": url(ICONS[0][0]),
        }
    ).replace("<", "\\u003c")
