"""Storefront form posts as a browser sends them: with the page's hidden CSRF token.

``with_csrf(client)`` makes ``client.post(url, data=...)`` add the ``csrf`` field the way a
form the page rendered would (read from a rendered page, never computed), for storefront
paths; JSON posts, the API and the sandbox PSP's pages are left alone. A test that wants to
send a form without the token passes ``csrf=None`` in ``data``.
"""

from __future__ import annotations

import re
from typing import Any

import httpx

TOKEN = re.compile(r'name="csrf-token" content="([^"]+)"')
LEFT_ALONE = ("/api/", "/sandbox-psp/", "/tg/", "/push/", "/admin")


def with_csrf(client: httpx.AsyncClient) -> httpx.AsyncClient:
    plain_post = client.post
    known: dict[str | None, str] = {}

    async def token() -> str:
        cookie = client.cookies.get("csrf")
        if cookie not in known:
            page = await client.get("/cart")
            found = TOKEN.search(page.text)
            assert found is not None, "the page names no CSRF token"
            known.clear()
            known[client.cookies.get("csrf")] = found.group(1)
        return known[client.cookies.get("csrf")]

    async def post(url: Any, *args: Any, data: Any = None, **kwargs: Any) -> httpx.Response:
        path = httpx.URL(str(url)).path
        if isinstance(data, dict) and not path.startswith(LEFT_ALONE):
            if "csrf" not in data:
                data = {**data, "csrf": await token()}
            elif data["csrf"] is None:
                data = {k: v for k, v in data.items() if k != "csrf"}
        elif data is None and not kwargs.get("json") and not path.startswith(LEFT_ALONE):
            data = {"csrf": await token()}
        return await plain_post(url, *args, data=data, **kwargs)

    client.post = post  # type: ignore[method-assign]
    return client
