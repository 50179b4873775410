"""A per-process micro-cache for anonymous catalog reads (listing, detail, categories).

Catalog pages are read far more often than they change; holding a rendered response for a
second or two absorbs bursts (a campaign link, a live drop) without touching the database.
Stock shown may be that many seconds old — reservation at checkout is the source of truth.

When an entry expires, one request refreshes it in the background while the others keep
getting the previous copy (stale-while-revalidate), and concurrent first requests for a key
wait for a single computation (single flight): a popular page never stampedes the database.
Requests with credentials or cookies, other methods and non-200 answers are never cached.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CACHEABLE_PREFIXES = (
    "/api/v1/products",
    "/api/v1/categories",
    "/api/v1/channels",
    "/api/v1/search/suggest",
)
MAX_ENTRIES = 4096
# An expired entry is still served while its refresh runs, up to this many TTLs old.
STALE_FACTOR = 10
_KEPT_HEADERS = {b"content-type", b"content-language", b"vary"}
Key = tuple[str, bytes, bytes]


@dataclass
class Entry:
    fresh_until: float
    headers: list[tuple[bytes, bytes]]
    body: bytes


class ResponseCache:
    def __init__(self, app: ASGIApp, *, ttl_seconds: float) -> None:
        self.app = app
        self.ttl = ttl_seconds
        self.entries: OrderedDict[Key, Entry] = OrderedDict()
        self.computing: dict[Key, asyncio.Future[Entry | None]] = {}
        self.tasks: set[asyncio.Task[None]] = set()

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
        entry = self.entries.get(key)
        if entry is not None and now < entry.fresh_until + self.ttl * STALE_FACTOR:
            if now >= entry.fresh_until and key not in self.computing:
                self._refresh_in_background(key, scope)
            await _replay(send, entry, hit="hit" if now < entry.fresh_until else "stale")
            return
        pending = self.computing.get(key)
        if pending is not None:
            shared = await asyncio.shield(pending)
            if shared is not None:
                await _replay(send, shared, hit="hit")
                return
            await self.app(scope, receive, send)
            return
        future: asyncio.Future[Entry | None] = asyncio.get_running_loop().create_future()
        self.computing[key] = future
        try:
            computed = await self._compute(scope, receive, send)
        finally:
            self.computing.pop(key, None)
        future.set_result(computed)
        if computed is not None:
            self._store(key, computed)

    async def _compute(self, scope: Scope, receive: Receive, send: Send | None) -> Entry | None:
        """Run the app once, forwarding to ``send`` (if any) and capturing a 200 answer."""
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
            if send is not None:
                await send(message)

        await self.app(scope, receive, capture)
        if status != 200:
            return None
        return Entry(time.monotonic() + self.ttl, kept, b"".join(chunks))

    def _refresh_in_background(self, key: Key, scope: Scope) -> None:
        future: asyncio.Future[Entry | None] = asyncio.get_running_loop().create_future()
        self.computing[key] = future

        async def no_body() -> Message:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def refresh() -> None:
            computed: Entry | None = None
            try:
                computed = await self._compute(dict(scope), no_body, None)
            finally:
                self.computing.pop(key, None)
                future.set_result(computed)
                if computed is None:
                    self.entries.pop(key, None)
                else:
                    self._store(key, computed)

        task = asyncio.create_task(refresh())
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def _store(self, key: Key, entry: Entry) -> None:
        self.entries[key] = entry
        self.entries.move_to_end(key)
        if len(self.entries) > MAX_ENTRIES:
            self.entries.popitem(last=False)


async def _replay(send: Send, entry: Entry, *, hit: str) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                *entry.headers,
                (b"content-length", str(len(entry.body)).encode()),
                (b"x-cache", hit.encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": entry.body})
