"""A per-process micro-cache for anonymous catalog reads (listing, detail, categories).

Catalog pages are read far more often than they change; holding a rendered response for a
second or two absorbs bursts (a campaign link, a live drop) without touching the database.
Stock shown may be that many seconds old — reservation at checkout is the source of truth.
Requests with credentials, non-GET methods and non-200 answers are never cached.
"""

from __future__ import annotations

import time
from collections import OrderedDict

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CACHEABLE_PREFIXES = (
    "/api/v1/products",
    "/api/v1/categories",
    "/api/v1/channels",
    "/api/v1/search/suggest",
)
MAX_ENTRIES = 4096
_KEPT_HEADERS = {b"content-type", b"content-language", b"vary"}


class ResponseCache:
    def __init__(self, app: ASGIApp, *, ttl_seconds: float) -> None:
        self.app = app
        self.ttl = ttl_seconds
        self.entries: OrderedDict[
            tuple[str, bytes, bytes], tuple[float, list[tuple[bytes, bytes]], bytes]
        ] = OrderedDict()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            self.ttl <= 0
            or scope["type"] != "http"
            or scope["method"] != "GET"
            or not scope["path"].startswith(CACHEABLE_PREFIXES)
        ):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        if b"authorization" in headers or b"cookie" in headers:
            await self.app(scope, receive, send)
            return
        key = (scope["path"], scope["query_string"], headers.get(b"accept-language", b""))
        now = time.monotonic()
        hit = self.entries.get(key)
        if hit is not None and hit[0] > now:
            self.entries.move_to_end(key)
            await _replay(send, hit[1], hit[2], age=self.ttl - (hit[0] - now))
            return

        status = 0
        kept: list[tuple[bytes, bytes]] = []
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                kept.extend((k, v) for k, v in message.get("headers", []) if k in _KEPT_HEADERS)
                message["headers"] = [
                    *message.get("headers", []),
                    (b"cache-control", f"public, max-age={int(self.ttl)}".encode()),
                    (b"x-cache", b"miss"),
                ]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        await self.app(scope, receive, capture)
        if status == 200:
            self.entries[key] = (now + self.ttl, kept, b"".join(chunks))
            if len(self.entries) > MAX_ENTRIES:
                self.entries.popitem(last=False)


async def _replay(send: Send, headers: list[tuple[bytes, bytes]], body: bytes, age: float) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                *headers,
                (b"content-length", str(len(body)).encode()),
                (b"age", str(int(age)).encode()),
                (b"x-cache", b"hit"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
